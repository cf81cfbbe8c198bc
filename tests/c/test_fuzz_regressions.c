/*
 * test_fuzz_regressions.c: bugs found by the libFuzzer target
 * (tests/fuzz/fuzz_ops.c), reduced to small programs.
 *
 * 1. Inside a schedule callback only the switching calls are refused;
 *    calls that change the run queue or free objects without switching
 *    (remove, insert, setup, kill/throw pending, bind, free, channel free,
 *    runtime free) go through. On the tasklet being switched to, remove
 *    leaves it running outside the run queue (NULL dereference at its
 *    next schedule) and free is a use after free.
 * 2. Inside a channel callback only channel calls are refused, but the
 *    operation has already picked its partner: killing or freeing that
 *    partner from the callback makes the operation unlink a tasklet that
 *    is no longer on the channel (SL_DEBUG invariant; use after free).
 * 3. sl_channel_free succeeds while a tasklet is between two values of
 *    sl_channel_send_sequence on that channel; the tasklet then sends on
 *    freed memory.
 *
 * 4. A tasklet waiting in sl_run(rt, ticks) (a watchdog with the switch
 *    budget) that someone puts back in the run queue with
 *    sl_tasklet_insert is appended a second time when the budget runs out
 *    (sl__switch_to): SL_DEBUG invariant, else a corrupted run queue.
 * 5. Switching calls (sl_schedule, sl_run) are allowed inside a channel
 *    callback, and the operation has already picked its partner: another
 *    tasklet that runs meanwhile and dies of an error takes main (the
 *    partner, blocked on the channel) off the channel to deliver the
 *    error; the operation then unlinks main a second time (NULL
 *    dereference). The runtime-wide in-callback flag also stays set while
 *    the callback's tasklet is switched out, so every other tasklet's
 *    channel and queue calls fail with SL_ERECURSIVE meanwhile.
 * 6. A send_sequence whose tasklet is freed (or rebound) between two
 *    values never releases its channel: sl_channel_free says SL_EBUSY
 *    until the runtime is freed.
 * 7. (fixed by refusing it: SL_EINVAL) sl_select with a send and a
 *    receive case on the same channel queued
 *    two proxies whose directions cancel in the balance: the balance says
 *    0 while the select waits, so a sender arriving does not see the
 *    waiting receive case (SL_EDEADLOCK instead of a transfer), and
 *    sl_channel_free succeeds under the queued proxies (use after free
 *    when the select is later cancelled or completed).
 * 8. A tasklet whose select has completed or was interrupted (kill or
 *    throw with pending=1) but that has not resumed yet keeps its select
 *    state; freeing or rebinding it then, or freeing the runtime, leaks
 *    that state (drop_select only looks at tasklets still waiting).
 * 9. A tasklet that dies of SL_ESTACK as it suspends in a blocking select
 *    (its stack outgrew the save limit) ends with its select state still
 *    allocated (has_sel stays set). Set up again, its next blocking select
 *    overwrites that state (leak); or, if it is freed while waiting in
 *    sl_run, drop_select frees the union's other member, wd_below (the
 *    watchdog below it, e.g. &rt->mainlet): an invalid free.
 *
 * The tests detect each bug without corrupting the runtime where they can
 * (repairing what a wrongly accepted call did). The destructive cases run
 * natively only, each in a child process whose crash fails the test.
 */
#if !defined(__EMSCRIPTEN__)
#define _POSIX_C_SOURCE 200809L
#endif
#include "test.h"

#if !defined(__EMSCRIPTEN__)
#include <sys/wait.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#else
#include <malloc.h>
#endif

static sl_runtime *rt;
static sl_channel *ch;

static int body_nop(void *arg)
{
    (void)arg;
    return 0;
}

static int body_yield(void *arg)
{
    (void)arg;
    sl_schedule(rt, 0, NULL);
    return 0;
}

static sl_tasklet *owned(sl_func fn)
{
    sl_tasklet *t = sl_tasklet_new(rt, fn);
    CHECK(t != NULL);
    return t;
}

/* ---- 1. queue changes inside a schedule callback ---------------------- */

enum { Q_REMOVE, Q_INSERT, Q_SETUP, Q_KILL_PENDING, Q_THROW_PENDING, Q_BIND,
       Q_FREE, Q_CHANNEL_FREE, Q_N };
static const char *const q_names[Q_N] = {
    "sl_tasklet_remove", "sl_tasklet_insert", "sl_tasklet_setup",
    "sl_tasklet_kill(pending)", "sl_tasklet_throw(pending)",
    "sl_tasklet_bind", "sl_tasklet_free", "sl_channel_free"};
static int q_rc[Q_N];
static int q_done;
/* none of them is the tasklet switched from or to */
static sl_tasklet *queued, *queued2, *paused, *paused2, *fresh, *spare;
static sl_channel *spare_ch;

static void queue_changing_cb(sl_tasklet *prev, sl_tasklet *next, void *ud)
{
    (void)prev;
    (void)next;
    (void)ud;
    if (q_done)
        return;
    q_done = 1;
    /* each accepted call is undone or left harmless */
    q_rc[Q_REMOVE] = sl_tasklet_remove(queued);
    if (q_rc[Q_REMOVE] == 0)
        sl_tasklet_insert(queued);
    q_rc[Q_INSERT] = sl_tasklet_insert(paused);
    q_rc[Q_SETUP] = sl_tasklet_setup(fresh, NULL);
    q_rc[Q_KILL_PENDING] = sl_tasklet_kill(queued, 1);
    q_rc[Q_THROW_PENDING] = sl_tasklet_throw(queued2, SL_EKILLED, 0, 1);
    q_rc[Q_BIND] = sl_tasklet_bind(paused2, NULL);
    q_rc[Q_FREE] = sl_tasklet_free(spare);
    if (q_rc[Q_FREE] == 0)
        spare = NULL;
    q_rc[Q_CHANNEL_FREE] = sl_channel_free(spare_ch);
    if (q_rc[Q_CHANNEL_FREE] == 0)
        spare_ch = NULL;
}

static void test_schedule_cb_refuses_queue_changes(void)
{
    int i;
    rt = test_runtime_new();
    spare_ch = sl_channel_new(rt);
    sl_spawn(rt, body_yield, NULL);
    queued = owned(body_nop);
    queued2 = owned(body_nop);
    spare = owned(body_nop);
    paused = owned(body_nop);
    paused2 = owned(body_nop);
    fresh = owned(body_nop);
    sl_tasklet_setup(queued, NULL);
    sl_tasklet_setup(queued2, NULL);
    sl_tasklet_setup(spare, NULL);
    sl_tasklet_setup(paused, NULL);
    sl_tasklet_setup(paused2, NULL);
    sl_tasklet_remove(paused);
    sl_tasklet_remove(paused2);
    for (i = 0; i < Q_N; i++)
        q_rc[i] = 99;
    q_done = 0;
    sl_set_schedule_callback(rt, queue_changing_cb, NULL);
    CHECK(sl_run(rt, 0) >= 0); /* main -> the yielding tasklet: callback */
    sl_set_schedule_callback(rt, NULL, NULL);
    CHECK_EQ_INT(q_done, 1);
    for (i = 0; i < Q_N; i++) {
        if (!CHECK_EQ_INT(q_rc[i], SL_ERECURSIVE))
            printf("#   %s inside a schedule callback\n", q_names[i]);
    }
    /* the runtime goes on */
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT((int)sl_stats_get(rt)->blocked, 0);
    test_runtime_free(rt);
}

/* ---- 3. a channel freed during send_sequence -------------------------- */

static int body_sequence(void *arg)
{
    static const int64_t vals[3] = {1, 2, 3};
    (void)arg;
    TRACE("seq%d", sl_channel_send_sequence(ch, vals, 3));
    return 0;
}

static void test_channel_free_during_send_sequence(void)
{
    int64_t v = 0;
    int rc;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *s = owned(body_sequence);
    sl_tasklet_setup(s, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0); /* s blocks sending 1 */
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    CHECK_EQ_INT(v, 1);
    /* s is runnable, between the values: balance 0 and nobody blocked */
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_tasklet_scheduled(s), 1);
    rc = sl_channel_free(ch);
    if (!CHECK_EQ_INT(rc, SL_EBUSY)) {
        printf("#   sl_channel_free let the channel go under a "
               "send_sequence\n");
        /* s would send on freed memory: drop it without running it */
        CHECK_EQ_INT(sl_tasklet_free(s), 0);
        test_runtime_free(rt);
        return;
    }
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    CHECK_EQ_INT(v, 2);
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    CHECK_EQ_INT(v, 3);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("seq3");
    CHECK_EQ_INT(sl_channel_free(ch), 0);
    sl_tasklet_free(s);
    test_runtime_free(rt);
}

/* ---- 6. a send_sequence abandoned by freeing its tasklet -------------- */

static void test_channel_free_after_send_sequence_dropped(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *s = owned(body_sequence);
    sl_tasklet_setup(s, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0); /* s blocks sending the first value */
    CHECK_EQ_INT(sl_channel_balance(ch), 1);
    CHECK_EQ_INT(sl_tasklet_free(s), 0); /* the sequence is abandoned */
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    if (!CHECK_EQ_INT(sl_channel_free(ch), 0))
        printf("#   the channel stays busy: %s\n", sl_error_detail(rt));
    test_runtime_free(rt);
}

/* ---- 7. select with a send and a receive case on one channel --------- */

static int body_select_both(void *arg)
{
    sl_case cs[2] = {{ch, SL_SEND, 7, }, {ch, SL_RECV, 0}};
    int idx = -2;
    int64_t v = 0;
    (void)arg;
    int rc = sl_select(rt, cs, 2, 1, &idx, &v);
    TRACE("sel%d/%d/%d", rc, idx, (int)v);
    return 0;
}

/* A channel's queue holds waiters of one direction only, so such a select
   is refused with SL_EINVAL (it used to queue both proxies and break the
   balance); nothing is left queued and the channel can be freed. */
static void test_select_send_and_receive_on_one_channel(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_tasklet *t = owned(body_select_both);
    sl_tasklet_setup(t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("sel-1/-2/0");
    CHECK_EQ_INT(sl_tasklet_alive(t), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK(sl_channel_queue(ch) == NULL);
    CHECK_EQ_INT(sl_channel_free(ch), 0);
    sl_tasklet_free(t);
    test_runtime_free(rt);
}

/* ---- 8. select state of a tasklet freed before it resumed -------------- */

static sl_channel *ch2;

static int body_select_wait(void *arg)
{
    sl_case cs[2] = {{ch, SL_RECV, 0}, {ch2, SL_SEND, 7}};
    int idx = -2;
    int64_t v = 0;
    (void)arg;
    TRACE("sel%d", sl_select(rt, cs, 2, 1, &idx, &v));
    return 0;
}

/* Two selecting tasklets: one is killed with pending=1, the other's
   select completes; both are freed before they run again, then the
   runtime (with a third, completed and not resumed) is freed. */
static void select_freed_before_resuming(void)
{
    rt = sl_runtime_new(NULL);
    ch = sl_channel_new(rt);
    ch2 = sl_channel_new(rt);
    sl_tasklet *a = sl_tasklet_new(rt, body_select_wait);
    sl_tasklet *b = sl_tasklet_new(rt, body_select_wait);
    sl_tasklet *c = sl_tasklet_new(rt, body_select_wait);
    sl_tasklet_setup(a, NULL);
    sl_tasklet_setup(b, NULL);
    sl_tasklet_setup(c, NULL);
    sl_run(rt, 0);                  /* all three wait */
    sl_tasklet_kill(a, 1);          /* interrupted, not resumed */
    sl_channel_set_preference(ch, 0);
    sl_channel_send(ch, 1);         /* b's select completes */
    sl_channel_send(ch, 2);         /* c's select completes */
    sl_tasklet_free(a);
    sl_tasklet_free(b);
    sl_runtime_free(rt);            /* with c */
}

#if defined(__EMSCRIPTEN__)
static void test_select_state_freed_with_tasklet(void)
{
    sl_runtime_free(test_runtime_new()); /* the backend's one-time state */
    size_t before = (size_t)(unsigned)mallinfo().uordblks;
    select_freed_before_resuming();
    size_t after = (size_t)(unsigned)mallinfo().uordblks;
    if (!CHECK_EQ_INT(after, before))
        printf("#   %zu bytes of select state leaked\n", after - before);
}
#endif

/* ---- 9. select state of a tasklet that died of SL_ESTACK in select ---- */

static int estack_phase;
static sl_tasklet *estack_t;

/* Recurse with 96 address-taken bytes per frame, then select. */
__attribute__((noinline)) static int dive_select(int depth)
{
    volatile char buf[96];
    memset((char *)buf, depth & 0x7f, sizeof buf);
    if (depth > 0)
        return dive_select(depth - 1) + (buf[5] != (char)(depth & 0x7f));
    sl_case cs[2] = {{ch, SL_RECV, 0}, {ch2, SL_RECV, 0}};
    int idx = -2;
    int64_t v = 0;
    return sl_select(rt, cs, 2, 1, &idx, &v);
}

/* phase 0: too deep to suspend in the select; 1: a select that completes;
   2: wait in a nested sl_run */
static int body_estack_select(void *arg)
{
    (void)arg;
    switch (estack_phase) {
    case 0: return dive_select(100);
    case 1: return dive_select(0);
    default: return sl_run(rt, 0);
    }
}

static int body_free_estack_t(void *arg)
{
    (void)arg;
    sl_tasklet_free(estack_t);
    estack_t = NULL;
    return 0;
}

/* The tasklet dies of SL_ESTACK in its select, then (phase) selects again
   or waits in sl_run and is freed there. */
static void estack_in_select(int phase)
{
    sl_config cfg = {0};
    cfg.save_limit = 4096;
    rt = sl_runtime_new(&cfg);
    ch = sl_channel_new(rt);
    ch2 = sl_channel_new(rt);
    estack_phase = 0;
    estack_t = sl_tasklet_new(rt, body_estack_select);
    sl_tasklet_setup(estack_t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), SL_ESTACK);
    CHECK_EQ_INT(sl_tasklet_alive(estack_t), 0);
    CHECK(sl_channel_queue(ch) == NULL && sl_channel_queue(ch2) == NULL);
    estack_phase = phase;
    sl_tasklet_setup(estack_t, NULL);
    if (phase == 1) {
        CHECK_EQ_INT(sl_run(rt, 0), 0); /* waits in the select again */
        CHECK_EQ_INT(sl_channel_send(ch2, 1), 0);
        CHECK_EQ_INT(sl_run(rt, 0), 0);
    } else {
        sl_spawn(rt, body_free_estack_t, NULL);
        CHECK_EQ_INT(sl_run(rt, 0), 0);
    }
    if (estack_t)
        sl_tasklet_free(estack_t);
    sl_runtime_free(rt);
}

#if defined(__EMSCRIPTEN__)
static void test_select_state_after_estack(void)
{
    sl_runtime_free(test_runtime_new()); /* the backend's one-time state */
    size_t before = (size_t)(unsigned)mallinfo().uordblks;
    estack_in_select(1);
    size_t after = (size_t)(unsigned)mallinfo().uordblks;
    if (!CHECK_EQ_INT(after, before))
        printf("#   %zu bytes of select state leaked\n", after - before);
}
#endif

/* ---- destructive cases, each in a child process (native) -------------- */

#if !defined(__EMSCRIPTEN__)

/* Run fn in a child; it passes when the child exits with 0 (the runtime
   survived and stayed consistent). A sanitizer report, an invariant
   failure or a segfault in the child fails the test. */
static void in_child(const char *what, int (*fn)(void))
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    if (!CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        if (WIFSIGNALED(status))
            printf("#   %s: the child died of signal %d\n", what,
                   WTERMSIG(status));
        else
            printf("#   %s: the child exited with %d\n", what,
                   WEXITSTATUS(status));
    }
}

/* After the scenario: consistent, and still working. */
static int survived(void)
{
    const sl_stats *st = sl_stats_get(rt);
    if (sl_run(rt, 0) < 0 && sl_run(rt, 0) < 0)
        return 3;
    if (st->runnable != 1 || st->blocked != 0)
        return 4;
    sl_tasklet *t = sl_spawn(rt, body_yield, NULL);
    if (!t || sl_run(rt, 0) != 0 || st->tasklets != 1)
        return 5;
    return sl_runtime_free(rt) == 0 ? 0 : 6;
}

static int cb_what;
static int cb_once;

static void next_changing_cb(sl_tasklet *prev, sl_tasklet *next, void *ud)
{
    (void)prev;
    (void)ud;
    if (cb_once++)
        return;
    switch (cb_what) {
    case 0: sl_tasklet_remove(next); break;
    case 1: sl_tasklet_free(next); break;
    case 2: sl_runtime_free(rt); break; /* prev is main here */
    }
}

static int scenario_schedule_cb(void)
{
    rt = sl_runtime_new(NULL);
    sl_tasklet *a = sl_tasklet_new(rt, body_yield);
    sl_tasklet_setup(a, NULL);
    cb_once = 0;
    sl_set_schedule_callback(rt, next_changing_cb, NULL);
    sl_run(rt, 0);
    sl_set_schedule_callback(rt, NULL, NULL);
    return survived();
}

static void test_schedule_cb_remove_next(void)
{
    cb_what = 0;
    in_child("sl_tasklet_remove(next) in a schedule callback",
             scenario_schedule_cb);
}

static void test_schedule_cb_free_next(void)
{
    cb_what = 1;
    in_child("sl_tasklet_free(next) in a schedule callback",
             scenario_schedule_cb);
}

static void test_schedule_cb_runtime_free(void)
{
    cb_what = 2;
    in_child("sl_runtime_free in a schedule callback", scenario_schedule_cb);
}

static sl_tasklet *partner;

static int body_recv(void *arg)
{
    int64_t v;
    (void)arg;
    TRACE("r%d", sl_channel_receive(ch, &v));
    return 0;
}

static void partner_changing_cb(sl_channel *c, sl_tasklet *t, int sending,
                                int willblock, void *ud)
{
    (void)c;
    (void)t;
    (void)sending;
    (void)willblock;
    (void)ud;
    if (cb_once++)
        return;
    switch (cb_what) {
    case 0: sl_tasklet_kill(partner, 1); break;
    case 1: sl_tasklet_kill(partner, 0); break;
    case 2: sl_tasklet_free(partner); partner = NULL; break;
    }
}

static int scenario_channel_cb(void)
{
    rt = sl_runtime_new(NULL);
    ch = sl_channel_new(rt);
    partner = sl_tasklet_new(rt, body_recv);
    sl_tasklet_setup(partner, NULL);
    sl_run(rt, 0); /* the partner blocks receiving */
    cb_once = 0;
    sl_set_channel_callback(rt, partner_changing_cb, NULL);
    sl_channel_send(ch, 5); /* the partner is picked, then the callback */
    sl_set_channel_callback(rt, NULL, NULL);
    if (sl_channel_balance(ch) != 0)
        return 7;
    return survived();
}

static void test_channel_cb_kill_partner_pending(void)
{
    cb_what = 0;
    in_child("sl_tasklet_kill(partner, 1) in a channel callback",
             scenario_channel_cb);
}

static void test_channel_cb_kill_partner(void)
{
    cb_what = 1;
    in_child("sl_tasklet_kill(partner, 0) in a channel callback",
             scenario_channel_cb);
}

static void test_channel_cb_free_partner(void)
{
    cb_what = 2;
    in_child("sl_tasklet_free(partner) in a channel callback",
             scenario_channel_cb);
}

static sl_tasklet *watchdog;

static int body_budget_run(void *arg)
{
    (void)arg;
    TRACE("w%d", sl_run(rt, 1));
    return 0;
}

static int body_insert_watchdog(void *arg)
{
    (void)arg;
    sl_tasklet_insert(watchdog); /* woken by hand, still in sl_run */
    sl_schedule(rt, 0, NULL);    /* the budget's one switch */
    return 0;
}

/* watchdog runs with a budget of one switch; x inserts it, then two more
   switches happen before the watchdog's turn. */
static int scenario_budget_watchdog_inserted(void)
{
    rt = sl_runtime_new(NULL);
    watchdog = sl_tasklet_new(rt, body_budget_run);
    sl_tasklet_setup(watchdog, NULL);
    sl_spawn(rt, body_insert_watchdog, NULL);
    sl_spawn(rt, body_yield, NULL);
    sl_spawn(rt, body_yield, NULL);
    sl_run(rt, 0);
    if (sl_tasklet_alive(watchdog))
        return 8;
    sl_tasklet_free(watchdog);
    return survived();
}

static void test_budget_watchdog_inserted_by_hand(void)
{
    in_child("sl_tasklet_insert of a tasklet in a budgeted sl_run",
             scenario_budget_watchdog_inserted);
}

static int body_send5(void *arg)
{
    (void)arg;
    TRACE("s%d", sl_channel_send(ch, 5));
    return 0;
}

static int body_die(void *arg)
{
    (void)arg;
    return SL_EUSER;
}

static void scheduling_cb(sl_channel *c, sl_tasklet *t, int sending,
                          int willblock, void *ud)
{
    (void)c;
    (void)t;
    (void)willblock;
    (void)ud;
    if (!sending || cb_once++)
        return;
    sl_schedule(rt, 0, NULL); /* body_die runs and dies */
}

/* main waits receiving; a tasklet sends (main is picked as the partner)
   and its channel callback yields to a tasklet that dies of an error,
   which goes to main. */
static int scenario_channel_cb_schedule(void)
{
    int64_t v = 0;
    rt = sl_runtime_new(NULL);
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_send5, NULL);
    sl_spawn(rt, body_die, NULL);
    cb_once = 0;
    sl_set_channel_callback(rt, scheduling_cb, NULL);
    sl_channel_receive(ch, &v);
    sl_run(rt, 0);
    sl_set_channel_callback(rt, NULL, NULL);
    if (sl_channel_balance(ch) != 0)
        return 7;
    return survived();
}

static void test_channel_cb_schedule(void)
{
    in_child("sl_schedule in a channel callback", scenario_channel_cb_schedule);
}

/* select on one channel both ways, the channel freed under it, then the
   select cancelled. */
static int scenario_select_channel_freed(void)
{
    rt = sl_runtime_new(NULL);
    ch = sl_channel_new(rt);
    sl_tasklet *t = sl_tasklet_new(rt, body_select_both);
    sl_tasklet_setup(t, NULL);
    sl_run(rt, 0);
    if (sl_channel_free(ch) == 0)
        ch = NULL;
    sl_tasklet_kill(t, 0);
    sl_tasklet_free(t);
    if (ch)
        sl_channel_free(ch);
    return survived();
}

static void test_select_channel_freed_under_it(void)
{
    in_child("sl_channel_free under a select's two cases",
             scenario_select_channel_freed);
}

static int scenario_estack_select_free_in_run(void)
{
    estack_in_select(2);
    return test_failures ? 10 : 0;
}

static void test_select_state_after_estack_freed_in_run(void)
{
    in_child("freeing, inside sl_run, a tasklet that died of SL_ESTACK in "
             "select", scenario_estack_select_free_in_run);
}

#if defined(__SANITIZE_ADDRESS__)
static int scenario_estack_select_again(void)
{
    estack_in_select(1);
    if (test_failures)
        return 10;
    return __lsan_do_recoverable_leak_check() ? 9 : 0;
}

static void test_select_state_after_estack(void)
{
    in_child("a new select after dying of SL_ESTACK in one",
             scenario_estack_select_again);
}

static int scenario_select_leak(void)
{
    select_freed_before_resuming();
    return __lsan_do_recoverable_leak_check() ? 9 : 0;
}

static void test_select_state_freed_with_tasklet(void)
{
    in_child("select state of tasklets freed before resuming",
             scenario_select_leak);
}
#endif

#endif /* !__EMSCRIPTEN__ */

int main(void)
{
    RUN_TEST(test_schedule_cb_refuses_queue_changes);
    RUN_TEST(test_channel_free_during_send_sequence);
    RUN_TEST(test_channel_free_after_send_sequence_dropped);
    RUN_TEST(test_select_send_and_receive_on_one_channel);
#if defined(__EMSCRIPTEN__) || defined(__SANITIZE_ADDRESS__)
    RUN_TEST(test_select_state_freed_with_tasklet);
    RUN_TEST(test_select_state_after_estack);
#endif
#if !defined(__EMSCRIPTEN__)
    RUN_TEST(test_schedule_cb_remove_next);
    RUN_TEST(test_schedule_cb_free_next);
    RUN_TEST(test_schedule_cb_runtime_free);
    RUN_TEST(test_channel_cb_kill_partner_pending);
    RUN_TEST(test_channel_cb_kill_partner);
    RUN_TEST(test_channel_cb_free_partner);
    RUN_TEST(test_budget_watchdog_inserted_by_hand);
    RUN_TEST(test_channel_cb_schedule);
    RUN_TEST(test_select_channel_freed_under_it);
    RUN_TEST(test_select_state_after_estack_freed_in_run);
#endif
    return test_summary();
}
