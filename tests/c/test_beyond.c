/*
 * test_beyond.c: what stackless-wasm adds to Stackless: buffered channels,
 * select, timers. Ordered traces, balances at each step, errors.
 */
#if !defined(__EMSCRIPTEN__)
#define _POSIX_C_SOURCE 200809L
#endif
#include "test.h"

#if !defined(__EMSCRIPTEN__)
#include <time.h>
#else
#include <emscripten.h>
#endif

static int64_t sl__now_us_for_tests(void)
{
#if defined(__EMSCRIPTEN__)
    return (int64_t)(emscripten_get_now() * 1000.0);
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
#endif
}

static sl_runtime *rt;
static sl_channel *c1, *c2;

/* ---- buffered channels ------------------------------------------------- */

static void test_buffered_send_does_not_block(void)
{
    int64_t v = 0;
    rt = test_runtime_new();
    c1 = sl_channel_new_buffered(rt, 2);
    CHECK_EQ_INT(sl_channel_capacity(c1), 2);
    CHECK_EQ_INT(sl_channel_send(c1, 10), 0);
    CHECK_EQ_INT(sl_channel_balance(c1), 1);
    CHECK_EQ_INT(sl_channel_send(c1, 11), 0);
    CHECK_EQ_INT(sl_channel_balance(c1), 2);
    /* full, nobody to receive: main would block with nothing runnable */
    CHECK_EQ_INT(sl_channel_send(c1, 12), SL_EDEADLOCK);
    CHECK_EQ_INT(sl_channel_balance(c1), 2);
    CHECK_EQ_INT(sl_channel_receive(c1, &v), 0);
    CHECK(v == 10);
    CHECK_EQ_INT(sl_channel_receive(c1, &v), 0);
    CHECK(v == 11);
    CHECK_EQ_INT(sl_channel_balance(c1), 0);
    CHECK_EQ_INT(sl_channel_receive(c1, &v), SL_EDEADLOCK);
    CHECK_EQ_INT((int)sl_stats_get(rt)->switches, 0);
    test_runtime_free(rt);
}

static int body_producer(void *arg)
{
    for (int i = 0; i < (int)(intptr_t)arg; i++) {
        TRACE("s%d", i);
        if (sl_channel_send(c1, i)) return SL_EUSER;
    }
    TRACE("sdone");
    return 0;
}

static int body_consumer(void *arg)
{
    int64_t v;
    for (int i = 0; i < (int)(intptr_t)arg; i++) {
        if (sl_channel_receive(c1, &v)) return SL_EUSER;
        TRACE("r%d", (int)v);
    }
    return 0;
}

/* capacity 2: the producer runs ahead by two values, then blocks; the
   consumer's receive moves the blocked value in and makes the producer
   runnable. Once the buffer is empty and the consumer waits, a send is a
   rendezvous again (preference -1: the receiver runs at once). */
static void test_buffered_producer_consumer(void)
{
    rt = test_runtime_new();
    c1 = sl_channel_new_buffered(rt, 2);
    sl_spawn(rt, body_producer, (void *)(intptr_t)5);
    sl_spawn(rt, body_consumer, (void *)(intptr_t)5);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("s0 s1 s2 r0 r1 r2 s3 r3 s4 r4 sdone");
    CHECK_EQ_INT(sl_channel_balance(c1), 0);
    test_runtime_free(rt);
}

/* preference 1 on a receive that frees a slot: the woken sender runs at
   once. */
static void test_buffered_preference_sender(void)
{
    rt = test_runtime_new();
    c1 = sl_channel_new_buffered(rt, 1);
    CHECK_EQ_INT(sl_channel_set_preference(c1, 1), 0);
    sl_spawn(rt, body_producer, (void *)(intptr_t)3);
    sl_spawn(rt, body_consumer, (void *)(intptr_t)3);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("s0 s1 s2 r0 sdone r1 r2");
    test_runtime_free(rt);
}

static void test_buffered_close(void)
{
    int64_t v = 0;
    rt = test_runtime_new();
    c1 = sl_channel_new_buffered(rt, 3);
    sl_channel_send(c1, 1);
    sl_channel_send(c1, 2);
    sl_channel_close(c1);
    CHECK_EQ_INT(sl_channel_closed(c1), 0); /* values still buffered */
    CHECK_EQ_INT(sl_channel_receive(c1, &v), 0);
    CHECK(v == 1);
    CHECK_EQ_INT(sl_channel_receive(c1, &v), 0);
    CHECK(v == 2);
    CHECK_EQ_INT(sl_channel_closed(c1), 1);
    CHECK_EQ_INT(sl_channel_receive(c1, &v), SL_ECLOSED);
    test_runtime_free(rt);
}

static void test_buffered_exception(void)
{
    int64_t v = 0;
    rt = test_runtime_new();
    c1 = sl_channel_new_buffered(rt, 2);
    CHECK_EQ_INT(sl_channel_send_exception(c1, SL_EUSER - 3, 99), 0);
    CHECK_EQ_INT(sl_channel_send(c1, 5), 0);
    CHECK_EQ_INT(sl_channel_receive(c1, &v), SL_EUSER - 3);
    CHECK(sl_errval(rt) == 99);
    CHECK_EQ_INT(sl_channel_receive(c1, &v), 0);
    CHECK(v == 5);
    test_runtime_free(rt);
}

/* ---- select ------------------------------------------------------------ */

static void test_select_nonblocking_first_ready_wins(void)
{
    int index = 7;
    int64_t v = 0;
    rt = test_runtime_new();
    c1 = sl_channel_new_buffered(rt, 1);
    c2 = sl_channel_new_buffered(rt, 1);
    sl_case cases[2] = {{c1, SL_RECV, 0}, {c2, SL_RECV, 0}};
    CHECK_EQ_INT(sl_select(rt, cases, 2, 0, &index, &v), 0);
    CHECK_EQ_INT(index, -1);
    sl_channel_send(c2, 22);
    sl_channel_send(c1, 11);
    CHECK_EQ_INT(sl_select(rt, cases, 2, 0, &index, &v), 0);
    CHECK_EQ_INT(index, 0); /* array order, not arrival order */
    CHECK(v == 11);
    CHECK_EQ_INT(sl_select(rt, cases, 2, 0, &index, &v), 0);
    CHECK_EQ_INT(index, 1);
    CHECK(v == 22);
    /* a send case is ready while there is room */
    sl_case send[2] = {{c1, SL_SEND, 5}, {c2, SL_RECV, 0}};
    CHECK_EQ_INT(sl_select(rt, send, 2, 0, &index, &v), 0);
    CHECK_EQ_INT(index, 0);
    CHECK_EQ_INT(sl_channel_balance(c1), 1);
    test_runtime_free(rt);
}

static int body_send_c2(void *arg)
{
    TRACE("t>");
    int rc = sl_channel_send(c2, (int64_t)(intptr_t)arg);
    TRACE("t<%d", rc);
    return 0;
}

static void test_select_blocking_receive(void)
{
    int index = 7;
    int64_t v = 0;
    rt = test_runtime_new();
    c1 = sl_channel_new(rt);
    c2 = sl_channel_new(rt);
    sl_spawn(rt, body_send_c2, (void *)(intptr_t)42);
    sl_case cases[2] = {{c1, SL_RECV, 0}, {c2, SL_RECV, 0}};
    TRACE("m>");
    CHECK_EQ_INT(sl_select(rt, cases, 2, 1, &index, &v), 0);
    TRACE("m<%d:%d", index, (int)v);
    CHECK_EQ_INT(index, 1);
    /* the other case was withdrawn */
    CHECK_EQ_INT(sl_channel_balance(c1), 0);
    CHECK_EQ_INT(sl_channel_balance(c2), 0);
    CHECK_EQ_INT((int)sl_stats_get(rt)->blocked, 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    /* preference -1: the receiver (main) runs at once */
    CHECK_TRACE("m> t> m<1:42 t<0");
    test_runtime_free(rt);
}

static int body_select_task(void *arg)
{
    int index = -1;
    int64_t v = 0;
    sl_case cases[2] = {{c1, SL_RECV, 0}, {c2, SL_SEND, 77}};
    int rc = sl_select(rt, cases, 2, 1, &index, &v);
    TRACE("%s:%d:%d:%d", (const char *)arg, rc, index, index == 0 ? (int)v : 0);
    return 0;
}

/* two selecting tasklets queue FIFO on the channels; blocked selects show
   as blocked, count once, and keep balances right. */
static void test_select_fifo_and_state(void)
{
    int64_t v = 0;
    rt = test_runtime_new();
    c1 = sl_channel_new(rt);
    c2 = sl_channel_new(rt);
    sl_tasklet *a = sl_tasklet_new(rt, body_select_task);
    sl_tasklet *b = sl_tasklet_new(rt, body_select_task);
    sl_tasklet_setup(a, "a");
    sl_tasklet_setup(b, "b");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_blocked(a), 1);
    CHECK_EQ_INT(sl_channel_balance(c1), -2);
    CHECK_EQ_INT(sl_channel_balance(c2), 2);
    CHECK_EQ_INT((int)sl_stats_get(rt)->blocked, 2);
    CHECK_PTR(sl_channel_queue(c1), a);
    /* main receives on c2: a (first in line) completes its send case */
    CHECK_EQ_INT(sl_channel_receive(c2, &v), 0);
    CHECK(v == 77);
    CHECK_EQ_INT(sl_channel_balance(c1), -1);
    CHECK_EQ_INT(sl_channel_balance(c2), 1);
    /* main sends on c1: b completes its receive case */
    CHECK_EQ_INT(sl_channel_send(c1, 5), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("b:0:0:5 a:0:1:0");
    CHECK_EQ_INT(sl_channel_balance(c1), 0);
    CHECK_EQ_INT(sl_channel_balance(c2), 0);
    CHECK_EQ_INT((int)sl_stats_get(rt)->blocked, 0);
    sl_tasklet_free(a);
    sl_tasklet_free(b);
    test_runtime_free(rt);
}

static void test_select_kill_and_deadlock(void)
{
    int index = 0;
    rt = test_runtime_new();
    c1 = sl_channel_new(rt);
    c2 = sl_channel_new(rt);
    sl_tasklet *a = sl_tasklet_new(rt, body_select_task);
    sl_tasklet_setup(a, "a");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_kill(a, 0), 0);
    CHECK_TRACE("a:-8:-1:0");
    CHECK_EQ_INT(sl_channel_balance(c1), 0);
    CHECK_EQ_INT(sl_channel_balance(c2), 0);
    /* main selecting with nothing runnable: deadlock, nothing left queued */
    sl_case cases[1] = {{c1, SL_RECV, 0}};
    CHECK_EQ_INT(sl_select(rt, cases, 1, 1, &index, NULL), SL_EDEADLOCK);
    CHECK_EQ_INT(sl_channel_balance(c1), 0);
    CHECK_EQ_INT((int)sl_stats_get(rt)->blocked, 0);
    /* malformed and closing */
    sl_case bad[1] = {{c1, 3, 0}};
    CHECK_EQ_INT(sl_select(rt, bad, 1, 1, &index, NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_select(rt, cases, 0, 1, &index, NULL), SL_EINVAL);
    sl_channel_close(c1);
    CHECK_EQ_INT(sl_select(rt, cases, 1, 1, &index, NULL), SL_ECLOSED);
    sl_tasklet_free(a);
    test_runtime_free(rt);
}

/* a selecting tasklet freed while waiting leaves nothing behind */
static void test_select_free_while_waiting(void)
{
    rt = test_runtime_new();
    c1 = sl_channel_new(rt);
    c2 = sl_channel_new(rt);
    sl_tasklet *a = sl_tasklet_new(rt, body_select_task);
    sl_tasklet_setup(a, "a");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_free(a), 0);
    CHECK_EQ_INT(sl_channel_balance(c1), 0);
    CHECK_EQ_INT(sl_channel_balance(c2), 0);
    CHECK_EQ_INT(sl_channel_free(c1), 0);
    CHECK_EQ_INT((int)sl_stats_get(rt)->blocked, 0);
    test_runtime_free(rt);
}

/* ---- timers ------------------------------------------------------------ */

static int body_sleeper(void *arg)
{
    int ms = (int)(intptr_t)arg;
    int rc = sl_sleep(rt, ms);
    TRACE("z%d:%d", ms, rc);
    return 0;
}

static int body_spinner(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        TRACE("spin%d", i);
        sl_schedule(rt, 0, NULL);
    }
    return 0;
}

static void test_sleep_order_and_run_waits(void)
{
    rt = test_runtime_new();
    int64_t t0 = sl__now_us_for_tests();
    sl_spawn(rt, body_sleeper, (void *)(intptr_t)30);
    sl_spawn(rt, body_sleeper, (void *)(intptr_t)10);
    CHECK_EQ_INT(sl_run(rt, 0), 0); /* waits while only sleepers remain */
    CHECK_TRACE("z10:0 z30:0");
    CHECK(sl__now_us_for_tests() - t0 >= 30000);
    CHECK_EQ_INT((int)sl_stats_get(rt)->blocked, 0);
    test_runtime_free(rt);
}

/* only the caller waits: main sleeps while a tasklet runs */
static void test_sleep_main_others_run(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_spinner, NULL);
    int64_t t0 = sl__now_us_for_tests();
    TRACE("m>");
    CHECK_EQ_INT(sl_sleep(rt, 15), 0);
    TRACE("m<");
    CHECK(sl__now_us_for_tests() - t0 >= 15000);
    CHECK_TRACE("m> spin0 spin1 spin2 m<");
    test_runtime_free(rt);
}

static void test_sleep_kill_and_deadlock_rules(void)
{
    rt = test_runtime_new();
    c1 = sl_channel_new(rt);
    sl_tasklet *z = sl_tasklet_new(rt, body_sleeper);
    sl_tasklet_setup(z, (void *)(intptr_t)100000);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0); /* z runs and falls asleep */
    CHECK_EQ_INT(sl_tasklet_blocked(z), 1);
    int64_t t0 = sl__now_us_for_tests();
    CHECK_EQ_INT(sl_tasklet_kill(z, 0), 0); /* wakes at once with TaskletExit */
    CHECK(sl__now_us_for_tests() - t0 < 1000000);
    CHECK_TRACE("z100000:-8");
    /* with no sleeper, waiting forever is still a deadlock */
    CHECK_EQ_INT(sl_channel_receive(c1, NULL), SL_EDEADLOCK);
    CHECK_EQ_INT(sl_sleep(rt, -1), SL_EINVAL);
    sl_tasklet_free(z);
    test_runtime_free(rt);
}

static void test_select_timeout(void)
{
    int index = 5;
    int64_t v = 0;
    rt = test_runtime_new();
    c1 = sl_channel_new(rt);
    sl_case cases[1] = {{c1, SL_RECV, 0}};
    int64_t t0 = sl__now_us_for_tests();
    CHECK_EQ_INT(sl_select_timeout(rt, cases, 1, 15, &index, &v), SL_ETIMEOUT);
    CHECK(sl__now_us_for_tests() - t0 >= 15000);
    CHECK_EQ_INT(index, -1);
    CHECK_EQ_INT(sl_channel_balance(c1), 0);
    /* a partner in time wins over the timeout */
    sl_spawn(rt, body_sleeper, (void *)(intptr_t)5);
    c2 = c1;
    sl_spawn(rt, body_send_c2, (void *)(intptr_t)9);
    CHECK_EQ_INT(sl_select_timeout(rt, cases, 1, 1000, &index, &v), 0);
    CHECK_EQ_INT(index, 0);
    CHECK(v == 9);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT((int)sl_stats_get(rt)->blocked, 0);
    test_runtime_free(rt);
}

int main(void)
{
    RUN_TEST(test_buffered_send_does_not_block);
    RUN_TEST(test_buffered_producer_consumer);
    RUN_TEST(test_buffered_preference_sender);
    RUN_TEST(test_buffered_close);
    RUN_TEST(test_buffered_exception);
    RUN_TEST(test_select_nonblocking_first_ready_wins);
    RUN_TEST(test_select_blocking_receive);
    RUN_TEST(test_select_fifo_and_state);
    RUN_TEST(test_select_kill_and_deadlock);
    RUN_TEST(test_select_free_while_waiting);
    RUN_TEST(test_sleep_order_and_run_waits);
    RUN_TEST(test_sleep_main_others_run);
    RUN_TEST(test_sleep_kill_and_deadlock_rules);
    RUN_TEST(test_select_timeout);
    return test_summary();
}
