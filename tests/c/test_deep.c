/*
 * test_deep.c: tasklets that block deep inside a call chain. Every level
 * keeps an address-taken local array filled with values derived from the
 * depth and the tasklet, passed to an external noinline function so the
 * compiler must keep it in memory; after thousands of switches the chain
 * unwinds and every array is verified. This catches a switch backend that
 * loses or mixes up parts of a suspended C stack (or, with Asyncify, of
 * the saved wasm locals).
 */
#include "test.h"

static sl_runtime *rt;

/* External linkage and noinline: the compiler cannot see what it does
   with the array, so the array must really live in the frame. */
void deep_touch(volatile int64_t *a, int n);
static volatile int64_t deep_sink;

__attribute__((noinline)) void deep_touch(volatile int64_t *a, int n)
{
    int i;
    int64_t s = 0;
    for (i = 0; i < n; i++)
        s += a[i];
    deep_sink += s;
}

struct deep {
    int id;                          /* tasklet number */
    int depth;                       /* levels above the leaf */
    int (*leaf)(struct deep *);      /* work done at the bottom */
    int bad;                         /* corrupted array elements seen */
    int verified;                    /* levels verified on the way up */
    int result;                      /* what the leaf returned */
};

static int64_t pattern(int id, int depth, int i)
{
    return (int64_t)id * 1000003 + (int64_t)depth * 131 + i * 7919 + 1;
}

static int descend(struct deep *d, int depth)
{
    volatile int64_t arr[8];
    int i, rc;
    for (i = 0; i < 8; i++)
        arr[i] = pattern(d->id, depth, i);
    deep_touch(arr, 8);
    if (depth == 0)
        rc = d->leaf(d);
    else
        rc = descend(d, depth - 1);
    deep_touch(arr, 8);
    for (i = 0; i < 8; i++)
        if (arr[i] != pattern(d->id, depth, i))
            d->bad++;
    d->verified++;
    return rc;
}

static int body_deep(void *arg)
{
    struct deep *d = arg;
    d->result = descend(d, d->depth);
    return d->result == SL_EKILLED ? SL_EKILLED : 0;
}

/* ---- ring of deep tasklets ------------------------------------------- */

enum { RING_N = 4, RING_LAPS = 2000 };
static sl_channel *ring[RING_N + 1];
static int ring_expect; /* id of the tasklet that must receive next */
static int ring_order_bad;
static int ring_laps;

static int leaf_ring(struct deep *d)
{
    int lap;
    int64_t v;
    for (lap = 0; lap < ring_laps; lap++) {
        v = -1;
        if (sl_channel_receive(ring[d->id], &v) != 0)
            return -1;
        if (ring_expect != d->id)
            ring_order_bad++;
        ring_expect = d->id + 1;
        if (sl_channel_send(ring[d->id + 1], v + 1) != 0)
            return -1;
    }
    return 0;
}

/* main's part of the ring, also run deep in main's own stack */
static int64_t main_final;
static int leaf_main_ring(struct deep *d)
{
    int lap;
    int64_t v = 0, got;
    (void)d;
    for (lap = 0; lap < ring_laps; lap++) {
        ring_expect = 0;
        if (sl_channel_send(ring[0], v) != 0)
            return -1;
        got = -1;
        if (sl_channel_receive(ring[RING_N], &got) != 0)
            return -1;
        if (ring_expect != RING_N)
            ring_order_bad++;
        if (got != v + RING_N)
            ring_order_bad++;
        v = got;
    }
    main_final = v;
    return 0;
}

static void ring_test(const int *depths, int main_depth)
{
    struct deep ds[RING_N], dm;
    int i;
    rt = test_runtime_new();
    for (i = 0; i <= RING_N; i++)
        ring[i] = sl_channel_new(rt);
    ring_order_bad = 0;
    ring_laps = RING_LAPS;
    main_final = -1;
    for (i = 0; i < RING_N; i++) {
        memset(&ds[i], 0, sizeof ds[i]);
        ds[i].id = i;
        ds[i].depth = depths[i];
        ds[i].leaf = leaf_ring;
        ds[i].result = 99;
        CHECK(sl_spawn(rt, body_deep, &ds[i]) != NULL);
    }
    /* let them all descend and block at the bottom */
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    for (i = 0; i < RING_N; i++)
        CHECK_EQ_INT(sl_channel_balance(ring[i]), -1);
    CHECK_EQ_INT(sl_stats_get(rt)->blocked, RING_N);
    memset(&dm, 0, sizeof dm);
    dm.id = 99;
    dm.depth = main_depth;
    dm.leaf = leaf_main_ring;
    CHECK_EQ_INT(descend(&dm, dm.depth), 0);
    CHECK_EQ_INT(dm.bad, 0);
    CHECK_EQ_INT(dm.verified, main_depth + 1);
    CHECK_EQ_INT(main_final, (int64_t)RING_N * RING_LAPS);
    CHECK_EQ_INT(ring_order_bad, 0);
    /* the tasklets finish their last send; let them unwind */
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    for (i = 0; i < RING_N; i++) {
        CHECK_EQ_INT(ds[i].result, 0);
        CHECK_EQ_INT(ds[i].bad, 0);
        CHECK_EQ_INT(ds[i].verified, depths[i] + 1);
    }
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    /* at least one switch per hop (about 5 per lap here) */
    CHECK(sl_stats_get(rt)->switches >= (double)RING_N * RING_LAPS);
    test_runtime_free(rt);
}

static void test_ring_depth50(void)
{
    static const int depths[RING_N] = {50, 50, 50, 50};
    ring_test(depths, 0);
}

static void test_ring_mixed_depths_main_deep(void)
{
    static const int depths[RING_N] = {50, 3, 37, 11};
    ring_test(depths, 50);
}

/* ---- deep round robin, ordered trace --------------------------------- */

static int leaf_rr(struct deep *d)
{
    int i;
    for (i = 0; i < 3; i++) {
        TRACE("%c%d", 'a' + d->id, i);
        CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    }
    return 0;
}

static void test_round_robin_deep(void)
{
    struct deep ds[3];
    int i;
    rt = test_runtime_new();
    for (i = 0; i < 3; i++) {
        memset(&ds[i], 0, sizeof ds[i]);
        ds[i].id = i;
        ds[i].depth = 50;
        ds[i].leaf = leaf_rr;
        sl_spawn(rt, body_deep, &ds[i]);
    }
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("a0 b0 c0 a1 b1 c1 a2 b2 c2");
    for (i = 0; i < 3; i++) {
        CHECK_EQ_INT(ds[i].bad, 0);
        CHECK_EQ_INT(ds[i].verified, 51);
    }
    test_runtime_free(rt);
}

/* Many schedule() round trips at different depths. */
static int leaf_spin(struct deep *d)
{
    int i;
    for (i = 0; i < 500; i++) {
        if (sl_schedule(rt, 0, NULL) != 0)
            return -1;
        if (ring_expect != d->id)
            ring_order_bad++;
        ring_expect = (d->id + 1) % 5;
    }
    return 0;
}

static void test_spin_mixed_depths(void)
{
    static const int depths[5] = {1, 60, 17, 45, 0};
    struct deep ds[5];
    int i;
    rt = test_runtime_new();
    ring_expect = 0;
    ring_order_bad = 0;
    for (i = 0; i < 5; i++) {
        memset(&ds[i], 0, sizeof ds[i]);
        ds[i].id = i;
        ds[i].depth = depths[i];
        ds[i].leaf = leaf_spin;
        ds[i].result = 99;
        sl_spawn(rt, body_deep, &ds[i]);
    }
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(ring_order_bad, 0);
    for (i = 0; i < 5; i++) {
        CHECK_EQ_INT(ds[i].result, 0);
        CHECK_EQ_INT(ds[i].bad, 0);
        CHECK_EQ_INT(ds[i].verified, depths[i] + 1);
    }
    test_runtime_free(rt);
}

/* ---- kill a deep blocked tasklet: it unwinds and verifies ------------ */

static sl_channel *kill_ch;
static int leaf_block_forever(struct deep *d)
{
    int rc;
    (void)d;
    TRACE("blocked%d", d->id);
    rc = sl_channel_receive(kill_ch, NULL);
    TRACE("woke%d:%d", d->id, rc);
    return rc;
}

static void test_kill_deep_blocked(void)
{
    struct deep ds[2];
    sl_tasklet *t[2];
    int i;
    rt = test_runtime_new();
    kill_ch = sl_channel_new(rt);
    for (i = 0; i < 2; i++) {
        memset(&ds[i], 0, sizeof ds[i]);
        ds[i].id = i;
        ds[i].depth = 50;
        ds[i].leaf = leaf_block_forever;
        t[i] = sl_tasklet_new(rt, body_deep);
        sl_tasklet_setup(t[i], &ds[i]);
    }
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(kill_ch), -2);
    CHECK_EQ_INT(sl_tasklet_kill(t[1], 0), 0);
    CHECK_EQ_INT(sl_tasklet_throw(t[0], SL_EUSER - 1, 5, 1), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0); /* body_deep handles user errors */
    CHECK_TRACE("blocked0 blocked1 woke1:-8 woke0:-1001");
    for (i = 0; i < 2; i++) {
        CHECK_EQ_INT(ds[i].bad, 0);
        CHECK_EQ_INT(ds[i].verified, 51);
        CHECK_EQ_INT(sl_tasklet_alive(t[i]), 0);
    }
    CHECK_EQ_INT(ds[1].result, SL_EKILLED);
    CHECK_EQ_INT(ds[0].result, SL_EUSER - 1);
    sl_tasklet_free(t[0]);
    sl_tasklet_free(t[1]);
    test_runtime_free(rt);
}

/* body_deep returns 0 for a user error; make the thrown error uncaught: */
static int body_deep_uncaught(void *arg)
{
    struct deep *d = arg;
    d->result = descend(d, d->depth);
    if (d->result < 0)
        sl_set_errval(rt, 5);
    return d->result;
}

static void test_throw_deep_uncaught(void)
{
    struct deep d;
    sl_tasklet *t;
    rt = test_runtime_new();
    kill_ch = sl_channel_new(rt);
    memset(&d, 0, sizeof d);
    d.id = 7;
    d.depth = 50;
    d.leaf = leaf_block_forever;
    t = sl_tasklet_new(rt, body_deep_uncaught);
    sl_tasklet_setup(t, &d);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_throw(t, SL_EUSER - 2, 5, 0), SL_EUSER - 2);
    CHECK_EQ_INT(sl_errval(rt), 5);
    CHECK_TRACE("blocked7 woke7:-1002");
    CHECK_EQ_INT(d.bad, 0);
    CHECK_EQ_INT(d.verified, 51);
    sl_tasklet_free(t);
    test_runtime_free(rt);
}

/* ---- 1000-tasklet ring ---------------------------------------------- */

enum { BIG_N = 1000, BIG_LAPS = 10 };
static sl_channel *big[BIG_N + 1];
static int big_hops[BIG_N];

static int leaf_big(struct deep *d)
{
    int lap;
    int64_t v;
    for (lap = 0; lap < BIG_LAPS; lap++) {
        v = -1;
        if (sl_channel_receive(big[d->id], &v) != 0)
            return -1;
        big_hops[d->id]++;
        if (sl_channel_send(big[d->id + 1], v + 1) != 0)
            return -1;
    }
    return 0;
}

static void test_ring_1000(void)
{
    static struct deep ds[BIG_N];
    int i, lap, bad = 0, unwound = 0;
    int64_t v = 0, got;
    rt = test_runtime_new();
    for (i = 0; i <= BIG_N; i++)
        big[i] = sl_channel_new(rt);
    for (i = 0; i < BIG_N; i++) {
        memset(&ds[i], 0, sizeof ds[i]);
        ds[i].id = i;
        ds[i].depth = 3 + i % 5;
        ds[i].leaf = leaf_big;
        ds[i].result = 99;
        big_hops[i] = 0;
        if (!sl_spawn(rt, body_deep, &ds[i]))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, BIG_N + 1);
    for (lap = 0; lap < BIG_LAPS; lap++) {
        CHECK_EQ_INT(sl_channel_send(big[0], v), 0);
        got = -1;
        CHECK_EQ_INT(sl_channel_receive(big[BIG_N], &got), 0);
        CHECK_EQ_INT(got, v + BIG_N);
        v = got;
    }
    CHECK_EQ_INT(v, (int64_t)BIG_N * BIG_LAPS);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    for (i = 0; i < BIG_N; i++) {
        if (big_hops[i] != BIG_LAPS || ds[i].bad != 0 || ds[i].result != 0)
            bad++;
        if (ds[i].verified == ds[i].depth + 1)
            unwound++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(unwound, BIG_N);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    test_runtime_free(rt);
}

int main(void)
{
    RUN_TEST(test_ring_depth50);
    RUN_TEST(test_ring_mixed_depths_main_deep);
    RUN_TEST(test_round_robin_deep);
    RUN_TEST(test_spin_mixed_depths);
    RUN_TEST(test_kill_deep_blocked);
    RUN_TEST(test_throw_deep_uncaught);
    RUN_TEST(test_ring_1000);
    return test_summary();
}
