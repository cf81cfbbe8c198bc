/*
 * test_sched.c: the scheduler: round robin with schedule(), schedule's
 * value, schedule_remove (R4), sl_run (R5: return values, runcount, switch
 * budget, nesting, errors), tasklet end (R11). Rules: STACKLESS.md §3.
 */
#include "test.h"

static sl_runtime *rt;

#define ERR_CODE (SL_EUSER - 5)
#define ERR_VAL 77

static int body_trace(void *arg)
{
    TRACE("%s", (const char *)arg);
    return 0;
}

/* Records arg, then dies of ERR_CODE with value ERR_VAL. */
static int body_fail(void *arg)
{
    TRACE("%s", (const char *)arg);
    sl_set_errval(rt, ERR_VAL);
    return ERR_CODE;
}

/* "<name>b", schedule, "<name>a" (PYPY test_scheduling_cleanup). */
static int body_before_after(void *arg)
{
    const char *n = arg;
    TRACE("%sb", n);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("%sa", n);
    return 0;
}

/* PYPY test_cooperative: Loop(i): 3 x (schedule; record i). */
static int body_loop3(void *arg)
{
    int x;
    for (x = 0; x < 3; x++) {
        CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
        TRACE("%s", (const char *)arg);
    }
    return 0;
}

static void test_cooperative(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_loop3, "1");
    sl_spawn(rt, body_loop3, "2");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("1 2 1 2 1 2");
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_runcount(rt), 1);
    test_runtime_free(rt);
}

static int body_g_simple(void *arg)
{
    (void)arg;
    TRACE("g");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    return 0;
}

/* PYPY test_simple: m g f m */
static void test_simple(void)
{
    rt = test_runtime_new();
    TRACE("m");
    sl_spawn(rt, body_g_simple, NULL);
    sl_spawn(rt, body_trace, "f");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    TRACE("m");
    CHECK_TRACE("m g f m");
    CHECK_PTR(sl_current(rt), sl_main(rt));
    test_runtime_free(rt);
}

/* PYPY test_scheduling_cleanup (R2). */
static void test_scheduling_cleanup(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_before_after, "f");
    sl_spawn(rt, body_before_after, "g");
    sl_spawn(rt, body_before_after, "h");
    TRACE("mb");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    TRACE("ma");
    CHECK_TRACE("mb fb gb hb fa ga ha ma");
    test_runtime_free(rt);
}

/* PYPY test_schedule / test_run: main's schedule runs everyone once. */
static void test_schedule_from_main(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_trace, "1");
    sl_spawn(rt, body_trace, "2");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("m");
    CHECK_TRACE("1 2 m");
    /* main in the middle of the round: it goes behind those queued */
    sl_spawn(rt, body_before_after, "x");
    sl_spawn(rt, body_before_after, "y");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("m");
    CHECK_TRACE("1 2 m xb yb m xa ya m");
    test_runtime_free(rt);
}

/* R3: schedule returns retval; with only one runnable it returns at once
   without a switch. */
static void test_schedule_return_value(void)
{
    int64_t out = -1;
    rt = test_runtime_new();
    const sl_stats *st = sl_stats_get(rt);
    double sw = st->switches;
    CHECK_EQ_INT(sl_schedule(rt, 5, &out), 0);
    CHECK_EQ_INT(out, 5);
    CHECK(st->switches == sw);
    CHECK_EQ_INT(sl_schedule(rt, 6, NULL), 0);
    CHECK(st->switches == sw);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_runcount(rt), 1);

    sl_spawn(rt, body_trace, "t");
    out = -1;
    CHECK_EQ_INT(sl_schedule(rt, 42, &out), 0);
    CHECK_EQ_INT(out, 42);
    CHECK_TRACE("t");
    /* main -> t, t (dying) -> main */
    CHECK(st->switches == sw + 2);

    sl_spawn(rt, body_trace, "u");
    out = -1;
    CHECK_EQ_INT(sl_schedule(rt, INT64_MAX, &out), 0);
    CHECK(out == INT64_MAX);
    CHECK_TRACE("t u");
    test_runtime_free(rt);
}

static int body_schedule_val(void *arg)
{
    int64_t val = (int64_t)(intptr_t)arg, out = -1;
    CHECK_EQ_INT(sl_schedule(rt, val, &out), 0);
    TRACE("%lld", (long long)out);
    return 0;
}

/* PYPY test_schedule_return_value. */
static void test_schedule_return_value_tasklets(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_schedule_val, (void *)(intptr_t)10);
    sl_spawn(rt, body_schedule_val, (void *)(intptr_t)5);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("10 5");
    test_runtime_free(rt);
}

static int body_lone_schedule(void *arg)
{
    const sl_stats *st = sl_stats_get(rt);
    double sw = st->switches;
    int64_t out = 0;
    (void)arg;
    /* main is in sl_run (not in the queue): we are the only runnable */
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_schedule(rt, 3, &out), 0);
    CHECK_EQ_INT(out, 3);
    CHECK(st->switches == sw);
    TRACE("lone");
    return 0;
}

static void test_schedule_lone_tasklet_no_switch(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_lone_schedule, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("lone");
    test_runtime_free(rt);
}

/* R4 (b): main schedule_removes with nothing else runnable. */
static void test_schedule_remove_main_alone(void)
{
    int64_t out = -1;
    rt = test_runtime_new();
    const sl_stats *st = sl_stats_get(rt);
    double sw = st->switches;
    CHECK_EQ_INT(sl_schedule_remove(rt, 9, &out), 0);
    CHECK_EQ_INT(out, 9);
    CHECK(st->switches == sw);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_tasklet_scheduled(sl_main(rt)), 1);
    CHECK_EQ_INT(sl_tasklet_paused(sl_main(rt)), 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    /* the runtime still works */
    sl_spawn(rt, body_trace, "x");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("x");
    test_runtime_free(rt);
}

static int body_remove_once(void *arg)
{
    const char *n = arg;
    TRACE("%s1", n);
    CHECK_EQ_INT(sl_schedule_remove(rt, 0, NULL), 0);
    TRACE("%s2", n);
    return 0;
}

/* R4 (a): the last runnable schedule_removes while main is in sl_run:
   sl_run returns, the tasklet stays paused. */
static void test_schedule_remove_in_run(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_trace, "b");
    sl_tasklet *a = sl_tasklet_new(rt, body_remove_once);
    sl_tasklet_setup(a, "a");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("b a1");
    CHECK_EQ_INT(sl_tasklet_alive(a), 1);
    CHECK_EQ_INT(sl_tasklet_paused(a), 1);
    CHECK_EQ_INT(sl_tasklet_scheduled(a), 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_tasklet_insert(a), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("b a1 a2");
    CHECK_EQ_INT(sl_tasklet_alive(a), 0);
    sl_tasklet_free(a);
    test_runtime_free(rt);
}

/* R4, T/defects testScheduleRemove4: main schedule_removes itself; the
   only other tasklet schedule_removes too; main's call returns. */
static void test_schedule_remove4(void)
{
    rt = test_runtime_new();
    sl_tasklet *a = sl_tasklet_new(rt, body_remove_once);
    sl_tasklet_setup(a, "a");
    CHECK_EQ_INT(sl_schedule_remove(rt, 0, NULL), 0);
    TRACE("m");
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_tasklet_scheduled(sl_main(rt)), 1);
    CHECK_EQ_INT(sl_tasklet_paused(a), 1);
    CHECK_EQ_INT(sl_tasklet_insert(a), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("a1 m a2");
    sl_tasklet_free(a);
    test_runtime_free(rt);
}

static int body_remove_then_insert_main(void *arg)
{
    (void)arg;
    TRACE("a");
    /* main schedule_removed itself: it is paused */
    CHECK_EQ_INT(sl_tasklet_paused(sl_main(rt)), 1);
    sl_tasklet_set_tempval(sl_main(rt), 31);
    CHECK_EQ_INT(sl_tasklet_insert(sl_main(rt)), 0);
    return 0;
}

/* schedule_remove from main returns what was put in its tempval. */
static void test_schedule_remove_main_tempval(void)
{
    int64_t out = -1;
    rt = test_runtime_new();
    sl_spawn(rt, body_remove_then_insert_main, NULL);
    sl_spawn(rt, body_trace, "b");
    CHECK_EQ_INT(sl_schedule_remove(rt, 4, &out), 0);
    TRACE("m");
    CHECK_EQ_INT(out, 31);
    CHECK_TRACE("a b m");
    test_runtime_free(rt);
}

static int body_runcount2(void *arg)
{
    (void)arg;
    TRACE("s%d", sl_runcount(rt));
    return 0;
}

static int body_in_run(void *arg)
{
    sl_tasklet *m = sl_main(rt);
    (void)arg;
    TRACE("r%d", sl_runcount(rt));
    /* R5.1: main is a watchdog, paused, not counted */
    CHECK_EQ_INT(sl_tasklet_paused(m), 1);
    CHECK_EQ_INT(sl_tasklet_scheduled(m), 0);
    CHECK_EQ_INT(sl_tasklet_alive(m), 1);
    return 0;
}

/* PYPY test_getruncount. */
static void test_runcount(void)
{
    rt = test_runtime_new();
    CHECK_EQ_INT(sl_runcount(rt), 1);
    sl_spawn(rt, body_runcount2, NULL);
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    sl_spawn(rt, body_in_run, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    sl_spawn(rt, body_in_run, NULL);
    sl_spawn(rt, body_in_run, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("s2 r1 r2 r1");
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_tasklet_paused(sl_main(rt)), 0);
    test_runtime_free(rt);
}

/* R5.2: run with nothing to run returns 0 at once. */
static void test_run_empty(void)
{
    rt = test_runtime_new();
    const sl_stats *st = sl_stats_get(rt);
    double sw = st->switches;
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_run(rt, 10), 0);
    CHECK(st->switches == sw);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_tasklet_scheduled(sl_main(rt)), 1);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    test_runtime_free(rt);
}

static int body_steps(void *arg)
{
    const char *n = arg;
    int i;
    for (i = 0; i < 5; i++) {
        TRACE("%s%d", n, i);
        CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    }
    return 0;
}

static const char *const steps_full =
    "a0 b0 c0 a1 b1 c1 a2 b2 c2 a3 b3 c3 a4 b4 c4";

static int count_events(const char *s)
{
    int n = 0;
    if (!*s)
        return 0;
    for (n = 1; *s; s++)
        if (*s == ' ')
            n++;
    return n;
}

/* sl_run with a budget: returns after at most n switches with the number
   still runnable; the tasklets continue, in order, on the next run. */
static void test_run_ticks_budget(void)
{
    int rc, ev;
    rt = test_runtime_new();
    sl_spawn(rt, body_steps, "a");
    sl_spawn(rt, body_steps, "b");
    sl_spawn(rt, body_steps, "c");
    rc = sl_run(rt, 4);
    CHECK_EQ_INT(rc, 3);
    ev = count_events(trace_get());
    CHECK(ev >= 1 && ev <= 4);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_tasklet_scheduled(sl_main(rt)), 1);
    CHECK_EQ_INT(sl_runcount(rt), 4);
    /* a prefix of the full round robin */
    CHECK(strncmp(steps_full, trace_get(), strlen(trace_get())) == 0);
    rc = sl_run(rt, 0);
    CHECK_EQ_INT(rc, 0);
    CHECK_TRACE(steps_full);
    test_runtime_free(rt);
}

static void test_run_ticks_one_at_a_time(void)
{
    int rc = 1, calls = 0, prev = 0, ev;
    rt = test_runtime_new();
    sl_spawn(rt, body_steps, "a");
    sl_spawn(rt, body_steps, "b");
    sl_spawn(rt, body_steps, "c");
    while (rc > 0 && calls < 100) {
        rc = sl_run(rt, 1);
        calls++;
        ev = count_events(trace_get());
        CHECK(ev - prev <= 1);
        prev = ev;
        CHECK_PTR(sl_current(rt), sl_main(rt));
    }
    CHECK_EQ_INT(rc, 0);
    CHECK(calls >= 15 && calls < 100);
    CHECK_TRACE(steps_full);
    test_runtime_free(rt);
}

static void test_run_ticks_enough(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_trace, "a");
    sl_spawn(rt, body_trace, "b");
    CHECK_EQ_INT(sl_run(rt, 1000), 0);
    CHECK_TRACE("a b");
    CHECK_EQ_INT(sl_runcount(rt), 1);
    test_runtime_free(rt);
}

static int body_nested_runner(void *arg)
{
    int rc;
    (void)arg;
    TRACE("a1");
    sl_spawn(rt, body_trace, "b");
    rc = sl_run(rt, 0);
    TRACE("a2:%d", rc);
    return 0;
}

/* R5.6: the innermost run is woken first. */
static void test_nested_run(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_nested_runner, NULL);
    sl_spawn(rt, body_trace, "c");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    TRACE("m");
    CHECK_TRACE("a1 c b a2:0 m");
    test_runtime_free(rt);
}

static int body_nested_runner_err(void *arg)
{
    int rc;
    (void)arg;
    TRACE("a1");
    sl_spawn(rt, body_fail, "e");
    rc = sl_run(rt, 0);
    TRACE("a2:%d:%lld", rc == ERR_CODE ? 1 : rc, (long long)sl_errval(rt));
    return 0;
}

/* R5.6 (T/watchdog test_inner_run_gets_error): the innermost watchdog
   gets the error. */
static void test_nested_run_gets_error(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_nested_runner_err, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    TRACE("m");
    CHECK_TRACE("a1 e a2:1:77 m");
    test_runtime_free(rt);
}

/* PYPY test_except (R5.5, R11): the error leaves sl_run at once; the
   others stay runnable and main is at the head of the queue. */
static void test_run_error_pypy_except(void)
{
    int rc;
    rt = test_runtime_new();
    sl_spawn(rt, body_before_after, "g");
    sl_spawn(rt, body_fail, "f");
    sl_spawn(rt, body_before_after, "h");
    /* body_before_after records "<n>b" / "<n>a"; PYPY's trace is
       "bg f E bh ag ah": the same order. */
    rc = sl_run(rt, 0);
    CHECK_EQ_INT(rc, ERR_CODE);
    CHECK_EQ_INT(sl_errval(rt), ERR_VAL);
    TRACE("E");
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_runcount(rt), 3);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("gb f E hb ga ha");
    CHECK_EQ_INT(sl_runcount(rt), 1);
    test_runtime_free(rt);
}

/* The same, continuing with sl_run. */
static void test_run_error_others_continue(void)
{
    int rc;
    rt = test_runtime_new();
    sl_spawn(rt, body_before_after, "b");
    sl_spawn(rt, body_fail, "a");
    sl_spawn(rt, body_before_after, "c");
    rc = sl_run(rt, 0);
    CHECK_EQ_INT(rc, ERR_CODE);
    CHECK_EQ_INT(sl_errval(rt), ERR_VAL);
    CHECK(sl_error_detail(rt) != NULL);
    CHECK_EQ_INT(sl_runcount(rt), 3);
    CHECK_TRACE("bb a");
    rc = sl_run(rt, 0);
    CHECK_EQ_INT(rc, 0);
    CHECK_TRACE("bb a cb ba ca");
    test_runtime_free(rt);
}

/* An error while main waits in schedule(): schedule returns it. */
static void test_error_into_main_schedule(void)
{
    int64_t out = -1;
    int rc;
    rt = test_runtime_new();
    sl_spawn(rt, body_fail, "e");
    sl_spawn(rt, body_trace, "x");
    rc = sl_schedule(rt, 1, &out);
    CHECK_EQ_INT(rc, ERR_CODE);
    CHECK_EQ_INT(sl_errval(rt), ERR_VAL);
    CHECK_TRACE("e");
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("e x");
    test_runtime_free(rt);
}

static int body_killed_end(void *arg)
{
    TRACE("%s", (const char *)arg);
    return SL_EKILLED;
}

/* R11: a tasklet ending with TaskletExit is silent. */
static void test_killed_end_is_silent(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_killed_end, "k");
    sl_spawn(rt, body_trace, "x");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("k x");
    sl_spawn(rt, body_killed_end, "k2");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("k x k2");
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    test_runtime_free(rt);
}

static int body_wake_main(void *arg)
{
    (void)arg;
    TRACE("a1");
    /* main.run(): the watchdog is made current; its sl_run returns */
    CHECK_EQ_INT(sl_tasklet_run(sl_main(rt)), 0);
    TRACE("a2");
    return 0;
}

/* R5.7: a watchdog re-inserted by hand returns from sl_run. */
static void test_manual_wakeup(void)
{
    int rc;
    rt = test_runtime_new();
    sl_spawn(rt, body_wake_main, NULL);
    rc = sl_run(rt, 0);
    TRACE("m");
    CHECK_EQ_INT(rc, 1);
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("a1 m a2");
    test_runtime_free(rt);
}

/* A tasklet ending hands control to the one that followed it (R11). */
static void test_end_goes_to_next(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_before_after, "a");
    sl_spawn(rt, body_trace, "b");
    sl_spawn(rt, body_before_after, "c");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    TRACE("m");
    CHECK_TRACE("ab b cb m aa ca m");
    test_runtime_free(rt);
}

/* Long round robin: order holds over many rounds. */
static int rr_last = -1, rr_bad;
static int body_rr(void *arg)
{
    int id = (int)(intptr_t)arg, i;
    for (i = 0; i < 1000; i++) {
        if (rr_last != (id + 4) % 5)
            rr_bad++;
        rr_last = id;
        sl_schedule(rt, 0, NULL);
    }
    return 0;
}

static void test_long_round_robin(void)
{
    int i;
    rt = test_runtime_new();
    rr_last = 4;
    rr_bad = 0;
    for (i = 0; i < 5; i++)
        sl_spawn(rt, body_rr, (void *)(intptr_t)i);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(rr_bad, 0);
    CHECK_EQ_INT(rr_last, 4);
    CHECK(sl_stats_get(rt)->switches >= 5000);
    test_runtime_free(rt);
}

int main(void)
{
    RUN_TEST(test_cooperative);
    RUN_TEST(test_simple);
    RUN_TEST(test_scheduling_cleanup);
    RUN_TEST(test_schedule_from_main);
    RUN_TEST(test_schedule_return_value);
    RUN_TEST(test_schedule_return_value_tasklets);
    RUN_TEST(test_schedule_lone_tasklet_no_switch);
    RUN_TEST(test_schedule_remove_main_alone);
    RUN_TEST(test_schedule_remove_in_run);
    RUN_TEST(test_schedule_remove4);
    RUN_TEST(test_schedule_remove_main_tempval);
    RUN_TEST(test_runcount);
    RUN_TEST(test_run_empty);
    RUN_TEST(test_run_ticks_budget);
    RUN_TEST(test_run_ticks_one_at_a_time);
    RUN_TEST(test_run_ticks_enough);
    RUN_TEST(test_nested_run);
    RUN_TEST(test_nested_run_gets_error);
    RUN_TEST(test_run_error_pypy_except);
    RUN_TEST(test_run_error_others_continue);
    RUN_TEST(test_error_into_main_schedule);
    RUN_TEST(test_killed_end_is_silent);
    RUN_TEST(test_manual_wakeup);
    RUN_TEST(test_end_goes_to_next);
    RUN_TEST(test_long_round_robin);
    return test_summary();
}
