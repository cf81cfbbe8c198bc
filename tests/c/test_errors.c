/*
 * test_errors.c: kill and throw (R14), errors reaching main or the
 * watchdog (R11, R18), deadlock detection (R4c, R10), error details and
 * dumps, wrong arguments, foreign handles, and recovery: after every
 * rejected call the runtime still runs a normal ping-pong.
 * Rules: STACKLESS.md §3.
 */
#include "test.h"

static sl_runtime *rt;
static sl_channel *ch, *ch2;

#define CODE7 (SL_EUSER - 7)
#define CODE9 (SL_EUSER - 9)

static int body_trace(void *arg)
{
    TRACE("%s", (const char *)arg);
    return 0;
}

/* ---- recovery check: a normal ping-pong in runtime r ---------------- */

static sl_channel *pp_a, *pp_b;
static int body_pong(void *arg)
{
    int i;
    int64_t v;
    (void)arg;
    for (i = 0; i < 10; i++) {
        v = -1;
        if (sl_channel_receive(pp_a, &v) != 0)
            return 0;
        if (sl_channel_send(pp_b, v + 1) != 0)
            return 0;
    }
    return 0;
}

/* 1 if main and a fresh tasklet exchange 10 round trips correctly and
   everything is cleaned up afterwards. */
static int pingpong_ok(sl_runtime *r)
{
    int i, ok = 1;
    int64_t v = 0, got;
    pp_a = sl_channel_new(r);
    pp_b = sl_channel_new(r);
    if (!pp_a || !pp_b || !sl_spawn(r, body_pong, NULL))
        return 0;
    for (i = 0; i < 10 && ok; i++) {
        got = -1;
        if (sl_channel_send(pp_a, v) != 0)
            ok = 0;
        if (sl_channel_receive(pp_b, &got) != 0 || got != v + 1)
            ok = 0;
        v = got + 1;
    }
    if (sl_run(r, 0) != 0)
        ok = 0;
    if (sl_channel_free(pp_a) != 0 || sl_channel_free(pp_b) != 0)
        ok = 0;
    if (sl_current(r) != sl_main(r) || sl_runcount(r) != 1)
        ok = 0;
    return ok && v == 20;
}

#define CHECK_RECOVERS(r) CHECK(pingpong_ok(r))

/* ---- bodies ---------------------------------------------------------- */

/* The error value that goes with rc; 0 when there is none (success, or
   TaskletExit, which carries no value). */
static long long ev(int rc)
{
    return (rc != 0 && rc != SL_EKILLED) ? (long long)sl_errval(rt) : 0;
}

/* Records where the error surfaces; returns it (dies of it). */
static int body_recv_return_rc(void *arg)
{
    int rc;
    (void)arg;
    TRACE("r<");
    rc = sl_channel_receive(ch, NULL);
    TRACE("rc%d", rc);
    return rc;
}

/* Records the error and its value; handles it. */
static int body_recv_handle(void *arg)
{
    int rc;
    (void)arg;
    TRACE("r<");
    rc = sl_channel_receive(ch, NULL);
    TRACE("rc%d:%lld", rc, ev(rc));
    return 0;
}

static int body_sched_return_rc(void *arg)
{
    int rc;
    (void)arg;
    TRACE("a1");
    rc = sl_schedule(rt, 0, NULL);
    TRACE("a2:%d", rc);
    return rc == SL_EKILLED ? rc : 0;
}

static int body_pause_return_rc(void *arg)
{
    int rc;
    (void)arg;
    TRACE("p1");
    rc = sl_schedule_remove(rt, 0, NULL);
    TRACE("p2:%d:%lld", rc, ev(rc));
    return rc == SL_EKILLED ? rc : 0;
}

/* ---- kill ------------------------------------------------------------ */

static void test_kill_blocked_immediate(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_recv_return_rc);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    CHECK_EQ_INT(sl_tasklet_kill(t, 0), 0);
    TRACE("m");
    CHECK_TRACE("r< rc-8 m");
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->blocked, 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_kill_blocked_pending(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_recv_return_rc);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_kill(t, 1), 0);
    TRACE("m");
    /* unblocked and runnable, not yet run */
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_tasklet_blocked(t), 0);
    CHECK_EQ_INT(sl_tasklet_scheduled(t), 1);
    CHECK_EQ_INT(sl_tasklet_alive(t), 1);
    CHECK_PTR(sl_tasklet_channel(t), NULL);
    CHECK_EQ_INT(sl_runcount(rt), 2);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("r< m rc-8");
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_kill_runnable_immediate(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_sched_return_rc);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_tasklet_scheduled(t), 1);
    CHECK_EQ_INT(sl_tasklet_kill(t, 0), 0);
    TRACE("m");
    CHECK_TRACE("a1 a2:-8 m");
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_kill_paused_immediate(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_pause_return_rc);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_paused(t), 1);
    CHECK_EQ_INT(sl_tasklet_kill(t, 0), 0);
    TRACE("m");
    CHECK_TRACE("p1 p2:-8:0 m");
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

/* Pending kill into a runnable and into a paused tasklet: both only
   become runnable; the error surfaces when they next run. */
static void test_kill_pending_runnable_and_paused(void)
{
    rt = test_runtime_new();
    sl_tasklet *a = sl_tasklet_new(rt, body_sched_return_rc);
    sl_tasklet *p = sl_tasklet_new(rt, body_pause_return_rc);
    sl_tasklet_setup(a, NULL);
    sl_tasklet_setup(p, NULL);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("a1 p1");
    CHECK_EQ_INT(sl_tasklet_scheduled(a), 1);
    CHECK_EQ_INT(sl_tasklet_paused(p), 1);
    CHECK_EQ_INT(sl_tasklet_kill(p, 1), 0);
    CHECK_EQ_INT(sl_tasklet_kill(a, 1), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_tasklet_paused(p), 0);
    CHECK_EQ_INT(sl_tasklet_scheduled(p), 1);
    CHECK_EQ_INT(sl_runcount(rt), 3);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    /* a was already queued before p was inserted */
    CHECK_TRACE("a1 p1 m a2:-8 p2:-8:0");
    CHECK_EQ_INT(sl_tasklet_alive(a), 0);
    CHECK_EQ_INT(sl_tasklet_alive(p), 0);
    sl_tasklet_free(a);
    sl_tasklet_free(p);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int throw_self_rc;
static int body_throw_self(void *arg)
{
    (void)arg;
    throw_self_rc = sl_tasklet_throw(sl_current(rt), CODE9, 12, 0);
    TRACE("t:%d:%lld", throw_self_rc, ev(throw_self_rc));
    return 0;
}

static void test_throw_self_in_tasklet(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_throw_self, NULL);
    sl_spawn(rt, body_trace, "x");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("t:-1009:12 x");
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_kill_never_started(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    sl_tasklet_setup(t, "body");
    CHECK_EQ_INT(sl_tasklet_kill(t, 0), 0);
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    CHECK_EQ_INT(sl_tasklet_scheduled(t), 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("");
    sl_tasklet_free(t);

    /* pending: the body still never runs */
    t = sl_tasklet_new(rt, body_trace);
    sl_tasklet_setup(t, "body");
    CHECK_EQ_INT(sl_tasklet_kill(t, 1), 0);
    CHECK_EQ_INT(sl_tasklet_scheduled(t), 1);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("");
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    sl_tasklet_free(t);

    /* a paused (removed) never-started tasklet */
    t = sl_tasklet_new(rt, body_trace);
    sl_tasklet_setup(t, "body");
    sl_tasklet_remove(t);
    CHECK_EQ_INT(sl_tasklet_kill(t, 0), 0);
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    CHECK_TRACE("");
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_kill_dead_is_noop(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    CHECK_EQ_INT(sl_tasklet_kill(t, 0), 0); /* never set up */
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE7, 1, 0), SL_EDEAD);
    sl_tasklet_setup(t, "t");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_kill(t, 0), 0);
    CHECK_EQ_INT(sl_tasklet_kill(t, 1), 0);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE7, 1, 0), SL_EDEAD);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE7, 1, 1), SL_EDEAD);
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_TRACE("t");
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int kill_self_rc;
static int body_kill_self(void *arg)
{
    (void)arg;
    TRACE("k");
    kill_self_rc = sl_tasklet_kill(sl_current(rt), 0);
    TRACE("k:%d", kill_self_rc);
    return kill_self_rc;
}

static void test_kill_self(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_kill_self, NULL);
    sl_spawn(rt, body_trace, "x");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(kill_self_rc, SL_EKILLED);
    CHECK_TRACE("k k:-8 x");
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static sl_tasklet *victim;
static int body_killer(void *arg)
{
    (void)arg;
    TRACE("k1");
    CHECK_EQ_INT(sl_tasklet_kill(victim, 0), 0);
    TRACE("k2");
    return 0;
}

/* A tasklet kills another: the killer resumes when the victim ends. */
static void test_kill_from_tasklet(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    victim = sl_spawn(rt, body_recv_return_rc, NULL);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    sl_spawn(rt, body_killer, NULL);
    sl_spawn(rt, body_trace, "x");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("r< k1 rc-8 k2 x");
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int body_recv_i(void *arg)
{
    int rc;
    int64_t v = -1;
    TRACE("b%d", (int)(intptr_t)arg);
    rc = sl_channel_receive(ch, &v);
    TRACE("r%d:%d:%lld", (int)(intptr_t)arg, rc, (long long)v);
    return rc;
}

/* Killing the middle one of three blocked receivers keeps FIFO order. */
static void test_kill_middle_of_queue(void)
{
    sl_tasklet *r[3];
    int i;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    for (i = 0; i < 3; i++)
        r[i] = sl_spawn(rt, body_recv_i, (void *)(intptr_t)i);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), -3);
    CHECK_EQ_INT(sl_tasklet_kill(r[1], 1), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), -2);
    CHECK_PTR(sl_channel_queue_at(ch, 0), r[0]);
    CHECK_PTR(sl_channel_queue_at(ch, 1), r[2]);
    CHECK_PTR(sl_channel_queue_at(ch, 2), NULL);
    CHECK_EQ_INT(sl_channel_send(ch, 10), 0);
    CHECK_EQ_INT(sl_channel_send(ch, 12), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    /* send 10: r0 is inserted after main and runs at once, so the ring
       is r0, r1 (runnable, pending kill), main */
    CHECK_TRACE("b0 b1 b2 r0:0:10 r1:-8:-1 r2:0:12");
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

/* ---- throw ----------------------------------------------------------- */

static void test_throw_blocked_immediate(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_handle, NULL);
    sl_tasklet *t = sl_channel_queue(ch);
    CHECK_PTR(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    t = sl_channel_queue(ch);
    CHECK(t != NULL);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE7, 99, 0), 0);
    TRACE("m");
    CHECK_TRACE("r< rc-1007:99 m");
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_throw_blocked_pending(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_recv_handle);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE7, 98, 1), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_tasklet_blocked(t), 0);
    CHECK_EQ_INT(sl_tasklet_scheduled(t), 1);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("r< m rc-1007:98");
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int body_send_handle(void *arg)
{
    int rc;
    (void)arg;
    TRACE("s>");
    rc = sl_channel_send(ch, 1);
    TRACE("s%d:%lld", rc, ev(rc));
    return 0;
}

static void test_throw_blocked_sender(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_send_handle);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 1);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE9, -5, 0), 0);
    TRACE("m");
    CHECK_TRACE("s> s-1009:-5 m");
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    /* nothing left to receive */
    CHECK_EQ_INT(sl_channel_receive(ch, NULL), SL_EDEADLOCK);
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int body_sched_handle(void *arg)
{
    int rc;
    (void)arg;
    TRACE("a1");
    rc = sl_schedule(rt, 0, NULL);
    TRACE("a2:%d:%lld", rc, ev(rc));
    return 0;
}

static void test_throw_runnable(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_sched_handle);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE7, 3, 0), 0);
    TRACE("m");
    CHECK_TRACE("a1 a2:-1007:3 m");
    /* pending into a runnable tasklet */
    trace_reset();
    CHECK_EQ_INT(sl_tasklet_bind(t, body_sched_handle), 0);
    CHECK_EQ_INT(sl_tasklet_setup(t, NULL), 0);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE9, 4, 1), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_TRACE("a1 m a2:-1009:4");
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_throw_paused(void)
{
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_pause_return_rc);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE7, 6, 0), 0);
    TRACE("m");
    CHECK_TRACE("p1 p2:-1007:6 m");
    trace_reset();
    /* pending: made runnable, the caller continues */
    CHECK_EQ_INT(sl_tasklet_bind(t, body_pause_return_rc), 0);
    CHECK_EQ_INT(sl_tasklet_setup(t, NULL), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_paused(t), 1);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE9, 7, 1), 0);
    CHECK_EQ_INT(sl_tasklet_paused(t), 0);
    CHECK_EQ_INT(sl_tasklet_scheduled(t), 1);
    TRACE("m");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("p1 m p2:-1009:7");
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

/* R14: a not-yet-started target dies before its body runs; the error
   propagates to main: out of the throw itself, or out of sl_run. */
static void test_throw_never_started(void)
{
    int rc;
    rt = test_runtime_new();
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);
    sl_tasklet_setup(t, "body");
    rc = sl_tasklet_throw(t, CODE9, 5, 0);
    CHECK_EQ_INT(rc, CODE9);
    CHECK_EQ_INT(sl_errval(rt), 5);
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_TRACE("");

    CHECK_EQ_INT(sl_tasklet_bind(t, body_trace), 0);
    CHECK_EQ_INT(sl_tasklet_setup(t, "body"), 0);
    CHECK_EQ_INT(sl_tasklet_throw(t, CODE7, 8, 1), 0);
    CHECK_EQ_INT(sl_tasklet_alive(t), 1);
    rc = sl_run(rt, 0);
    CHECK_EQ_INT(rc, CODE7);
    CHECK_EQ_INT(sl_errval(rt), 8);
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    CHECK_TRACE("");
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

/* R14: throw to self returns the code at once. */
static void test_throw_self(void)
{
    rt = test_runtime_new();
    const sl_stats *st = sl_stats_get(rt);
    double sw = st->switches;
    CHECK_EQ_INT(sl_tasklet_throw(sl_main(rt), CODE7, 3, 0), CODE7);
    CHECK_EQ_INT(sl_errval(rt), 3);
    CHECK(st->switches == sw);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_throw_bad_code(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_recv_handle);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_throw(t, 0, 1, 0), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_throw(t, 3, 1, 1), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_blocked(t), 1);
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    CHECK_TRACE("r<");
    CHECK_EQ_INT(sl_channel_send(ch, 1), 0);
    CHECK_TRACE("r< rc0:0");
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

/* R14/R11: the target does not handle the error: it reaches main's
   pending call, here the throw itself. */
static void test_throw_unhandled_reaches_thrower(void)
{
    int rc;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_return_rc, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    rc = sl_tasklet_throw(sl_channel_queue(ch), CODE7, 42, 0);
    TRACE("m");
    CHECK_EQ_INT(rc, CODE7);
    CHECK_TRACE("r< rc-1007 m");
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_throw_unhandled_pending_reaches_run(void)
{
    int rc;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_return_rc, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_throw(sl_channel_queue(ch), CODE9, 43, 1), 0);
    TRACE("m");
    rc = sl_run(rt, 0);
    CHECK_EQ_INT(rc, CODE9);
    CHECK_TRACE("r< m rc-1009");
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int body_fail_after_trace(void *arg)
{
    (void)arg;
    TRACE("f");
    sl_set_errval(rt, 8);
    return SL_EUSER - 3;
}

/* R10: a tasklet dies of an error while main is blocked: main's blocking
   call returns that error and main is no longer blocked. */
static void test_error_while_main_blocked(void)
{
    int rc;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_fail_after_trace, NULL);
    rc = sl_channel_receive(ch, NULL);
    CHECK_EQ_INT(rc, SL_EUSER - 3);
    CHECK_EQ_INT(sl_errval(rt), 8);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_tasklet_blocked(sl_main(rt)), 0);
    CHECK_EQ_INT(sl_tasklet_scheduled(sl_main(rt)), 1);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_TRACE("f");
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

/* sl_errval belongs to the tasklet the error was returned to. */
static int body_errval_keeper(void *arg)
{
    int rc;
    (void)arg;
    rc = sl_channel_receive(ch, NULL);
    TRACE("a%d:%lld", rc - SL_EUSER, (long long)sl_errval(rt));
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    /* b got another error meanwhile */
    TRACE("a:%lld", (long long)sl_errval(rt));
    return 0;
}
static int body_errval_other(void *arg)
{
    int rc;
    (void)arg;
    rc = sl_channel_receive(ch2, NULL);
    TRACE("b%d:%lld", rc - SL_EUSER, (long long)sl_errval(rt));
    return 0;
}

static void test_errval_per_tasklet(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    ch2 = sl_channel_new(rt);
    sl_spawn(rt, body_errval_keeper, NULL);
    sl_spawn(rt, body_errval_other, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_send_exception(ch, SL_EUSER - 1, 111), 0);
    CHECK_EQ_INT(sl_channel_send_exception(ch2, SL_EUSER - 2, 222), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("a-1:111 b-2:222 a:111");
    test_runtime_free(rt);
}

/* ---- deadlock -------------------------------------------------------- */

/* R10: main blocks with nothing runnable. */
static void test_deadlock_main_alone(void)
{
    const char *d;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    CHECK_EQ_INT(sl_channel_receive(ch, NULL), SL_EDEADLOCK);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_tasklet_scheduled(sl_main(rt)), 1);
    CHECK_EQ_INT(sl_tasklet_blocked(sl_main(rt)), 0);
    CHECK_EQ_INT(sl_runcount(rt), 1);
    d = sl_error_detail(rt);
    CHECK(d != NULL && d[0] != '\0');
    CHECK_EQ_INT(sl_channel_send(ch, 1), SL_EDEADLOCK);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_channel_send_exception(ch, SL_EUSER, 1), SL_EDEADLOCK);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_RECOVERS(rt);
    /* the channel itself still works */
    sl_spawn(rt, body_recv_handle, NULL);
    CHECK_EQ_INT(sl_channel_send(ch, 1), 0);
    CHECK_TRACE("r< rc0:0");
    test_runtime_free(rt);
}

static int body_recv_other(void *arg)
{
    (void)arg;
    TRACE("o<");
    sl_channel_receive(ch2, NULL);
    TRACE("o>");
    return 0;
}

/* Main blocks while the other tasklets are all blocked elsewhere. */
static void test_deadlock_main_others_blocked(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    ch2 = sl_channel_new(rt);
    sl_spawn(rt, body_recv_other, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_receive(ch, NULL), SL_EDEADLOCK);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_channel_balance(ch2), -1);
    CHECK_EQ_INT(sl_channel_send(ch2, 0), 0);
    CHECK_TRACE("o< o>");
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int body_deadlock_in_tasklet(void *arg)
{
    int rc;
    (void)arg;
    TRACE("a<");
    rc = sl_channel_receive(ch2, NULL);
    TRACE("a:%d", rc);
    CHECK_EQ_INT(sl_channel_balance(ch2), 0);
    CHECK_EQ_INT(sl_channel_send(ch, 5), 0);
    TRACE("aend");
    return 0;
}

/* R10: a tasklet blocks as the last runnable while main is blocked on a
   channel: the tasklet gets the deadlock error. */
static void test_deadlock_in_tasklet_main_blocked(void)
{
    int64_t v = -1;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    ch2 = sl_channel_new(rt);
    sl_spawn(rt, body_deadlock_in_tasklet, NULL);
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    TRACE("m%lld", (long long)v);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("a< a:-6 m5 aend");
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int body_deadlock_unhandled(void *arg)
{
    int rc;
    (void)arg;
    rc = sl_channel_receive(ch2, NULL);
    TRACE("a:%d", rc);
    return rc;
}

/* R10: ... and if it does not handle it, main's blocking call returns it. */
static void test_deadlock_in_tasklet_unhandled(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    ch2 = sl_channel_new(rt);
    sl_spawn(rt, body_deadlock_unhandled, NULL);
    CHECK_EQ_INT(sl_channel_receive(ch, NULL), SL_EDEADLOCK);
    CHECK_TRACE("a:-6");
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_channel_balance(ch2), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int body_remove_deadlock(void *arg)
{
    int rc;
    (void)arg;
    rc = sl_schedule_remove(rt, 0, NULL);
    TRACE("a:%d", rc);
    CHECK_EQ_INT(sl_channel_send(ch, 1), 0);
    return 0;
}

/* R4 (c): schedule_remove as the last runnable while main is blocked. */
static void test_deadlock_schedule_remove(void)
{
    int64_t v = -1;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_remove_deadlock, NULL);
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    TRACE("m%lld", (long long)v);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("a:-6 m1");
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

/* R10: the last tasklet ends while main is blocked on receive / send. */
static void test_last_tasklet_ends_main_blocked(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_trace, "a");
    CHECK_EQ_INT(sl_channel_receive(ch, NULL), SL_EDEADLOCK);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_tasklet_blocked(sl_main(rt)), 0);
    CHECK_PTR(sl_tasklet_channel(sl_main(rt)), NULL);
    sl_spawn(rt, body_trace, "b");
    CHECK_EQ_INT(sl_channel_send(ch, 3), SL_EDEADLOCK);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_TRACE("a b");
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

/* R10 (test_lone_receive): a tasklet blocks as the last runnable while
   main is in sl_run: run returns 0 and the tasklet stays blocked. */
static void test_lone_receive_in_run(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_recv_handle);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_blocked(t), 1);
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    CHECK_EQ_INT(sl_stats_get(rt)->blocked, 1);
    CHECK_TRACE("r<");
    CHECK_EQ_INT(sl_channel_send(ch, 2), 0);
    CHECK_TRACE("r< rc0:0");
    sl_tasklet_free(t);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int body_named_recv(void *arg)
{
    int rc = sl_channel_receive(arg, NULL);
    TRACE("%s:%d", sl_tasklet_name(sl_current(rt)), rc);
    return rc == SL_EKILLED ? rc : 0;
}
static int body_named_send(void *arg)
{
    int rc = sl_channel_send(arg, 1);
    TRACE("%s:%d", sl_tasklet_name(sl_current(rt)), rc);
    return rc == SL_EKILLED ? rc : 0;
}

/* sl_error_detail after a deadlock names the stuck tasklets. */
static void test_deadlock_detail_names(void)
{
    const char *d;
    sl_tasklet *a, *b;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    ch2 = sl_channel_new(rt);
    sl_channel *c3 = sl_channel_new(rt);
    a = sl_spawn(rt, body_named_recv, ch);
    b = sl_spawn(rt, body_named_send, ch2);
    sl_tasklet_set_name(a, "alpha-stuck");
    sl_tasklet_set_name(b, "beta-stuck");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_receive(c3, NULL), SL_EDEADLOCK);
    d = sl_error_detail(rt);
    CHECK(d != NULL);
    if (d) {
        if (!CHECK(strstr(d, "alpha-stuck") != NULL) ||
            !CHECK(strstr(d, "beta-stuck") != NULL))
            printf("#   detail: \"%s\"\n", d);
    }
    CHECK_TRACE("");
    CHECK_EQ_INT(sl_tasklet_kill(a, 0), 0);
    CHECK_EQ_INT(sl_tasklet_kill(b, 0), 0);
    CHECK_TRACE("alpha-stuck:-8 beta-stuck:-8");
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (*s == '\n')
            n++;
    return n;
}

static void test_dump(void)
{
    char buf[4096], small[8];
    int n, n2;
    sl_tasklet *a, *b, *c;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet_set_name(sl_main(rt), "main-t");
    a = sl_spawn(rt, body_named_recv, ch);
    sl_tasklet_set_name(a, "alpha-t");
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0); /* alpha blocks */
    b = sl_tasklet_new(rt, body_trace);
    sl_tasklet_set_name(b, "beta-t");
    sl_tasklet_setup(b, "b"); /* runnable */
    c = sl_tasklet_new(rt, body_trace);
    sl_tasklet_set_name(c, "gamma-t");
    sl_tasklet_setup(c, "c");
    sl_tasklet_remove(c); /* paused */
    n = sl_dump(rt, NULL, 0);
    CHECK(n > 0);
    n2 = sl_dump(rt, buf, sizeof buf);
    CHECK_EQ_INT(n2, n);
    CHECK(n < (int)sizeof buf);
    CHECK_EQ_INT((int)strlen(buf), n);
    CHECK(strstr(buf, "main-t") != NULL);
    CHECK(strstr(buf, "alpha-t") != NULL);
    CHECK(strstr(buf, "beta-t") != NULL);
    CHECK(strstr(buf, "gamma-t") != NULL);
    CHECK(count_lines(buf) >= 4);
    /* truncated like snprintf */
    memset(small, 'x', sizeof small);
    CHECK_EQ_INT(sl_dump(rt, small, sizeof small), n);
    CHECK_EQ_INT((int)strlen(small), (int)sizeof small - 1);
    CHECK(strncmp(small, buf, sizeof small - 1) == 0);
    if (test_cur_failures)
        printf("#   dump:\n%s", buf);
    CHECK_EQ_INT(sl_channel_send(ch, 1), 0);
    sl_tasklet_free(b);
    sl_tasklet_free(c);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

static void test_strerror(void)
{
    static const int codes[] = {
        SL_OK,        SL_EINVAL,    SL_ESTATE,   SL_EDEAD,     SL_EBLOCKED,
        SL_ECURRENT,  SL_EDEADLOCK, SL_ECLOSED,  SL_EKILLED,   SL_ENOMEM,
        SL_ESTACK,    SL_EFOREIGN,  SL_ERECURSIVE, SL_EUNBOUND, SL_EALIVE,
        SL_EBUSY,     SL_ECRASHED};
    size_t i, j;
    const int n = (int)(sizeof codes / sizeof codes[0]);
    for (i = 0; i < (size_t)n; i++) {
        const char *s = sl_strerror(codes[i]);
        CHECK(s != NULL && s[0] != '\0');
        for (j = 0; j < i; j++)
            CHECK(strcmp(s, sl_strerror(codes[j])) != 0);
    }
    CHECK(strstr(sl_strerror(SL_EDEADLOCK), "SL_EDEADLOCK") != NULL);
    CHECK(strstr(sl_strerror(SL_EINVAL), "SL_EINVAL") != NULL);
    CHECK(strstr(sl_strerror(SL_EUSER - 3), "user error") != NULL);
    CHECK(strstr(sl_strerror(SL_EUSER), "user error") != NULL);
    CHECK(sl_strerror(12345) != NULL);
    CHECK(sl_strerror(-999) != NULL);
}

/* ---- wrong arguments -------------------------------------------------- */

static void test_null_arguments(void)
{
    int64_t v;
    static const int64_t vals[] = {1, 2};
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_trace);

    CHECK_EQ_INT(sl_runtime_free(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_run(NULL, 0), SL_EINVAL);
    CHECK_EQ_INT(sl_schedule(NULL, 0, &v), SL_EINVAL);
    CHECK_EQ_INT(sl_schedule_remove(NULL, 0, &v), SL_EINVAL);
    CHECK_EQ_INT(sl_runcount(NULL), SL_EINVAL);
    CHECK_PTR(sl_current(NULL), NULL);
    CHECK_PTR(sl_main(NULL), NULL);
    CHECK_PTR(sl_tasklet_new(NULL, body_trace), NULL);
    CHECK_PTR(sl_spawn(NULL, body_trace, NULL), NULL);
    CHECK_PTR(sl_spawn(rt, NULL, NULL), NULL);
    CHECK_PTR(sl_channel_new(NULL), NULL);
    CHECK_EQ_INT(sl_dump(NULL, NULL, 0), SL_EINVAL);

    CHECK_EQ_INT(sl_tasklet_bind(NULL, body_trace), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_setup(NULL, NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_insert(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_remove(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_run(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_switch(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_kill(NULL, 0), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_throw(NULL, SL_EUSER, 0, 0), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_alive(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_blocked(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_scheduled(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_paused(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_is_main(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_tasklet_is_current(NULL), SL_EINVAL);

    CHECK_EQ_INT(sl_channel_send(NULL, 1), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_receive(NULL, &v), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_send_exception(NULL, SL_EUSER, 1), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_send_sequence(NULL, vals, 2), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_send_sequence(ch, NULL, 2), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_set_preference(NULL, 0), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_set_schedule_all(NULL, 1), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_close(NULL), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_open(NULL), SL_EINVAL);
    CHECK_PTR(sl_channel_queue(NULL), NULL);
    CHECK_PTR(sl_channel_queue_at(NULL, 0), NULL);

    /* out-of-range values are rejected, not clamped */
    CHECK_EQ_INT(sl_channel_set_preference(ch, 5), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_set_preference(ch, -5), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_preference(ch), -1);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_runcount(rt), 1);
    CHECK_RECOVERS(rt);
    sl_tasklet_free(t);
    test_runtime_free(rt);
}

/* Misuse from inside a tasklet leaves the runtime intact. */
static int misuse_rc[8];
static int body_misuse(void *arg)
{
    (void)arg;
    misuse_rc[0] = sl_tasklet_remove(sl_current(rt));
    misuse_rc[1] = sl_tasklet_bind(sl_current(rt), body_trace);
    misuse_rc[2] = sl_tasklet_free(sl_current(rt));
    misuse_rc[3] = sl_tasklet_free(sl_main(rt));
    misuse_rc[4] = sl_runtime_free(rt);
    misuse_rc[5] = sl_tasklet_throw(sl_main(rt), 1, 0, 0);
    TRACE("misuse");
    return 0;
}

static void test_misuse_in_tasklet(void)
{
    rt = test_runtime_new();
    sl_spawn(rt, body_misuse, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("misuse");
    CHECK_EQ_INT(misuse_rc[0], SL_ECURRENT);
    CHECK_EQ_INT(misuse_rc[1], SL_ECURRENT);
    CHECK_EQ_INT(misuse_rc[2], SL_ECURRENT);
    CHECK_EQ_INT(misuse_rc[3], SL_ESTATE);
    CHECK_EQ_INT(misuse_rc[4], SL_ESTATE);
    CHECK_EQ_INT(misuse_rc[5], SL_EINVAL);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

/* ---- foreign handles ------------------------------------------------- */

static sl_runtime *rt2;
static sl_channel *fch;
static sl_tasklet *ft;
static int foreign_rc[16];

static int body_foreign(void *arg)
{
    static const int64_t vals[] = {1};
    int64_t v;
    (void)arg;
    foreign_rc[0] = sl_channel_send(fch, 1);
    foreign_rc[1] = sl_channel_receive(fch, &v);
    foreign_rc[2] = sl_channel_send_exception(fch, SL_EUSER, 1);
    foreign_rc[3] = sl_channel_send_sequence(fch, vals, 1);
    foreign_rc[4] = sl_tasklet_run(ft);
    foreign_rc[5] = sl_tasklet_switch(ft);
    foreign_rc[6] = sl_tasklet_kill(ft, 0);
    foreign_rc[7] = sl_tasklet_throw(ft, SL_EUSER, 1, 0);
    foreign_rc[8] = sl_tasklet_insert(ft);
    foreign_rc[9] = sl_tasklet_remove(ft);
    foreign_rc[10] = sl_schedule(rt2, 0, NULL);
    foreign_rc[11] = sl_schedule_remove(rt2, 0, NULL);
    foreign_rc[12] = sl_run(rt2, 0);
    foreign_rc[13] = sl_tasklet_kill(ft, 1);
    TRACE("f");
    return 0;
}

static int body_f2(void *arg)
{
    int64_t v = -1;
    (void)arg;
    TRACE("t2<");
    CHECK_EQ_INT(sl_channel_receive(fch, &v), 0);
    TRACE("t2=%lld", (long long)v);
    return 0;
}

static void test_foreign_handles(void)
{
    int i;
    rt = test_runtime_new();
    rt2 = test_runtime_new();
    fch = sl_channel_new(rt2);
    ft = sl_tasklet_new(rt2, body_f2);
    sl_tasklet_setup(ft, NULL);
    for (i = 0; i < 16; i++)
        foreign_rc[i] = 99;
    sl_spawn(rt, body_foreign, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("f");
    for (i = 0; i < 14; i++) {
        if (!CHECK_EQ_INT(foreign_rc[i], SL_EFOREIGN))
            printf("#   foreign call %d\n", i);
    }
    /* rt2 untouched: ft is still runnable, fch empty */
    CHECK_EQ_INT(sl_tasklet_alive(ft), 1);
    CHECK_EQ_INT(sl_tasklet_scheduled(ft), 1);
    CHECK_EQ_INT(sl_channel_balance(fch), 0);
    CHECK_EQ_INT(sl_runcount(rt2), 2);
    CHECK_EQ_INT(sl_run(rt2, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(fch), -1);
    CHECK_EQ_INT(sl_channel_send(fch, 9), 0);
    CHECK_TRACE("f t2< t2=9");
    CHECK_RECOVERS(rt);
    CHECK_RECOVERS(rt2);
    sl_tasklet_free(ft);
    test_runtime_free(rt2);
    test_runtime_free(rt);
}

/* Two runtimes driven alternately from the same main. */
static sl_channel *two_ch[2];
static int body_two(void *arg)
{
    int k = (int)(intptr_t)arg, i;
    int64_t v;
    for (i = 0; i < 3; i++) {
        CHECK_EQ_INT(sl_channel_receive(two_ch[k], &v), 0);
        TRACE("%c%lld", k ? 'y' : 'x', (long long)v);
    }
    return 0;
}

static void test_two_runtimes_interleaved(void)
{
    int i;
    rt = test_runtime_new();
    rt2 = test_runtime_new();
    two_ch[0] = sl_channel_new(rt);
    two_ch[1] = sl_channel_new(rt2);
    sl_spawn(rt, body_two, (void *)(intptr_t)0);
    sl_spawn(rt2, body_two, (void *)(intptr_t)1);
    for (i = 0; i < 3; i++) {
        CHECK_EQ_INT(sl_channel_send(two_ch[0], i), 0);
        CHECK_EQ_INT(sl_channel_send(two_ch[1], 10 + i), 0);
    }
    CHECK_TRACE("x0 y10 x1 y11 x2 y12");
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK_EQ_INT(sl_stats_get(rt2)->tasklets, 1);
    test_runtime_free(rt2);
    CHECK_RECOVERS(rt);
    test_runtime_free(rt);
}

int main(void)
{
    RUN_TEST(test_kill_blocked_immediate);
    RUN_TEST(test_kill_blocked_pending);
    RUN_TEST(test_kill_runnable_immediate);
    RUN_TEST(test_kill_paused_immediate);
    RUN_TEST(test_kill_pending_runnable_and_paused);
    RUN_TEST(test_kill_never_started);
    RUN_TEST(test_kill_dead_is_noop);
    RUN_TEST(test_kill_self);
    RUN_TEST(test_kill_from_tasklet);
    RUN_TEST(test_kill_middle_of_queue);
    RUN_TEST(test_throw_blocked_immediate);
    RUN_TEST(test_throw_blocked_pending);
    RUN_TEST(test_throw_blocked_sender);
    RUN_TEST(test_throw_runnable);
    RUN_TEST(test_throw_paused);
    RUN_TEST(test_throw_never_started);
    RUN_TEST(test_throw_self);
    RUN_TEST(test_throw_self_in_tasklet);
    RUN_TEST(test_throw_bad_code);
    RUN_TEST(test_throw_unhandled_reaches_thrower);
    RUN_TEST(test_throw_unhandled_pending_reaches_run);
    RUN_TEST(test_error_while_main_blocked);
    RUN_TEST(test_errval_per_tasklet);
    RUN_TEST(test_deadlock_main_alone);
    RUN_TEST(test_deadlock_main_others_blocked);
    RUN_TEST(test_deadlock_in_tasklet_main_blocked);
    RUN_TEST(test_deadlock_in_tasklet_unhandled);
    RUN_TEST(test_deadlock_schedule_remove);
    RUN_TEST(test_last_tasklet_ends_main_blocked);
    RUN_TEST(test_lone_receive_in_run);
    RUN_TEST(test_deadlock_detail_names);
    RUN_TEST(test_dump);
    RUN_TEST(test_strerror);
    RUN_TEST(test_null_arguments);
    RUN_TEST(test_misuse_in_tasklet);
    RUN_TEST(test_foreign_handles);
    RUN_TEST(test_two_runtimes_interleaved);
    return test_summary();
}
