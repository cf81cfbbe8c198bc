/*
 * test_channels.c: rendezvous channels: FIFO queues and balance (R7),
 * preference and schedule_all (R8), blocking (R9), send_exception (R18),
 * send_sequence, close/open (R17), queue inspection, free.
 * Rules: STACKLESS.md §3.
 */
#include "test.h"

static sl_runtime *rt;
static sl_channel *ch;

static int body_trace(void *arg)
{
    TRACE("%s", (const char *)arg);
    return 0;
}

/* "b<i>", receive, "r<i>=<v>" */
static int body_receiver(void *arg)
{
    int i = (int)(intptr_t)arg;
    int64_t v = -1;
    int rc;
    TRACE("b%d", i);
    rc = sl_channel_receive(ch, &v);
    CHECK_EQ_INT(rc, 0);
    TRACE("r%d=%lld", i, (long long)v);
    return 0;
}

/* "s<i>", send 100+i, "d<i>" */
static int body_sender(void *arg)
{
    int i = (int)(intptr_t)arg;
    TRACE("s%d", i);
    CHECK_EQ_INT(sl_channel_send(ch, 100 + i), 0);
    TRACE("d%d", i);
    return 0;
}

static void test_new_channel_defaults(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_channel *c2 = sl_channel_new(rt);
    CHECK(ch != NULL && c2 != NULL);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_channel_preference(ch), -1);
    CHECK_EQ_INT(sl_channel_schedule_all(ch), 0);
    CHECK_EQ_INT(sl_channel_closing(ch), 0);
    CHECK_EQ_INT(sl_channel_closed(ch), 0);
    CHECK_PTR(sl_channel_queue(ch), NULL);
    CHECK_PTR(sl_channel_queue_at(ch, 0), NULL);
    CHECK_PTR(sl_channel_runtime(ch), rt);
    CHECK(sl_channel_id(ch) != sl_channel_id(c2));
    CHECK_EQ_INT(sl_stats_get(rt)->channels, 2);
    CHECK_EQ_INT(sl_channel_free(c2), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->channels, 1);
    CHECK_EQ_INT(sl_channel_free(ch), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->channels, 0);
    test_runtime_free(rt);
}

/* R7: blocked receivers are released in blocking order. */
static void test_receivers_fifo(void)
{
    sl_tasklet *r[3];
    int i;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    for (i = 0; i < 3; i++)
        r[i] = sl_spawn(rt, body_receiver, (void *)(intptr_t)i);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("b0 b1 b2");
    CHECK_EQ_INT(sl_channel_balance(ch), -3);
    CHECK_EQ_INT(sl_stats_get(rt)->blocked, 3);
    CHECK_PTR(sl_channel_queue(ch), r[0]);
    CHECK_PTR(sl_channel_queue_at(ch, 0), r[0]);
    CHECK_PTR(sl_channel_queue_at(ch, 1), r[1]);
    CHECK_PTR(sl_channel_queue_at(ch, 2), r[2]);
    CHECK_PTR(sl_channel_queue_at(ch, 3), NULL);
    CHECK_PTR(sl_channel_queue_at(ch, -1), NULL);
    for (i = 0; i < 3; i++) {
        CHECK_EQ_INT(sl_tasklet_blocked(r[i]), 1);
        CHECK_EQ_INT(sl_tasklet_scheduled(r[i]), 1);
        CHECK_EQ_INT(sl_tasklet_paused(r[i]), 0);
        CHECK_PTR(sl_tasklet_channel(r[i]), ch);
    }
    CHECK_EQ_INT(sl_channel_send(ch, 10), 0);
    CHECK_TRACE("b0 b1 b2 r0=10");
    CHECK_EQ_INT(sl_channel_balance(ch), -2);
    CHECK_PTR(sl_channel_queue(ch), r[1]);
    CHECK_PTR(sl_channel_queue_at(ch, 1), r[2]);
    CHECK_EQ_INT(sl_channel_send(ch, 11), 0);
    CHECK_TRACE("b0 b1 b2 r0=10 r1=11");
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    CHECK_PTR(sl_channel_queue(ch), r[2]);
    CHECK_EQ_INT(sl_channel_send(ch, 12), 0);
    CHECK_TRACE("b0 b1 b2 r0=10 r1=11 r2=12");
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_PTR(sl_channel_queue(ch), NULL);
    CHECK_EQ_INT(sl_stats_get(rt)->blocked, 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    test_runtime_free(rt);
}

/* R7: blocked senders are taken in blocking order; with the default
   preference the receiver (main) continues and the senders are queued. */
static void test_senders_fifo(void)
{
    sl_tasklet *s[3];
    int64_t v;
    int i;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    for (i = 0; i < 3; i++)
        s[i] = sl_spawn(rt, body_sender, (void *)(intptr_t)i);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("s0 s1 s2");
    CHECK_EQ_INT(sl_channel_balance(ch), 3);
    CHECK_PTR(sl_channel_queue_at(ch, 0), s[0]);
    CHECK_PTR(sl_channel_queue_at(ch, 1), s[1]);
    CHECK_PTR(sl_channel_queue_at(ch, 2), s[2]);
    for (i = 0; i < 3; i++) {
        v = -1;
        CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
        CHECK_EQ_INT(v, 100 + i);
        CHECK_EQ_INT(sl_channel_balance(ch), 2 - i);
        /* the sender is runnable again, not blocked */
        CHECK_EQ_INT(sl_tasklet_blocked(s[i]), 0);
        CHECK_EQ_INT(sl_tasklet_scheduled(s[i]), 1);
        CHECK_PTR(sl_tasklet_channel(s[i]), NULL);
    }
    CHECK_TRACE("s0 s1 s2"); /* main kept running */
    CHECK_EQ_INT(sl_runcount(rt), 4);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("s0 s1 s2 d0 d1 d2");
    test_runtime_free(rt);
}

/* 20 numbers in a fixed shuffled order. */
static int shuffled(int i) { return (i * 7 + 3) % 20; }

static int body_send_counter(void *arg)
{
    int n = (int)(intptr_t)arg, i;
    for (i = 0; i < n; i++)
        CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_channel_send(ch, n), 0);
    return 0;
}

/* PYPY test_send_counter. */
static void test_send_counter(void)
{
    int i, n = 0;
    int64_t v;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    for (i = 0; i < 20; i++)
        sl_spawn(rt, body_send_counter, (void *)(intptr_t)shuffled(i));
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 20);
    while (sl_channel_balance(ch) > 0 && n < 30) {
        v = -1;
        CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
        TRACE("%lld", (long long)v);
        n++;
    }
    CHECK_TRACE("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    test_runtime_free(rt);
}

static int body_receive_counter(void *arg)
{
    int n = (int)(intptr_t)arg, i;
    for (i = 0; i < n; i++)
        CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_channel_receive(ch, NULL), 0);
    TRACE("%d", n);
    return 0;
}

/* PYPY test_receive_counter. */
static void test_receive_counter(void)
{
    int i, n = 0;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    for (i = 0; i < 20; i++)
        sl_spawn(rt, body_receive_counter, (void *)(intptr_t)shuffled(i));
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), -20);
    CHECK_TRACE("");
    while (sl_channel_balance(ch) < 0 && n++ < 30)
        CHECK_EQ_INT(sl_channel_send(ch, 0), 0);
    CHECK_TRACE("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19");
    test_runtime_free(rt);
}

/* PYPY test_with_channel: producer records "s<i>" before each send,
   consumer "r<v>" after each receive; both spawned; main runs. */
static int body_producer(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < 10; i++) {
        TRACE("s%d", i);
        CHECK_EQ_INT(sl_channel_send(ch, i), 0);
    }
    CHECK_EQ_INT(sl_channel_send(ch, -1), 0);
    return 0;
}

static int body_consumer(void *arg)
{
    int k;
    int64_t v;
    (void)arg;
    for (k = 0; k < 20; k++) {
        v = -2;
        CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
        if (v == -1)
            break;
        TRACE("r%lld", (long long)v);
    }
    return 0;
}

static void with_channel(int pref, const char *expected)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    CHECK_EQ_INT(sl_channel_set_preference(ch, pref), 0);
    CHECK_EQ_INT(sl_channel_preference(ch), pref);
    sl_spawn(rt, body_producer, NULL);
    sl_spawn(rt, body_consumer, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE(expected);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    test_runtime_free(rt);
}

/* R8 traces. */
static void test_with_channel_pref_m1(void)
{
    with_channel(-1, "s0 r0 s1 r1 s2 r2 s3 r3 s4 r4 s5 r5 s6 r6 s7 r7 "
                     "s8 r8 s9 r9");
}

static void test_with_channel_pref_0(void)
{
    with_channel(0, "s0 r0 s1 s2 r1 r2 s3 s4 r3 r4 s5 s6 r5 r6 s7 s8 r7 r8 "
                    "s9 r9");
}

static void test_with_channel_pref_1(void)
{
    with_channel(1, "s0 s1 r0 s2 r1 s3 r2 s4 r3 s5 r4 s6 r5 s7 r6 s8 r7 "
                    "s9 r8 r9");
}

static int body_recv_r(void *arg)
{
    int64_t v = -1;
    (void)arg;
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    TRACE("r%lld", (long long)v);
    return 0;
}

/* R8 table for send: a receiver R is blocked, X is runnable; main sends.
   mode: -1/0/1 preference, 2 schedule_all. */
static void send_case(int mode, const char *expected)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_r, NULL);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0); /* R blocks */
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    sl_spawn(rt, body_trace, "x");
    if (mode == 2)
        CHECK_EQ_INT(sl_channel_set_schedule_all(ch, 1), 0);
    else
        CHECK_EQ_INT(sl_channel_set_preference(ch, mode), 0);
    CHECK_EQ_INT(sl_channel_send(ch, 5), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE(expected);
    test_runtime_free(rt);
}

static void test_send_pref_m1_receiver_runs_now(void) { send_case(-1, "r5 x m"); }
static void test_send_pref_0_sender_continues(void) { send_case(0, "m x r5"); }
static void test_send_pref_1_sender_continues(void) { send_case(1, "m x r5"); }
static void test_send_schedule_all(void) { send_case(2, "x r5 m"); }

static int body_send_s(void *arg)
{
    (void)arg;
    CHECK_EQ_INT(sl_channel_send(ch, 6), 0);
    TRACE("s");
    return 0;
}

/* R8 table for receive: a sender S is blocked, X runnable; main receives. */
static void receive_case(int mode, const char *expected)
{
    int64_t v = -1;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_send_s, NULL);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0); /* S blocks */
    CHECK_EQ_INT(sl_channel_balance(ch), 1);
    sl_spawn(rt, body_trace, "x");
    if (mode == 2)
        CHECK_EQ_INT(sl_channel_set_schedule_all(ch, 1), 0);
    else
        CHECK_EQ_INT(sl_channel_set_preference(ch, mode), 0);
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    CHECK_EQ_INT(v, 6);
    TRACE("m");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE(expected);
    test_runtime_free(rt);
}

static void test_receive_pref_m1_receiver_continues(void) { receive_case(-1, "m x s"); }
static void test_receive_pref_0_receiver_continues(void) { receive_case(0, "m x s"); }
static void test_receive_pref_1_sender_runs_now(void) { receive_case(1, "s x m"); }
static void test_receive_schedule_all(void) { receive_case(2, "x s m"); }

/* schedule_all over a producer/consumer pair: strict alternation. */
static void test_schedule_all_with_channel(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    CHECK_EQ_INT(sl_channel_set_schedule_all(ch, 1), 0);
    CHECK_EQ_INT(sl_channel_schedule_all(ch), 1);
    sl_spawn(rt, body_producer, NULL);
    sl_spawn(rt, body_consumer, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    /* s0 blocks; the consumer takes 0 and both requeue (producer first):
       the producer runs s1 and blocks, then the consumer records r0 ... */
    CHECK_TRACE("s0 s1 r0 s2 r1 s3 r2 s4 r3 s5 r4 s6 r5 s7 r6 s8 r7 "
                "s9 r8 r9");
    CHECK_EQ_INT(sl_channel_set_schedule_all(ch, 0), 0);
    CHECK_EQ_INT(sl_channel_schedule_all(ch), 0);
    test_runtime_free(rt);
}

static int body_recv_exc(void *arg)
{
    int64_t v = -1;
    int rc;
    (void)arg;
    TRACE("r<");
    rc = sl_channel_receive(ch, &v);
    TRACE("rc=%d:%lld", rc - SL_EUSER, (long long)sl_errval(rt));
    return 0;
}

/* R18: send_exception to a waiting receiver. */
static void test_send_exception_receiver_waits(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_exc, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    CHECK_EQ_INT(sl_channel_send_exception(ch, SL_EUSER - 3, 1234), 0);
    TRACE("m");
    CHECK_TRACE("r< rc=-3:1234 m");
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    test_runtime_free(rt);
}

static int body_send_exc(void *arg)
{
    int rc;
    (void)arg;
    TRACE("s>");
    rc = sl_channel_send_exception(ch, SL_EUSER - 4, 555);
    TRACE("s:%d", rc);
    return 0;
}

/* R18: send_exception from a sender that waits for main's receive. */
static void test_send_exception_sender_waits(void)
{
    int64_t v = -1;
    int rc;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_send_exc, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 1);
    rc = sl_channel_receive(ch, &v);
    CHECK_EQ_INT(rc, SL_EUSER - 4);
    CHECK_EQ_INT(sl_errval(rt), 555);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    TRACE("m");
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("s> m s:0");
    /* the next plain receive works */
    sl_spawn(rt, body_send_s, NULL);
    v = -1;
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    CHECK_EQ_INT(v, 6);
    test_runtime_free(rt);
}

static int body_recv_exc_uncaught(void *arg)
{
    int rc;
    (void)arg;
    rc = sl_channel_receive(ch, NULL);
    TRACE("r%d", rc - SL_EUSER);
    sl_set_errval(rt, 4321);
    return rc; /* dies of it */
}

/* R18 + R11: the receiver does not handle the error: it reaches main's
   pending call (here the send_exception itself). */
static void test_send_exception_uncaught(void)
{
    int rc;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_exc_uncaught, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    rc = sl_channel_send_exception(ch, SL_EUSER - 3, 1);
    TRACE("m");
    CHECK_EQ_INT(rc, SL_EUSER - 3);
    CHECK_EQ_INT(sl_errval(rt), 4321);
    CHECK_TRACE("r-3 m");
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    test_runtime_free(rt);
}

static void test_send_exception_bad_code(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_r, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_send_exception(ch, 0, 1), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_send_exception(ch, 5, 1), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    CHECK_EQ_INT(sl_channel_send(ch, 8), 0);
    CHECK_TRACE("r8");
    test_runtime_free(rt);
}

static int body_recv_until_zero(void *arg)
{
    int64_t v = -1;
    int k;
    (void)arg;
    for (k = 0; k < 20; k++) {
        CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
        if (v == 0)
            break;
        TRACE("%lld", (long long)v);
    }
    return 0;
}

/* PYPY test_send_sequence. */
static void test_send_sequence_to_receiver(void)
{
    static const int64_t vals[] = {1, 2, 3, 4, 5, 6, 0};
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_until_zero, NULL);
    CHECK_EQ_INT(sl_channel_send_sequence(ch, vals, 7), 7);
    TRACE("m");
    CHECK_TRACE("1 2 3 4 5 6 m");
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    test_runtime_free(rt);
}

static int body_send_seq(void *arg)
{
    static const int64_t vals[] = {10, 20, 30, 40, 50};
    (void)arg;
    TRACE("n%d", sl_channel_send_sequence(ch, vals, 5));
    return 0;
}

static void test_send_sequence_from_tasklet(void)
{
    int i;
    int64_t v;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_send_seq, NULL);
    for (i = 0; i < 5; i++) {
        v = -1;
        CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
        TRACE("v%lld", (long long)v);
    }
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("v10 v20 v30 v40 v50 n5");
    /* an empty sequence completes at once */
    CHECK_EQ_INT(sl_channel_send_sequence(ch, NULL, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    test_runtime_free(rt);
}

static void test_preference_values(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    CHECK_EQ_INT(sl_channel_set_preference(ch, 0), 0);
    CHECK_EQ_INT(sl_channel_preference(ch), 0);
    CHECK_EQ_INT(sl_channel_set_preference(ch, 1), 0);
    CHECK_EQ_INT(sl_channel_preference(ch), 1);
    CHECK_EQ_INT(sl_channel_set_preference(ch, 2), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_set_preference(ch, -2), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_set_preference(ch, 5), SL_EINVAL);
    CHECK_EQ_INT(sl_channel_preference(ch), 1); /* unchanged */
    CHECK_EQ_INT(sl_channel_set_preference(ch, -1), 0);
    CHECK_EQ_INT(sl_channel_preference(ch), -1);
    test_runtime_free(rt);
}

static int body_recv_closed(void *arg)
{
    int rc;
    (void)arg;
    rc = sl_channel_receive(ch, NULL);
    TRACE("t%d", rc);
    return 0;
}

/* R17: close wakes nobody; an op that can complete succeeds; an op that
   would block fails with SL_ECLOSED; closed only once balance is 0. */
static void test_close_receivers(void)
{
    const sl_stats *st;
    double sw;
    rt = test_runtime_new();
    st = sl_stats_get(rt);
    ch = sl_channel_new(rt);
    CHECK_EQ_INT(sl_channel_close(ch), 0);
    CHECK_EQ_INT(sl_channel_closing(ch), 1);
    CHECK_EQ_INT(sl_channel_closed(ch), 1);
    CHECK_EQ_INT(sl_channel_open(ch), 0);
    CHECK_EQ_INT(sl_channel_closing(ch), 0);
    CHECK_EQ_INT(sl_channel_closed(ch), 0);

    sl_spawn(rt, body_receiver, (void *)(intptr_t)0);
    sl_spawn(rt, body_receiver, (void *)(intptr_t)1);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), -2);
    CHECK_EQ_INT(sl_channel_close(ch), 0);
    CHECK_EQ_INT(sl_channel_closing(ch), 1);
    CHECK_EQ_INT(sl_channel_closed(ch), 0);
    /* nobody woken */
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("b0 b1");
    CHECK_EQ_INT(sl_channel_balance(ch), -2);
    /* a partner waits: the send completes */
    CHECK_EQ_INT(sl_channel_send(ch, 7), 0);
    CHECK_EQ_INT(sl_channel_closed(ch), 0);
    CHECK_EQ_INT(sl_channel_send(ch, 8), 0);
    CHECK_TRACE("b0 b1 r0=7 r1=8");
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_channel_closed(ch), 1);
    /* would block: refused at once, without a switch */
    sw = st->switches;
    CHECK_EQ_INT(sl_channel_send(ch, 9), SL_ECLOSED);
    CHECK_EQ_INT(sl_channel_receive(ch, NULL), SL_ECLOSED);
    CHECK_EQ_INT(sl_channel_send_exception(ch, SL_EUSER, 0), SL_ECLOSED);
    CHECK(st->switches == sw);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_PTR(sl_current(rt), sl_main(rt));
    CHECK_EQ_INT(sl_tasklet_scheduled(sl_main(rt)), 1);
    /* the same for a tasklet */
    sl_spawn(rt, body_recv_closed, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("b0 b1 r0=7 r1=8 t-7");
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    /* open undoes close */
    CHECK_EQ_INT(sl_channel_open(ch), 0);
    CHECK_EQ_INT(sl_channel_closing(ch), 0);
    CHECK_EQ_INT(sl_channel_closed(ch), 0);
    sl_spawn(rt, body_receiver, (void *)(intptr_t)2);
    CHECK_EQ_INT(sl_channel_send(ch, 10), 0);
    CHECK_TRACE("b0 b1 r0=7 r1=8 t-7 b2 r2=10");
    test_runtime_free(rt);
}

static void test_close_senders(void)
{
    int64_t v;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_sender, (void *)(intptr_t)0);
    sl_spawn(rt, body_sender, (void *)(intptr_t)1);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_close(ch), 0);
    CHECK_EQ_INT(sl_channel_closed(ch), 0);
    v = -1;
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    CHECK_EQ_INT(v, 100);
    CHECK_EQ_INT(sl_channel_closed(ch), 0);
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    CHECK_EQ_INT(v, 101);
    CHECK_EQ_INT(sl_channel_closed(ch), 1);
    CHECK_EQ_INT(sl_channel_receive(ch, &v), SL_ECLOSED);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("s0 s1 d0 d1");
    test_runtime_free(rt);
}

/* A channel with blocked tasklets cannot be freed. */
static void test_channel_free_busy(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_receiver, (void *)(intptr_t)0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_free(ch), SL_EBUSY);
    CHECK_EQ_INT(sl_stats_get(rt)->channels, 1);
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    CHECK_EQ_INT(sl_channel_send(ch, 3), 0);
    CHECK_TRACE("b0 r0=3");
    CHECK_EQ_INT(sl_channel_free(ch), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->channels, 0);
    test_runtime_free(rt);
}

static sl_tasklet *woken_t;
static int body_check_woken(void *arg)
{
    int64_t v = -1;
    (void)arg;
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    CHECK_EQ_INT(sl_tasklet_woken_by(sl_current(rt)),
                 sl_tasklet_id(sl_main(rt)));
    CHECK_PTR(sl_tasklet_channel(sl_current(rt)), NULL);
    CHECK_EQ_INT(sl_tasklet_blocked(sl_current(rt)), 0);
    TRACE("w%lld", (long long)v);
    return 0;
}

static void test_blocked_state_and_woken_by(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    woken_t = sl_tasklet_new(rt, body_check_woken);
    CHECK_EQ_INT(sl_tasklet_woken_by(woken_t), 0);
    sl_tasklet_setup(woken_t, NULL);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_tasklet_alive(woken_t), 1);
    CHECK_EQ_INT(sl_tasklet_blocked(woken_t), 1);
    CHECK_EQ_INT(sl_tasklet_scheduled(woken_t), 1);
    CHECK_EQ_INT(sl_tasklet_paused(woken_t), 0);
    CHECK_EQ_INT(sl_tasklet_is_current(woken_t), 0);
    CHECK_PTR(sl_tasklet_channel(woken_t), ch);
    CHECK_EQ_INT(sl_stats_get(rt)->blocked, 1);
    CHECK_EQ_INT(sl_stats_get(rt)->runnable, 1);
    CHECK_EQ_INT(sl_channel_send(ch, 77), 0);
    CHECK_TRACE("w77");
    CHECK_EQ_INT(sl_tasklet_woken_by(woken_t), sl_tasklet_id(sl_main(rt)));
    CHECK_EQ_INT(sl_tasklet_alive(woken_t), 0);
    sl_tasklet_free(woken_t);
    test_runtime_free(rt);
}

static int body_send_then_more(void *arg)
{
    (void)arg;
    TRACE("s");
    CHECK_EQ_INT(sl_channel_send(ch, 5), 0);
    TRACE("s2");
    return 0;
}

/* Main blocking on receive runs the others until it can continue. */
static void test_main_blocks_on_receive(void)
{
    int64_t v = -1;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_send_then_more, NULL);
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    TRACE("m%lld", (long long)v);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("s m5 s2");
    test_runtime_free(rt);
}

static int body_recv_then_more(void *arg)
{
    int64_t v = -1;
    (void)arg;
    TRACE("r");
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    TRACE("r%lld", (long long)v);
    return 0;
}

/* Main blocking on send: main blocks; the receiver takes the value and
   continues (pref -1 on receive), main is appended behind x. */
static void test_main_blocks_on_send(void)
{
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_then_more, NULL);
    sl_spawn(rt, body_trace, "x");
    CHECK_EQ_INT(sl_channel_send(ch, 4), 0);
    TRACE("m");
    CHECK_TRACE("r r4 x m");
    test_runtime_free(rt);
}

static sl_channel *pp_a, *pp_b;
static int body_pong(void *arg)
{
    int i;
    int64_t v;
    (void)arg;
    for (i = 0; i < 1000; i++) {
        v = -1;
        if (sl_channel_receive(pp_a, &v) != 0)
            return 0;
        if (sl_channel_send(pp_b, v + 1) != 0)
            return 0;
    }
    return 0;
}

/* W1-style ping-pong, value checked at every step. */
static void test_pingpong(void)
{
    int i, bad = 0;
    int64_t v = 0;
    rt = test_runtime_new();
    pp_a = sl_channel_new(rt);
    pp_b = sl_channel_new(rt);
    sl_spawn(rt, body_pong, NULL);
    for (i = 0; i < 1000; i++) {
        int64_t r = -1;
        if (sl_channel_send(pp_a, v) != 0)
            bad++;
        if (sl_channel_receive(pp_b, &r) != 0)
            bad++;
        if (r != v + 1)
            bad++;
        v = r + 1;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(v, 2000);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_stats_get(rt)->tasklets, 1);
    CHECK(sl_stats_get(rt)->channel_ops >= 2000);
    test_runtime_free(rt);
}

/* PYPY test_nested_pipe. */
struct pipe_args {
    sl_channel *x, *y;
};

static int body_pipe(void *arg)
{
    struct pipe_args a = *(struct pipe_args *)arg;
    int64_t foo = -1;
    CHECK_EQ_INT(sl_channel_receive(a.x, &foo), 0);
    CHECK_EQ_INT(sl_channel_send(a.y, foo), 0);
    return 0;
}

static int body_nest(void *arg)
{
    struct pipe_args a = *(struct pipe_args *)arg;
    struct pipe_args inner;
    int64_t xv = -1, yv = -1;
    inner.x = sl_channel_new(rt);
    inner.y = sl_channel_new(rt);
    sl_spawn(rt, body_pipe, &inner);
    CHECK_EQ_INT(sl_channel_receive(a.x, &xv), 0);
    CHECK_EQ_INT(sl_channel_send(inner.x, xv), 0);
    CHECK_EQ_INT(sl_channel_receive(inner.y, &yv), 0);
    CHECK_EQ_INT(sl_channel_send(a.y, yv), 0);
    return 0;
}

static void test_nested_pipe(void)
{
    struct pipe_args a;
    int64_t res = -1;
    rt = test_runtime_new();
    a.x = sl_channel_new(rt);
    a.y = sl_channel_new(rt);
    sl_spawn(rt, body_nest, &a);
    CHECK_EQ_INT(sl_channel_send(a.x, 13), 0);
    CHECK_EQ_INT(sl_channel_receive(a.y, &res), 0);
    CHECK_EQ_INT(res, 13);
    test_runtime_free(rt);
}

/* PYPY test_wait_two; a (which, value) pair is sent as which*1000+value. */
struct sleep_args {
    sl_channel *in, *barrier;
    int which;
};
struct wait_args {
    sl_channel *x, *y, *ret;
};

static int body_sleep(void *arg)
{
    struct sleep_args a = *(struct sleep_args *)arg;
    int64_t v = -1;
    CHECK_EQ_INT(sl_channel_receive(a.in, &v), 0);
    CHECK_EQ_INT(sl_channel_send(a.barrier, a.which * 1000 + v), 0);
    return 0;
}

static int body_wait_two(void *arg)
{
    struct wait_args a = *(struct wait_args *)arg;
    struct sleep_args sx, sy;
    sl_channel *barrier = sl_channel_new(rt);
    int64_t r = -1;
    sx.in = a.x;
    sx.barrier = barrier;
    sx.which = 1;
    sy.in = a.y;
    sy.barrier = barrier;
    sy.which = 2;
    sl_spawn(rt, body_sleep, &sx);
    sl_spawn(rt, body_sleep, &sy);
    CHECK_EQ_INT(sl_channel_receive(barrier, &r), 0);
    CHECK_EQ_INT(sl_channel_send(a.ret, r), 0);
    return 0;
}

static void test_wait_two(void)
{
    struct wait_args a;
    int64_t value = -1;
    rt = test_runtime_new();
    a.x = sl_channel_new(rt);
    a.y = sl_channel_new(rt);
    a.ret = sl_channel_new(rt);
    sl_spawn(rt, body_wait_two, &a);
    CHECK_EQ_INT(sl_channel_send(a.y, 42), 0);
    CHECK_EQ_INT(sl_channel_send(a.x, 42), 0);
    CHECK_EQ_INT(sl_channel_receive(a.ret, &value), 0);
    CHECK_EQ_INT(value, 2042);
    test_runtime_free(rt);
}

/* PYPY test_balance_send / test_balance_recv / test_simple_pipe. */
static void test_balance_and_simple_pipe(void)
{
    struct pipe_args a;
    int64_t v = -1;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_sender, (void *)(intptr_t)0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 1);
    CHECK_EQ_INT(sl_channel_receive(ch, NULL), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    sl_spawn(rt, body_receiver, (void *)(intptr_t)0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), -1);
    CHECK_EQ_INT(sl_channel_send(ch, 1), 0);
    CHECK_EQ_INT(sl_channel_balance(ch), 0);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_TRACE("s0 d0 b0 r0=1");

    a.x = sl_channel_new(rt);
    a.y = sl_channel_new(rt);
    sl_spawn(rt, body_pipe, &a);
    CHECK_EQ_INT(sl_run(rt, 0), 0);
    CHECK_EQ_INT(sl_channel_send(a.x, 42), 0);
    CHECK_EQ_INT(sl_channel_receive(a.y, &v), 0);
    CHECK_EQ_INT(v, 42);
    test_runtime_free(rt);
}

/* Values are full 64-bit. */
static void test_values_64bit(void)
{
    int64_t v = 0;
    rt = test_runtime_new();
    ch = sl_channel_new(rt);
    sl_spawn(rt, body_recv_r, NULL);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_channel_send(ch, INT64_MIN), 0);
    CHECK_TRACE("r-9223372036854775808");
    sl_spawn(rt, body_send_s, NULL);
    CHECK_EQ_INT(sl_schedule(rt, 0, NULL), 0);
    CHECK_EQ_INT(sl_channel_receive(ch, &v), 0);
    CHECK_EQ_INT(v, 6);
    test_runtime_free(rt);
}

int main(void)
{
    RUN_TEST(test_new_channel_defaults);
    RUN_TEST(test_receivers_fifo);
    RUN_TEST(test_senders_fifo);
    RUN_TEST(test_send_counter);
    RUN_TEST(test_receive_counter);
    RUN_TEST(test_with_channel_pref_m1);
    RUN_TEST(test_with_channel_pref_0);
    RUN_TEST(test_with_channel_pref_1);
    RUN_TEST(test_send_pref_m1_receiver_runs_now);
    RUN_TEST(test_send_pref_0_sender_continues);
    RUN_TEST(test_send_pref_1_sender_continues);
    RUN_TEST(test_send_schedule_all);
    RUN_TEST(test_receive_pref_m1_receiver_continues);
    RUN_TEST(test_receive_pref_0_receiver_continues);
    RUN_TEST(test_receive_pref_1_sender_runs_now);
    RUN_TEST(test_receive_schedule_all);
    RUN_TEST(test_schedule_all_with_channel);
    RUN_TEST(test_send_exception_receiver_waits);
    RUN_TEST(test_send_exception_sender_waits);
    RUN_TEST(test_send_exception_uncaught);
    RUN_TEST(test_send_exception_bad_code);
    RUN_TEST(test_send_sequence_to_receiver);
    RUN_TEST(test_send_sequence_from_tasklet);
    RUN_TEST(test_preference_values);
    RUN_TEST(test_close_receivers);
    RUN_TEST(test_close_senders);
    RUN_TEST(test_channel_free_busy);
    RUN_TEST(test_blocked_state_and_woken_by);
    RUN_TEST(test_main_blocks_on_receive);
    RUN_TEST(test_main_blocks_on_send);
    RUN_TEST(test_pingpong);
    RUN_TEST(test_nested_pipe);
    RUN_TEST(test_wait_two);
    RUN_TEST(test_balance_and_simple_pipe);
    RUN_TEST(test_values_64bit);
    return test_summary();
}
