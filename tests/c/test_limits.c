/*
 * test_limits.c: a tasklet that outgrows its save limit dies of SL_ESTACK
 * while the others go on; spawning until memory runs out fails cleanly;
 * the memory a blocked tasklet keeps is small.
 */
#include "test.h"

#include <string.h>

static sl_runtime *rt;
static sl_channel *ch, *ring_a, *ring_b;

/* Recurse `depth` frames, each with an address-taken buffer, then block. */
__attribute__((noinline)) static int dive(int depth)
{
    volatile char buf[96];
    memset((char *)buf, depth & 0xff, sizeof buf);
    int rc = depth > 0 ? dive(depth - 1) : sl_channel_receive(ch, NULL);
    for (size_t i = 0; i < sizeof buf; i++)
        if (buf[i] != (char)(depth & 0xff)) return SL_EUSER - 77;
    return rc;
}

static int body_deep(void *arg)
{
    TRACE("deep>");
    int rc = dive((int)(intptr_t)arg);
    TRACE("deep<%d", rc);
    return rc;
}

/* A shallow partner that ping-pongs with main before and after. */
static int body_echo(void *arg)
{
    int64_t v;
    (void)arg;
    for (;;) {
        if (sl_channel_receive(ring_a, &v)) return 0;
        if (sl_channel_send(ring_b, v + 1)) return 0;
    }
}

static void pingpong(int n)
{
    for (int i = 0; i < n; i++) {
        int64_t v = -1;
        CHECK_EQ_INT(sl_channel_send(ring_a, i), 0);
        CHECK_EQ_INT(sl_channel_receive(ring_b, &v), 0);
        if (!CHECK(v == i + 1)) return;
    }
}

static void test_save_limit_kills_only_the_tasklet(void)
{
    sl_config cfg = {0};
    cfg.save_limit = 4096;
    rt = sl_runtime_new(&cfg);
    CHECK(rt != NULL);
    ch = sl_channel_new(rt);
    ring_a = sl_channel_new(rt);
    ring_b = sl_channel_new(rt);
    sl_tasklet *echo = sl_tasklet_new(rt, body_echo);
    sl_tasklet_setup(echo, NULL);
    pingpong(3);
    /* shallow: fits the limit, blocks, then is released */
    sl_tasklet *small = sl_tasklet_new(rt, body_deep);
    sl_tasklet_setup(small, (void *)(intptr_t)3);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_blocked(small), 1);
    CHECK_EQ_INT(sl_channel_send(ch, 1), 0);
    CHECK_EQ_INT(sl_tasklet_alive(small), 0);
    /* deep: 100 frames of 96+ bytes cannot suspend within 4 KiB */
    sl_tasklet *big = sl_tasklet_new(rt, body_deep);
    sl_tasklet_setup(big, (void *)(intptr_t)100);
    CHECK_EQ_INT(sl_run(rt, 0), SL_ESTACK);
    CHECK_EQ_INT(sl_tasklet_alive(big), 0);
    CHECK_EQ_INT(sl_tasklet_blocked(big), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK(strstr(sl_error_detail(rt), "limit") != NULL);
    CHECK_TRACE("deep> deep<0 deep>");
    /* the rest of the runtime goes on */
    CHECK_EQ_INT(sl_tasklet_alive(echo), 1);
    pingpong(100);
    /* the dead tasklet can even be set up again, shallower */
    sl_tasklet_setup(big, (void *)(intptr_t)2);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_send(ch, 5), 0);
    CHECK_EQ_INT(sl_tasklet_alive(big), 0);
    sl_tasklet_free(big);
    sl_tasklet_free(small);
    sl_tasklet_kill(echo, 0);
    sl_tasklet_free(echo);
    test_runtime_free(rt);
}

static int body_wait(void *arg)
{
    (void)arg;
    return sl_channel_receive(ch, NULL);
}

/* Spawn blocked tasklets until memory runs out: either a spawn returns
   NULL or a tasklet that cannot save its stack dies of SL_ENOMEM, which
   reaches main's sl_run. Never an aborted program; after the waiters are
   released everything works again. */
static void test_spawn_until_out_of_memory(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    ring_a = sl_channel_new(rt);
    ring_b = sl_channel_new(rt);
    long spawned = 0, died = 0;
    const long cap = 20L * 1000 * 1000;
    int out_of_memory = 0, rc;
    while (spawned < cap && !out_of_memory) {
        if (!sl_spawn(rt, body_wait, NULL)) {
            out_of_memory = 1;
            CHECK(strstr(sl_error_detail(rt), "memory") != NULL);
            break;
        }
        spawned++;
        if (spawned % 4096 == 0) {
            rc = sl_run(rt, 0);
            if (rc == SL_ENOMEM) {
                out_of_memory = 1;
                died++;
            } else {
                CHECK_EQ_INT(rc, 0);
            }
        }
    }
    CHECK(out_of_memory);
    CHECK(spawned > 1000);
    /* every spawned tasklet either blocks or dies of SL_ENOMEM */
    while ((rc = sl_run(rt, 0)) == SL_ENOMEM) died++;
    CHECK_EQ_INT(rc, 0);
    long blocked = -sl_channel_balance(ch);
    CHECK(blocked + died == spawned);
    CHECK(blocked > 1000);
    /* release every waiter */
    CHECK_EQ_INT(sl_channel_set_preference(ch, 0), 0);
    for (long i = 0; i < blocked; i++)
        if (!CHECK_EQ_INT(sl_channel_send(ch, i), 0)) break;
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT((int)sl_stats_get(rt)->tasklets, 1);
    sl_tasklet *echo = sl_spawn(rt, body_echo, NULL);
    CHECK(echo != NULL);
    pingpong(10);
    CHECK_EQ_INT(sl_tasklet_kill(echo, 0), 0);
    test_runtime_free(rt);
}

int main(void)
{
    RUN_TEST(test_save_limit_kills_only_the_tasklet);
    RUN_TEST(test_spawn_until_out_of_memory);
    return test_summary();
}
