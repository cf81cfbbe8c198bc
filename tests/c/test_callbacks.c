/*
 * test_callbacks.c: the schedule callback (every real switch, including
 * from a dying tasklet; not on a no-op) and the channel callback (before
 * every send/receive, R16); setters return the previous callback;
 * scheduling and channel calls inside a callback fail with SL_ERECURSIVE.
 * Rules: STACKLESS.md §2.1 and §3.
 */
#include "test.h"

static sl_runtime *rt;
static sl_channel *ch, *ch2;

static const char *nm(const sl_tasklet *t)
{
    const char *n;
    if (t == NULL)
        return "NULL";
    n = sl_tasklet_name(t);
    return n ? n : "?";
}

static int body_trace(void *arg)
{
    TRACE("%s", (const char *)arg);
    return 0;
}

/* ---- schedule callback ---------------------------------------------- */

static int sched_calls;
static void *sched_ud_seen;

static void sched_cb(sl_tasklet *prev, sl_tasklet *next, void *ud)
{
    sched_calls++;
    sched_ud_seen = ud;
    TRACE("%s>%s", nm(prev), nm(next));
}

static void other_sched_cb(sl_tasklet *prev, sl_tasklet *next, void *ud)
{
    (void)prev;
    (void)next;
    (void)ud;
    TRACE("other");
}

static sl_tasklet *spawn_named(sl_func fn, void *arg, const char *name)
{
    sl_tasklet *t = sl_spawn(rt, fn, arg);
    if (t)
        sl_tasklet_set_name(t, name);
    return t;
}

static int body_yield(void *arg)
{
    const char *n = arg;
    TRACE("%s1", n);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("%s2", n);
    return 0;
}

static void test_schedule_cb_basic(void)
{
    int ud = 0;
    double sw0;
    rt = test_runtime_new();
    const sl_stats *st = sl_stats_get(rt);
    sl_tasklet_set_name(sl_main(rt), "m");
    CHECK(sl_set_schedule_callback(rt, sched_cb, &ud) == NULL);
    sched_calls = 0;
    sw0 = st->switches;
    spawn_named(body_yield, "a", "a");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("m");
    /* a no-op schedule: no callback */
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("m>a a1 a>m m m>a a2 a>m m");
    CHECK_EQ_INT(sched_calls, 4);
    CHECK(st->switches - sw0 == 4);
    CHECK_PTR(sched_ud_seen, &ud);
    /* setters return the previous callback */
    CHECK(sl_set_schedule_callback(rt, other_sched_cb, NULL) == sched_cb);
    CHECK(sl_set_schedule_callback(rt, NULL, NULL) == other_sched_cb);
    CHECK(sl_set_schedule_callback(rt, NULL, NULL) == NULL);
    /* removed: no more calls */
    spawn_named(body_trace, "x", "x");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("m>a a1 a>m m m>a a2 a>m m x");
    test_runtime_free(rt);
}

static int body_pypy_f(void *arg)
{
    int i = (int)(intptr_t)arg;
    TRACE("A_%d", i);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("B_%d", i);
    return 0;
}

/* PYPY test_schedule_callback: (main,t1) (t1,t2) (t2,t1) (t1,t2) (t2,main),
   the last from the dying t2. */
static void test_schedule_cb_pypy(void)
{
    rt = test_runtime_new();
    sl_tasklet_set_name(sl_main(rt), "main");
    sl_set_schedule_callback(rt, sched_cb, NULL);
    sched_calls = 0;
    spawn_named(body_pypy_f, (void *)(intptr_t)1, "t1");
    spawn_named(body_pypy_f, (void *)(intptr_t)2, "t2");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("main>t1 A_1 t1>t2 A_2 t2>t1 B_1 t1>t2 B_2 t2>main");
    CHECK_EQ_INT(sched_calls, 5);
    test_runtime_free(rt);
}

static int body_recv(void *arg)
{
    int64_t v = -1;
    int rc;
    (void)arg;
    TRACE("r<");
    rc = sl_channel_receive(ch, &v);
    TRACE("r=%lld/%d", (long long)v, rc);
    return rc == SL_EKILLED ? rc : 0;
}

/* Switches caused by blocking, by a preferred receiver, by kill and by a
   tasklet ending. */
static void test_schedule_cb_blocking_and_kill(void)
{
    sl_tasklet *r;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet_set_name(sl_main(rt), "m");
    sl_set_schedule_callback(rt, sched_cb, NULL);
    spawn_named(body_recv, NULL, "r");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_channel_send(ch, 5), 0);
    CHECK_TRACE("m>r r< r>m m>r r=5/0 r>m");
    trace_reset();
    r = spawn_named(body_recv, NULL, "k");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_kill(r, 0), 0);
    CHECK_TRACE("m>k r< k>m m>k r=-1/-8 k>m");
    test_runtime_free(rt);
}

static int body_fail(void *arg)
{
    TRACE("%s", (const char *)arg);
    sl_set_errval(rt, 1);
    return SL_EUSER - 1;
}

/* A tasklet dying of an error: (dying, main), then main gets the error. */
static void test_schedule_cb_dying_with_error(void)
{
    rt = test_runtime_new();
    sl_tasklet_set_name(sl_main(rt), "m");
    sl_set_schedule_callback(rt, sched_cb, NULL);
    spawn_named(body_fail, "e", "e");
    spawn_named(body_trace, "x", "x");
    CHECK_EQ_INT(sl_run(rt, 0), SL_EUSER - 1);
    TRACE("E");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("m>e e e>m E m>x x x>m");
    test_runtime_free(rt);
}

/* Operations that complete without switching call nothing. */
static void test_schedule_cb_not_on_noop(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet_set_name(sl_main(rt), "m");
    spawn_named(body_recv, NULL, "r");
    CHECK_EQ_INT(sl_run(rt, 0), 0); /* r blocks */
    sl_set_schedule_callback(rt, sched_cb, NULL);
    sched_calls = 0;
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_schedule_remove(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_tasklet_switch(sl_main(rt)), 0);
    CHECK_EQ_INT(sl_tasklet_run(sl_main(rt)), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    /* pref 0: the sender continues, r is only queued */
    CHECK_EQ_INT(sl_channel_set_preference(ch, 0), 0);
    CHECK_EQ_INT(sl_channel_send(ch, 1), 0);
    CHECK_EQ_INT(sched_calls, 0);
    CHECK_TRACE("r<");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("r< m>r r=1/0 r>m");
    test_runtime_free(rt);
}

/* Scheduling and channel calls inside the schedule callback. (Inside the
   channel callback only channel calls are refused: stackless.h.) */
static int rec_rc[8];
static int rec_done;
static void recursive_sched_cb(sl_tasklet *prev, sl_tasklet *next, void *ud)
{
    int64_t v;
    (void)prev;
    (void)next;
    (void)ud;
    if (rec_done)
        return;
    rec_done = 1;
    rec_rc[0] = sl_schedule(rt, 0, NULL);
    rec_rc[1] = sl_schedule_remove(rt, 0, NULL);
    rec_rc[2] = sl_run(rt, 0);
    rec_rc[3] = sl_channel_send(ch, 7);
    rec_rc[4] = sl_channel_receive(ch2, &v);
    rec_rc[5] = sl_channel_send_exception(ch, SL_EUSER, 1);
    rec_rc[6] = sl_tasklet_run(sl_main(rt));
    TRACE("cb");
}

static void test_schedule_cb_recursive_calls(void)
{
    int i;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    ch2 = sl_channel_new(rt);
    spawn_named(body_recv, NULL, "r");
    CHECK_EQ_INT(sl_run(rt, 0), 0); /* r blocks on ch */
    for (i = 0; i < 8; i++)
        rec_rc[i] = 99;
    rec_done = 0;
    sl_set_schedule_callback(rt, recursive_sched_cb, NULL);
    sl_spawn(rt, body_trace, "x");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    sl_set_schedule_callback(rt, NULL, NULL);
    CHECK_TRACE("r< cb x");
    for (i = 0; i < 7; i++) {
        if (!CHECK_EQ_INT(rec_rc[i], SL_ERECURSIVE))
            printf("#   call %d inside the schedule callback\n", i);
    }
    /* nothing happened to r or the channels */
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    CHECK_EQ_INT(sl_channel_balance(ch2), 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_channel_send(ch, 8), 0);
    CHECK_TRACE("r< cb x r=8/0");
    test_runtime_free(rt);
}

/* ---- channel callback ------------------------------------------------ */

static int chan_calls;
static void *chan_ud_seen;
static sl_channel *chan_cb_expected;
static int chan_cb_tempval_checks;

static void chan_cb(sl_channel *c, sl_tasklet *t, int sending, int willblock,
                    void *ud)
{
    chan_calls++;
    chan_ud_seen = ud;
    CHECK_PTR(c, chan_cb_expected);
    TRACE("cb:%s:%d:%d", nm(t), sending, willblock);
}

static void other_chan_cb(sl_channel *c, sl_tasklet *t, int sending,
                          int willblock, void *ud)
{
    (void)c;
    (void)t;
    (void)sending;
    (void)willblock;
    (void)ud;
}

static int body_pypy_chan_f(void *arg)
{
    int64_t v = -1;
    (void)arg;
    CHECK_EQ_INT(sl_channel_send(ch, 1), 0); /* 'hello' */
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    TRACE("T%lld", (long long)v);
    return 0;
}

/* PYPY test_channel_callback (R16): (ch, main, 0, 1), (ch, T, 1, 0),
   (ch, main, 1, 1), (ch, T, 0, 0). */
static void test_channel_cb_pypy(void)
{
    int64_t v = -1;
    int ud = 0;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    chan_cb_expected = ch;
    sl_tasklet_set_name(sl_main(rt), "main");
    CHECK(sl_set_channel_callback(rt, chan_cb, &ud) == NULL);
    chan_calls = 0;
    spawn_named(body_pypy_chan_f, NULL, "T");
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    TRACE("m%lld", (long long)v);
    CHECK_EQ_INT(sl_channel_send(ch, 2), 0); /* 'world' */
    CHECK_TRACE("cb:main:0:1 cb:T:1:0 m1 cb:main:1:1 cb:T:0:0 T2");
    CHECK_EQ_INT(chan_calls, 4);
    CHECK_PTR(chan_ud_seen, &ud);
    CHECK(sl_set_channel_callback(rt, other_chan_cb, NULL) == chan_cb);
    CHECK(sl_set_channel_callback(rt, NULL, NULL) == other_chan_cb);
    CHECK(sl_set_channel_callback(rt, NULL, NULL) == NULL);
    test_runtime_free(rt);
}

/* Both callbacks: the channel callback comes before the switch. */
static void test_both_callbacks_order(void)
{
    int64_t v = -1;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    chan_cb_expected = ch;
    sl_tasklet_set_name(sl_main(rt), "m");
    sl_set_channel_callback(rt, chan_cb, NULL);
    sl_set_schedule_callback(rt, sched_cb, NULL);
    spawn_named(body_pypy_chan_f, NULL, "T");
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    TRACE("m%lld", (long long)v);
    CHECK_EQ_INT(sl_channel_send(ch, 2), 0);
    CHECK_TRACE("cb:m:0:1 m>T cb:T:1:0 T>m m1 cb:m:1:1 m>T cb:T:0:0 T2 T>m");
    test_runtime_free(rt);
}

/* R16: the sender's tempval already holds the value being sent. */
static void tempval_chan_cb(sl_channel *c, sl_tasklet *t, int sending,
                            int willblock, void *ud)
{
    (void)c;
    (void)willblock;
    (void)ud;
    if (sending) {
        chan_cb_tempval_checks++;
        TRACE("tv%lld", (long long)sl_tasklet_tempval(t));
    }
}

static void test_channel_cb_sender_tempval(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    spawn_named(body_recv, NULL, "r");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    sl_set_channel_callback(rt, tempval_chan_cb, NULL);
    chan_cb_tempval_checks = 0;
    CHECK_EQ_INT(sl_channel_send(ch, 42), 0);
    CHECK_EQ_INT(chan_cb_tempval_checks, 1);
    CHECK_TRACE("r< tv42 r=42/0");
    test_runtime_free(rt);
}

/* send_sequence and send_exception also call it, once per operation. */
static int body_recv_n(void *arg)
{
    int n = (int)(intptr_t)arg, i;
    int64_t v;
    for (i = 0; i < n; i++)
        sl_channel_receive(ch, &v);
    return 0;
}

static void test_channel_cb_every_op(void)
{
    static const int64_t vals[] = {1, 2, 3};
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    chan_cb_expected = ch;
    sl_tasklet_set_name(sl_main(rt), "m");
    spawn_named(body_recv_n, (void *)(intptr_t)4, "r");
    CHECK_EQ_INT(sl_run(rt, 0), 0); /* r blocks */
    sl_set_channel_callback(rt, chan_cb, NULL);
    chan_calls = 0;
    CHECK_EQ_INT(sl_channel_send_sequence(ch, vals, 3), 3);
    CHECK_EQ_INT(sl_channel_send_exception(ch, SL_EUSER, 5), 0);
    CHECK_EQ_INT(chan_calls, 7);
    CHECK_TRACE("cb:m:1:0 cb:r:0:1 cb:m:1:0 cb:r:0:1 cb:m:1:0 cb:r:0:1 "
                "cb:m:1:0");
    test_runtime_free(rt);
}

static int chan_rec_rc[6];
static int chan_rec_done;
static void recursive_chan_cb(sl_channel *c, sl_tasklet *t, int sending,
                              int willblock, void *ud)
{
    int64_t v;
    (void)c;
    (void)t;
    (void)sending;
    (void)willblock;
    (void)ud;
    if (chan_rec_done)
        return;
    chan_rec_done = 1;
    chan_rec_rc[0] = sl_channel_send(ch2, 1);
    chan_rec_rc[1] = sl_channel_receive(ch2, &v);
    chan_rec_rc[2] = sl_channel_send(ch, 3);
    chan_rec_rc[3] = sl_channel_send_exception(ch2, SL_EUSER, 1);
    TRACE("cb");
}

static int body_send2(void *arg)
{
    (void)arg;
    TRACE("s>");
    CHECK_EQ_INT(sl_channel_send(ch2, 11), 0);
    TRACE("s.");
    return 0;
}

static void test_channel_cb_recursive_calls(void)
{
    int i;
    int64_t v = -1;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    ch2 = sl_channel_new(rt);
    spawn_named(body_recv, NULL, "r");  /* blocks on ch */
    spawn_named(body_send2, NULL, "s"); /* blocks on ch2 */
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    for (i = 0; i < 6; i++)
        chan_rec_rc[i] = 99;
    chan_rec_done = 0;
    sl_set_channel_callback(rt, recursive_chan_cb, NULL);
    CHECK_EQ_INT(sl_channel_send(ch, 4), 0);
    sl_set_channel_callback(rt, NULL, NULL);
    CHECK_TRACE("r< s> cb r=4/0");
    for (i = 0; i < 4; i++) {
        if (!CHECK_EQ_INT(chan_rec_rc[i], SL_ERECURSIVE))
            printf("#   call %d inside the channel callback\n", i);
    }
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_channel_balance(ch2), 1);
    CHECK_EQ_INT(sl_channel_receive(ch2, &v), 0);
    CHECK_EQ_INT(v, 11);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("r< s> cb r=4/0 s.");
    test_runtime_free(rt);
}

int main(void)
{
    RUN_TEST(test_schedule_cb_basic);
    RUN_TEST(test_schedule_cb_pypy);
    RUN_TEST(test_schedule_cb_blocking_and_kill);
    RUN_TEST(test_schedule_cb_dying_with_error);
    RUN_TEST(test_schedule_cb_not_on_noop);
    RUN_TEST(test_schedule_cb_recursive_calls);
    RUN_TEST(test_channel_cb_pypy);
    RUN_TEST(test_both_callbacks_order);
    RUN_TEST(test_channel_cb_sender_tempval);
    RUN_TEST(test_channel_cb_every_op);
    RUN_TEST(test_channel_cb_recursive_calls);
    return test_summary();
}
