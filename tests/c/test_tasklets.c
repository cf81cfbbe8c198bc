/*
 * test_tasklets.c: tasklet objects: create/bind/setup/insert/remove/run/
 * switch, state queries at every stage, error codes, free, tempval, ids,
 * names. Rules refer to STACKLESS.md §3 (R1, R12, R13 ...).
 */
#include "test.h"

static sl_runtime *rt;
static sl_channel *chan;

/* Records its argument (a string) and ends. */
static int body_trace(void *arg)
{
    TRACE("%s", (const char *)arg);
    return 0;
}

/* Counts the queries that disagreed with the expected state. */
static void expect_state(const char *file, int line, const sl_tasklet *t,
                         int alive, int scheduled, int paused, int blocked,
                         int is_current)
{
    test_check_int(file, line, "sl_tasklet_alive(t)", sl_tasklet_alive(t),
                   alive);
    test_check_int(file, line, "sl_tasklet_scheduled(t)",
                   sl_tasklet_scheduled(t), scheduled);
    test_check_int(file, line, "sl_tasklet_paused(t)", sl_tasklet_paused(t),
                   paused);
    test_check_int(file, line, "sl_tasklet_blocked(t)",
                   sl_tasklet_blocked(t), blocked);
    test_check_int(file, line, "sl_tasklet_is_current(t)",
                   sl_tasklet_is_current(t), is_current);
}
/* alive, scheduled, paused, blocked, is_current */
#define EXPECT_STATE(t, a, s, p, b, c)                                        \
    expect_state(__FILE__, __LINE__, (t), (a), (s), (p), (b), (c))

/* ---------------------------------------------------------------------- */

static void test_main_tasklet(void)
{
    rt = test_runtime_new();
    sl_tasklet *m = sl_main(rt);
    const sl_stats *st = sl_stats_get(rt);
    CHECK(m != NULL);
    CHECK_PTR(sl_current(rt), m);
    CHECK_EQ_INT(sl_tasklet_is_main(m), 1);
    EXPECT_STATE(m, 1, 1, 0, 0, 1);
    CHECK_PTR(sl_tasklet_runtime(m), rt);
    CHECK_PTR(sl_tasklet_channel(m), NULL);
    CHECK(sl_tasklet_id(m) != 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK(st != NULL);
    if (st) {
        CHECK_EQ_INT(st->tasklets, 1);
        CHECK_EQ_INT(st->runnable, 1);
        CHECK_EQ_INT(st->blocked, 0);
        CHECK_EQ_INT(st->channels, 0);
        CHECK(st->switches == 0);
        CHECK_PTR(sl_stats_get(rt), st); /* stable pointer */
    }
    test_runtime_free(rt);
}

static void test_new_not_alive(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    CHECK(t != NULL);
    EXPECT_STATE(t, 0, 0, 0, 0, 0);
    CHECK_EQ_INT(sl_tasklet_is_main(t), 0);
    CHECK_PTR(sl_tasklet_runtime(t), rt);
    CHECK_PTR(sl_tasklet_channel(t), NULL);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    /* Not alive: main's schedule has nothing to run. */
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("");
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    test_runtime_free(rt);
}

/* R1: setup appends to the END of the run queue and does not run. */
static void test_setup_appends_does_not_run(void)
{
    rt = test_runtime_new();
    sl_tasklet *a = sl_tasklet_new(rt, body_trace);
    sl_tasklet *b = sl_tasklet_new(rt, body_trace);
    CHECK_EQ_INT(sl_tasklet_setup(a, "a"), 0);
    EXPECT_STATE(a, 1, 1, 0, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_tasklet_setup(b, "b"), 0);
    sl_tasklet *c = sl_spawn(rt, body_trace, "c");
    CHECK(c != NULL);
    CHECK_EQ_INT(sl_tasklet_alive(c), 1);
    CHECK_EQ_INT(sl_tasklet_scheduled(c), 1);
    CHECK_EQ_INT(sl_runcount(rt), 4);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 4);
    CHECK_EQ_INT(sl_stats_get(rt)->runnable, 4);
    CHECK_TRACE(""); /* nothing ran */
    CHECK_PTR(sl_current(rt), sl_main(rt));
    /* main goes to the back: a, b, c run in creation order, then main */
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("a b c");
    EXPECT_STATE(a, 0, 0, 0, 0, 0);
    EXPECT_STATE(b, 0, 0, 0, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_EQ_INT(sl_tasklet_free(a), 0);
    CHECK_EQ_INT(sl_tasklet_free(b), 0);
    test_runtime_free(rt);
}

static sl_tasklet *inner_self;
static int body_check_states(void *arg)
{
    sl_tasklet *self = sl_current(rt);
    sl_tasklet *m = sl_main(rt);
    (void)arg;
    TRACE("in");
    CHECK_PTR(self, inner_self);
    CHECK_EQ_INT(sl_tasklet_is_current(self), 1);
    CHECK_EQ_INT(sl_tasklet_is_main(self), 0);
    EXPECT_STATE(self, 1, 1, 0, 0, 1);
    /* main called schedule(): it stays in the run queue */
    EXPECT_STATE(m, 1, 1, 0, 0, 0);
    CHECK_EQ_INT(sl_tasklet_is_main(m), 1);
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_tasklet_saved_bytes(self), 0);
    return 0;
}

static void test_states_inside_tasklet(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_check_states);
    inner_self = t;
    CHECK_EQ_INT(sl_tasklet_setup(t, NULL), 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("in");
    EXPECT_STATE(t, 0, 0, 0, 0, 0);
    EXPECT_STATE(sl_main(rt), 1, 1, 0, 0, 1);
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    test_runtime_free(rt);
}

/* A tasklet that yields once, so its state can be observed mid-way. */
static int body_yield_once(void *arg)
{
    TRACE("%s1", (const char *)arg);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("%s2", (const char *)arg);
    return 0;
}

static void test_states_suspended_runnable(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_yield_once);
    CHECK_EQ_INT(sl_tasklet_setup(t, "y"), 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("y1");
    /* started, suspended in schedule(), still in the run queue */
    EXPECT_STATE(t, 1, 1, 0, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("y1 y2");
    EXPECT_STATE(t, 0, 0, 0, 0, 0);
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    test_runtime_free(rt);
}

static void test_setup_errors(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, NULL);
    CHECK(t != NULL);
    CHECK_EQ_INT(sl_tasklet_setup(t, "x"), SL_EUNBOUND);
    EXPECT_STATE(t, 0, 0, 0, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_tasklet_bind(t, body_trace), 0);
    CHECK_EQ_INT(sl_tasklet_setup(t, "x"), 0);
    CHECK_EQ_INT(sl_tasklet_setup(t, "x"), SL_EALIVE);
    CHECK_EQ_INT(sl_runcount(rt), 2); /* not queued twice */
    /* scheduled: bind refused */
    CHECK_EQ_INT(sl_tasklet_bind(t, body_trace), SL_ESTATE);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("x");
    /* finished: (re)bind and setup work again */
    CHECK_EQ_INT(sl_tasklet_bind(t, body_trace), 0);
    CHECK_EQ_INT(sl_tasklet_setup(t, "z"), 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("x z");
    /* bind(NULL) unbinds */
    CHECK_EQ_INT(sl_tasklet_bind(t, NULL), 0);
    CHECK_EQ_INT(sl_tasklet_setup(t, "w"), SL_EUNBOUND);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    test_runtime_free(rt);
}

static int bind_self_rc, bind_main_rc, unbind_main_rc;
static int body_bind_errors(void *arg)
{
    (void)arg;
    bind_self_rc = sl_tasklet_bind(sl_current(rt), body_trace);
    bind_main_rc = sl_tasklet_bind(sl_main(rt), body_trace);
    unbind_main_rc = sl_tasklet_bind(sl_main(rt), NULL);
    TRACE("b");
    return 0;
}

static void test_bind_errors(void)
{
    rt = test_runtime_new();
    bind_self_rc = bind_main_rc = unbind_main_rc = 99;
    sl_tasklet *t = sl_tasklet_new(rt, body_bind_errors);
    CHECK_EQ_INT(sl_tasklet_setup(t, NULL), 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("b");
    CHECK_EQ_INT(bind_self_rc, SL_ECURRENT);
    CHECK_EQ_INT(bind_main_rc, SL_ESTATE);
    CHECK_EQ_INT(unbind_main_rc, SL_ESTATE);
    CHECK_EQ_INT(sl_tasklet_is_main(sl_main(rt)), 1);
    EXPECT_STATE(sl_main(rt), 1, 1, 0, 0, 1);
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    /* runtime still works */
    CHECK(sl_spawn(rt, body_trace, "ok") != NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("b ok");
    test_runtime_free(rt);
}

static int body_pause_once(void *arg)
{
    TRACE("%s1", (const char *)arg);
    CHECK_EQ_INT(sl_schedule_remove(rt, 0, NULL), 0);
    TRACE("%s2", (const char *)arg);
    return 0;
}

/* bind on a paused alive tasklet drops its frames. */
static void test_bind_paused_loses_frames(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_pause_once);
    CHECK_EQ_INT(sl_tasklet_setup(t, "p"), 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("p1");
    EXPECT_STATE(t, 1, 0, 1, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 2);
    CHECK_EQ_INT(sl_tasklet_bind(t, body_trace), 0);
    EXPECT_STATE(t, 0, 0, 0, 0, 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_EQ_INT(sl_tasklet_setup(t, "q"), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("p1 q"); /* p2 never happens */
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    test_runtime_free(rt);
}

static void test_insert_remove(void)
{
    rt = test_runtime_new();
    sl_tasklet *a = sl_tasklet_new(rt, body_trace);
    sl_tasklet *b = sl_tasklet_new(rt, body_trace);
    sl_tasklet *c = sl_tasklet_new(rt, body_trace);
    sl_tasklet_setup(a, "A");
    sl_tasklet_setup(b, "B");
    sl_tasklet_setup(c, "C");
    CHECK_EQ_INT(sl_runcount(rt), 4);
    /* remove: paused */
    CHECK_EQ_INT(sl_tasklet_remove(b), 0);
    EXPECT_STATE(b, 1, 0, 1, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 3);
    CHECK_EQ_INT(sl_stats_get(rt)->runnable, 3);
    CHECK_EQ_INT(sl_tasklet_remove(b), 0); /* no-op */
    CHECK_EQ_INT(sl_runcount(rt), 3);
    /* insert of a scheduled tasklet is a no-op: A is not moved */
    CHECK_EQ_INT(sl_tasklet_insert(a), 0);
    CHECK_EQ_INT(sl_runcount(rt), 3);
    /* remove A and insert it again: it goes to the END */
    CHECK_EQ_INT(sl_tasklet_remove(a), 0);
    CHECK_EQ_INT(sl_tasklet_insert(a), 0);
    EXPECT_STATE(a, 1, 1, 0, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 3);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("C A");
    EXPECT_STATE(b, 1, 0, 1, 0, 0);
    CHECK_EQ_INT(sl_tasklet_insert(b), 0);
    EXPECT_STATE(b, 1, 1, 0, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("C A B");
    /* dead and never set up tasklets cannot be inserted */
    CHECK_EQ_INT(sl_tasklet_insert(a), SL_EDEAD);
    sl_tasklet *fresh = sl_tasklet_new(rt, body_trace);
    CHECK_EQ_INT(sl_tasklet_insert(fresh), SL_EDEAD);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    /* remove of a dead or fresh tasklet: not scheduled, no-op */
    CHECK_EQ_INT(sl_tasklet_remove(a), 0);
    CHECK_EQ_INT(sl_tasklet_remove(fresh), 0);
    /* main cannot remove itself */
    CHECK_EQ_INT(sl_tasklet_remove(sl_main(rt)), SL_ECURRENT);
    EXPECT_STATE(sl_main(rt), 1, 1, 0, 0, 1);
    /* insert of main (current, in the queue) is a no-op */
    CHECK_EQ_INT(sl_tasklet_insert(sl_main(rt)), 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    sl_tasklet_free(a);
    sl_tasklet_free(b);
    sl_tasklet_free(c);
    sl_tasklet_free(fresh);
    test_runtime_free(rt);
}

static int body_receive_trace(void *arg)
{
    int64_t v = -1;
    int rc;
    TRACE("%s<", (const char *)arg);
    rc = sl_channel_receive(chan, &v);
    TRACE("%s=%lld/%d", (const char *)arg, (long long)v, rc);
    return 0;
}

/* insert/remove/run/switch refuse a blocked tasklet. */
static void test_blocked_refusals(void)
{
    rt = test_runtime_new();
    chan = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_receive_trace);
    sl_tasklet_setup(t, "r");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("r<");
    EXPECT_STATE(t, 1, 1, 0, 1, 0);
    CHECK_PTR(sl_tasklet_channel(t), chan);
    CHECK_EQ_INT(sl_channel_balance(chan), -1);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_tasklet_insert(t), SL_EBLOCKED);
    CHECK_EQ_INT(sl_tasklet_remove(t), SL_EBLOCKED);
    CHECK_EQ_INT(sl_tasklet_run(t), SL_EBLOCKED);
    CHECK_EQ_INT(sl_tasklet_switch(t), SL_EBLOCKED);
    CHECK_EQ_INT(sl_tasklet_bind(t, body_trace), SL_ESTATE);
    CHECK_EQ_INT(sl_tasklet_setup(t, "x"), SL_EALIVE);
    /* nothing changed */
    EXPECT_STATE(t, 1, 1, 0, 1, 0);
    CHECK_EQ_INT(sl_channel_balance(chan), -1);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_TRACE("r<");
    CHECK_EQ_INT(sl_channel_send(chan, 5), 0);
    CHECK_TRACE("r< r=5/0");
    EXPECT_STATE(t, 0, 0, 0, 0, 0);
    CHECK_PTR(sl_tasklet_channel(t), NULL);
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    CHECK_EQ_INT(sl_channel_free(chan), 0);
    test_runtime_free(rt);
}

/* R12: [C, A, t, B] -> t.run() -> [t, B, C, A]. */
static void test_run_rotates_queue(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_trace, "A");
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    sl_tasklet_setup(t, "t");
    sl_spawn(rt, body_trace, "B");
    CHECK_EQ_INT(sl_tasklet_run(t), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_runcount(rt), 2); /* main and A */
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("t B m A");
    sl_tasklet_free(t);
    test_runtime_free(rt);
}

/* R12: t not in the queue: [C, A, B] -> [t, C, A, B]. */
static void test_run_unqueued(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_trace, "A");
    sl_spawn(rt, body_trace, "B");
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    sl_tasklet_setup(t, "t");
    CHECK_EQ_INT(sl_tasklet_remove(t), 0);
    EXPECT_STATE(t, 1, 0, 1, 0, 0);
    CHECK_EQ_INT(sl_tasklet_run(t), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("t m A B");
    sl_tasklet_free(t);
    test_runtime_free(rt);
}

/* D/tasklets example quoted in R12. */
static void test_run_doc_example(void)
{
    sl_tasklet *t1, *t2, *t3;
    rt = test_runtime_new();
    t1 = sl_spawn(rt, body_trace, "1");
    sl_spawn(rt, body_trace, "2");
    sl_spawn(rt, body_trace, "3");
    CHECK_EQ_INT(sl_tasklet_run(t1), 0);
    TRACE("m");
    CHECK_TRACE("1 2 3 m");
    trace_reset();

    sl_spawn(rt, body_trace, "1");
    t2 = sl_spawn(rt, body_trace, "2");
    sl_spawn(rt, body_trace, "3");
    CHECK_EQ_INT(sl_tasklet_run(t2), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("2 3 m 1");
    trace_reset();

    sl_spawn(rt, body_trace, "1");
    t2 = sl_spawn(rt, body_trace, "2");
    t3 = sl_spawn(rt, body_trace, "3");
    (void)t3;
    CHECK_EQ_INT(sl_tasklet_remove(t2), 0);
    CHECK_EQ_INT(sl_tasklet_run(t2), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("2 m 1 3");
    test_runtime_free(rt);
}

static sl_tasklet *run_target;
static int body_runs_other(void *arg)
{
    (void)arg;
    TRACE("a1");
    CHECK_EQ_INT(sl_tasklet_run(run_target), 0);
    TRACE("a2");
    return 0;
}

/* t.run() called by a tasklet: the caller stays in the queue right
   behind t. */
static void test_run_from_tasklet(void)
{
    rt = test_runtime_new();
    run_target = sl_tasklet_new(rt, body_trace);
    sl_tasklet_setup(run_target, "b");
    sl_tasklet_remove(run_target);
    sl_spawn(rt, body_runs_other, NULL);
    sl_spawn(rt, body_trace, "c");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("a1 b a2 c");
    sl_tasklet_free(run_target);
    test_runtime_free(rt);
}

static int body_switch_back(void *arg)
{
    sl_tasklet *m = sl_main(rt);
    (void)arg;
    TRACE("a1");
    /* main switched to us: it is paused, not in the run queue */
    EXPECT_STATE(m, 1, 0, 1, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    /* nothing else runnable: no switch, main is NOT resumed */
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("a2");
    CHECK_EQ_INT(sl_tasklet_insert(m), 0);
    EXPECT_STATE(m, 1, 1, 0, 0, 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("a3");
    return 0;
}

/* R13: switch pauses the caller; someone must insert it. */
static void test_switch_pauses_caller(void)
{
    rt = test_runtime_new();
    sl_tasklet *a = sl_tasklet_new(rt, body_switch_back);
    sl_tasklet_setup(a, NULL);
    CHECK_EQ_INT(sl_tasklet_switch(a), 0);
    TRACE("m");
    EXPECT_STATE(sl_main(rt), 1, 1, 0, 0, 1);
    EXPECT_STATE(a, 1, 1, 0, 0, 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("a1 a2 m a3");
    EXPECT_STATE(a, 0, 0, 0, 0, 0);
    sl_tasklet_free(a);
    test_runtime_free(rt);
}

static sl_tasklet *sw_a, *sw_b;
static int body_sw_a(void *arg)
{
    (void)arg;
    TRACE("a1");
    CHECK_EQ_INT(sl_tasklet_switch(sw_b), 0);
    TRACE("a2");
    EXPECT_STATE(sw_b, 1, 0, 1, 0, 0);
    CHECK_EQ_INT(sl_tasklet_insert(sl_main(rt)), 0);
    CHECK_EQ_INT(sl_tasklet_insert(sw_b), 0);
    return 0;
}
static int body_sw_b(void *arg)
{
    (void)arg;
    TRACE("b1");
    EXPECT_STATE(sw_a, 1, 0, 1, 0, 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_tasklet_switch(sw_a), 0);
    TRACE("b2");
    return 0;
}

static void test_switch_chain(void)
{
    rt = test_runtime_new();
    sw_a = sl_tasklet_new(rt, body_sw_a);
    sw_b = sl_tasklet_new(rt, body_sw_b);
    sl_tasklet_setup(sw_a, NULL);
    sl_tasklet_setup(sw_b, NULL);
    CHECK_EQ_INT(sl_tasklet_remove(sw_b), 0);
    CHECK_EQ_INT(sl_tasklet_switch(sw_a), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("a1 b1 a2 m b2");
    sl_tasklet_free(sw_a);
    sl_tasklet_free(sw_b);
    test_runtime_free(rt);
}

static void test_switch_run_self_noop(void)
{
    rt = test_runtime_new();
    const sl_stats *st = sl_stats_get(rt);
    double sw = st->switches;
    sl_spawn(rt, body_trace, "x");
    CHECK_EQ_INT(sl_tasklet_switch(sl_main(rt)), 0);
    CHECK_EQ_INT(sl_tasklet_run(sl_main(rt)), 0);
    CHECK(st->switches == sw);
    CHECK_TRACE("");
    EXPECT_STATE(sl_main(rt), 1, 1, 0, 0, 1);
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("x");
    test_runtime_free(rt);
}

static void test_run_switch_dead(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    /* never set up */
    CHECK_EQ_INT(sl_tasklet_run(t), SL_EDEAD);
    CHECK_EQ_INT(sl_tasklet_switch(t), SL_EDEAD);
    sl_tasklet_setup(t, "t");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("t");
    /* finished */
    CHECK_EQ_INT(sl_tasklet_run(t), SL_EDEAD);
    CHECK_EQ_INT(sl_tasklet_switch(t), SL_EDEAD);
    EXPECT_STATE(sl_main(rt), 1, 1, 0, 0, 1);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_TRACE("t");
    sl_tasklet_free(t);
    test_runtime_free(rt);
}

static void test_free_paused_alive(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_pause_once);
    sl_tasklet_setup(t, "f");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("f1");
    EXPECT_STATE(t, 1, 0, 1, 0, 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 2);
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("f1"); /* never resumed */
    test_runtime_free(rt);
}

static void test_free_scheduled_unstarted(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    sl_tasklet *u = sl_tasklet_new(rt, body_trace);
    sl_tasklet_setup(t, "t");
    sl_tasklet_setup(u, "u");
    CHECK_EQ_INT(sl_runcount(rt), 3);
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 2);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("u");
    sl_tasklet_free(u);
    test_runtime_free(rt);
}

static int free_self_rc;
static int body_free_self(void *arg)
{
    (void)arg;
    free_self_rc = sl_tasklet_free(sl_current(rt));
    TRACE("still");
    return 0;
}

static void test_free_errors(void)
{
    rt = test_runtime_new();
    CHECK_EQ_INT(sl_tasklet_free(sl_main(rt)), SL_ESTATE);
    EXPECT_STATE(sl_main(rt), 1, 1, 0, 0, 1);
    free_self_rc = 99;
    sl_tasklet *t = sl_tasklet_new(rt, body_free_self);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(free_self_rc, SL_ECURRENT);
    CHECK_TRACE("still");
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    test_runtime_free(rt);
}

/* Freeing a blocked tasklet takes it out of its channel. */
static void test_free_blocked(void)
{
    rt = test_runtime_new();
    chan = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_receive_trace);
    sl_tasklet_setup(t, "r");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("r<");
    CHECK_EQ_INT(sl_channel_balance(chan), -1);
    CHECK_EQ_INT(sl_stats_get(rt)->blocked, 1);
    CHECK_EQ_INT(sl_tasklet_free(t), 0);
    CHECK_EQ_INT(sl_channel_balance(chan), 0);
    CHECK_PTR(sl_channel_queue(chan), NULL);
    CHECK_EQ_INT(sl_stats_get(rt)->blocked, 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_EQ_INT(sl_channel_free(chan), 0);
    test_runtime_free(rt);
}

static int64_t tv_out_a, tv_out_b;
static int body_tempval(void *arg)
{
    int64_t *out = arg;
    int64_t retval = (out == &tv_out_a) ? 7 : 8;
    CHECK_EQ_INT(sl_schedule(rt, retval, out), 0);
    TRACE("%lld", (long long)*out);
    return 0;
}

static void test_tempval(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    sl_tasklet_set_tempval(t, 12345);
    CHECK_EQ_INT(sl_tasklet_tempval(t), 12345);
    sl_tasklet_set_tempval(t, INT64_MIN);
    CHECK(sl_tasklet_tempval(t) == INT64_MIN);
    sl_tasklet_free(t);

    sl_tasklet *a = sl_tasklet_new(rt, body_tempval);
    sl_tasklet *b = sl_tasklet_new(rt, body_tempval);
    tv_out_a = tv_out_b = -1;
    sl_tasklet_setup(a, &tv_out_a);
    sl_tasklet_setup(b, &tv_out_b);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    /* both suspended in schedule(retval): retval is in their tempval */
    CHECK_EQ_INT(sl_tasklet_tempval(a), 7);
    CHECK_EQ_INT(sl_tasklet_tempval(b), 8);
    /* what is put in the tempval meanwhile is what schedule returns */
    sl_tasklet_set_tempval(b, 99);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("7 99");
    CHECK_EQ_INT(tv_out_a, 7);
    CHECK_EQ_INT(tv_out_b, 99);
    sl_tasklet_free(a);
    sl_tasklet_free(b);
    test_runtime_free(rt);
}

static int body_schedule_remove_value(void *arg)
{
    int64_t out = -1;
    (void)arg;
    CHECK_EQ_INT(sl_schedule_remove(rt, 5, &out), 0);
    TRACE("%lld", (long long)out);
    return 0;
}

static void test_tempval_schedule_remove(void)
{
    rt = test_runtime_new();
    sl_tasklet *a = sl_tasklet_new(rt, body_schedule_remove_value);
    sl_tasklet *b = sl_tasklet_new(rt, body_schedule_remove_value);
    sl_tasklet_setup(a, NULL);
    sl_tasklet_setup(b, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    EXPECT_STATE(a, 1, 0, 1, 0, 0);
    EXPECT_STATE(b, 1, 0, 1, 0, 0);
    CHECK_EQ_INT(sl_tasklet_tempval(a), 5);
    sl_tasklet_set_tempval(b, -77);
    sl_tasklet_insert(a);
    sl_tasklet_insert(b);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("5 -77");
    sl_tasklet_free(a);
    sl_tasklet_free(b);
    test_runtime_free(rt);
}

static void test_ids_names_userdata(void)
{
    enum { N = 6 };
    sl_tasklet *ts[N];
    uint32_t ids[N + 1];
    int i, j;
    rt = test_runtime_new();
    for (i = 0; i < N; i++) {
        ts[i] = sl_tasklet_new(rt, body_trace);
        CHECK(ts[i] != NULL);
        ids[i] = sl_tasklet_id(ts[i]);
    }
    ids[N] = sl_tasklet_id(sl_main(rt));
    for (i = 0; i <= N; i++) {
        CHECK(ids[i] != 0);
        for (j = 0; j < i; j++)
            CHECK(ids[i] != ids[j]);
    }
    sl_tasklet_set_name(ts[0], "alpha");
    CHECK_STR(sl_tasklet_name(ts[0]), "alpha");
    sl_tasklet_set_name(ts[0], "beta");
    CHECK_STR(sl_tasklet_name(ts[0]), "beta");
    sl_tasklet_set_name(sl_main(rt), "main!");
    CHECK_STR(sl_tasklet_name(sl_main(rt)), "main!");
    CHECK_PTR(sl_tasklet_userdata(ts[1]), NULL);
    sl_tasklet_set_userdata(ts[1], &ids[3]);
    CHECK_PTR(sl_tasklet_userdata(ts[1]), &ids[3]);
    /* id is stable across setup and run */
    sl_tasklet_setup(ts[2], "x");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_id(ts[2]), ids[2]);
    CHECK_STR(sl_tasklet_name(ts[0]), "beta");
    for (i = 0; i < N; i++)
        CHECK_EQ_INT(sl_tasklet_free(ts[i]), 0);
    /* new tasklets get fresh ids, distinct from main's */
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    CHECK(sl_tasklet_id(t) != ids[N]);
    sl_tasklet_free(t);
    test_runtime_free(rt);
}

static int body_spawn_arg(void *arg)
{
    int *p = arg;
    TRACE("v%d", *p);
    *p += 1;
    return 0;
}

static void test_spawn_arg_and_stats(void)
{
    int x = 41;
    rt = test_runtime_new();
    const sl_stats *st = sl_stats_get(rt);
    chan = sl_channel_new(rt);
    CHECK_EQ_INT(st->channels, 1);
    sl_tasklet *t = sl_spawn(rt, body_spawn_arg, &x);
    CHECK(t != NULL);
    sl_spawn(rt, body_receive_trace, "r");
    CHECK_EQ_INT(st->tasklets, 3);
    CHECK_EQ_INT(st->runnable, 3);
    CHECK_EQ_INT(st->blocked, 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("v41 r<");
    CHECK_EQ_INT(x, 42);
    CHECK_EQ_INT(st->tasklets, 2);
    CHECK_EQ_INT(st->runnable, 1);
    CHECK_EQ_INT(st->blocked, 1);
    CHECK(st->switches >= 3);
    CHECK_EQ_INT(sl_channel_send(chan, 1), 0);
    CHECK_TRACE("v41 r< r=1/0");
    CHECK_EQ_INT(st->tasklets, 1);
    CHECK_EQ_INT(st->runnable, 1);
    CHECK_EQ_INT(st->blocked, 0);
    CHECK_EQ_INT(sl_channel_free(chan), 0);
    CHECK_EQ_INT(st->channels, 0);
    test_runtime_free(rt);
}

/* Many tasklets created and freed: ids stay unique, the runtime copes. */
static void test_many_tasklets(void)
{
    enum { N = 200 };
    static sl_tasklet *ts[N];
    int i, ok = 1;
    rt = test_runtime_new();
    for (i = 0; i < N; i++) {
        ts[i] = sl_tasklet_new(rt, body_spawn_arg);
        if (!ts[i] || sl_tasklet_setup(ts[i], &ok) != 0)
            ok = 0;
    }
    CHECK(ok);
    CHECK_EQ_INT(sl_runcount(rt), N + 1);
    /* drop every other one before it runs */
    for (i = 0; i < N; i += 2)
        CHECK_EQ_INT(sl_tasklet_free(ts[i]), 0);
    CHECK_EQ_INT(sl_runcount(rt), N / 2 + 1);
    ok = 1000;
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(ok, 1000 + N / 2);
    for (i = 1; i < N; i += 2)
        CHECK_EQ_INT(sl_tasklet_free(ts[i]), 0);
    test_runtime_free(rt);
}

/* Freeing the runtime with live tasklets in every state. */
static void test_runtime_free_with_live_tasklets(void)
{
    rt = test_runtime_new();
    chan = sl_channel_new(rt);
    sl_spawn(rt, body_receive_trace, "r"); /* will block */
    sl_spawn(rt, body_pause_once, "p");    /* will be paused */
    sl_spawn(rt, body_yield_once, "y");    /* will be runnable */
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("r< p1 y1");
    sl_spawn(rt, body_trace, "never");   /* never started */
    sl_tasklet *kept = sl_tasklet_new(rt, body_trace);
    (void)kept; /* freed with the runtime */
    test_runtime_free(rt);
    CHECK_TRACE("r< p1 y1");
}

int main(void)
{
    RUN_TEST(test_main_tasklet);
    RUN_TEST(test_new_not_alive);
    RUN_TEST(test_setup_appends_does_not_run);
    RUN_TEST(test_states_inside_tasklet);
    RUN_TEST(test_states_suspended_runnable);
    RUN_TEST(test_setup_errors);
    RUN_TEST(test_bind_errors);
    RUN_TEST(test_bind_paused_loses_frames);
    RUN_TEST(test_insert_remove);
    RUN_TEST(test_blocked_refusals);
    RUN_TEST(test_run_rotates_queue);
    RUN_TEST(test_run_unqueued);
    RUN_TEST(test_run_doc_example);
    RUN_TEST(test_run_from_tasklet);
    RUN_TEST(test_switch_pauses_caller);
    RUN_TEST(test_switch_chain);
    RUN_TEST(test_switch_run_self_noop);
    RUN_TEST(test_run_switch_dead);
    RUN_TEST(test_free_paused_alive);
    RUN_TEST(test_free_scheduled_unstarted);
    RUN_TEST(test_free_errors);
    RUN_TEST(test_free_blocked);
    RUN_TEST(test_tempval);
    RUN_TEST(test_tempval_schedule_remove);
    RUN_TEST(test_ids_names_userdata);
    RUN_TEST(test_spawn_arg_and_stats);
    RUN_TEST(test_many_tasklets);
    RUN_TEST(test_runtime_free_with_live_tasklets);
    return test_summary();
}
