/*
 * fuzz_ops.c: a libFuzzer target over the C API (native backend, ASan,
 * UBSan, LeakSanitizer, the core's SL_DEBUG invariants).
 *
 * The input is a sequence of operations on one runtime and sometimes a
 * second one. Main executes them one by one; a tasklet body is the same
 * small interpreter, reading its own script (bytes cut out of the input
 * when the tasklet is created). After every operation the state is checked
 * through the public API only: channel balances against their queues,
 * run/blocked/alive counts against sl_stats and sl_dump, the queries of
 * every known tasklet against its dump line, error codes against the enum.
 *
 * Layout: byte 0 holds flags (a second runtime; small save limits);
 * then operations. An operation is one opcode byte (low 5 bits: the
 * operation; bit 7: main picks the second runtime, a tasklet targets the
 * other runtime's objects) followed by its argument bytes. A missing byte
 * reads as 0. Nothing loops: every body runs a bounded script and all
 * tasklet operations of one input share one budget, so that every input
 * ends; main's blocking calls come back with SL_EDEADLOCK at worst.
 *
 * Handles are never used after the runtime may have freed them: a
 * detached tasklet clears its slot as its body returns, and one that could
 * die without entering its body (detached, not started, and thrown to) is
 * "forgotten": its slot is retired and its body, should it start, returns
 * at once.
 *
 * FUZZ_AVOID_KNOWN (a bit mask) steers clear of a bug not fixed yet, so
 * that the rest can be explored meanwhile; every bit is free now (the bugs
 * it served for are fixed, reproducers in tests/c/test_fuzz_regressions.c).
 * Bit 3 still leaves out a blocking select deep inside a tasklet of a
 * runtime with a small save limit (it used to keep its select state when
 * it died of SL_ESTACK).
 */
#include "stackless.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_AVOID_KNOWN
#define FUZZ_AVOID_KNOWN 0
#endif

#define NRT 2             /* runtimes */
#define MAXT 16           /* tasklet slots per runtime */
#define MAXC 4            /* channel slots per runtime */
#define SCRIPT_MAX 48     /* bytes of one tasklet's script */
#define MAX_MAIN_OPS 600  /* operations main executes */
#define TASKLET_BUDGET 4000 /* tasklet operations per input, all tasklets */
#define MAX_DEPTH 40      /* recursion frames of RECURSE */
#define FRAME_BYTES 2048  /* address-taken bytes per recursion frame */
#define SMALL_LIMIT (64u * 1024u) /* a small save_limit: deep tasklets die */
#define TAG 0x5EEDll      /* high 32 bits of every value sent */
#define NVALUES 65536     /* values tracked for loss and duplication */
#define MAX_TIMED 12      /* sleeps and select timeouts per input */

/* ---------------------------------------------------------------------- */
/* Failure                                                                 */
/* ---------------------------------------------------------------------- */

#define FAIL(...)                                                             \
    do {                                                                      \
        fprintf(stderr, "fuzz_ops: %s:%d: ", __FILE__, __LINE__);             \
        fprintf(stderr, __VA_ARGS__);                                         \
        fprintf(stderr, "\n");                                                \
        abort();                                                              \
    } while (0)
#define ASSERT(c)                                                             \
    do {                                                                      \
        if (!(c)) FAIL("assertion failed: %s", #c);                           \
    } while (0)
#define ASSERT_EQ(a, b)                                                       \
    do {                                                                      \
        long long a_ = (long long)(a), b_ = (long long)(b);                   \
        if (a_ != b_) FAIL("%s == %lld, expected %s == %lld", #a, a_, #b, b_);\
    } while (0)

/* Every code a call may return natively: counts, the enum (SL_EPENDING,
   SL_EJS and SL_ECRASHED belong to wasm) and the user codes this target
   uses. */
static int code_ok(int rc) {
    if (rc >= 0) return 1;
    if (rc >= SL_EFOREIGN - 1 /* SL_ERECURSIVE */) return 1;
    if (rc == SL_EUNBOUND || rc == SL_EALIVE || rc == SL_EBUSY) return 1;
    if (rc == SL_ETIMEOUT) return 1;
    return rc <= SL_EUSER && rc > SL_EUSER - 16;
}
/* FUZZ_TRACE=1 in the environment prints every operation and result. */
static int tracing = -1;
#define TRACEF(...)                                                           \
    do {                                                                      \
        if (tracing < 0) tracing = getenv("FUZZ_TRACE") != NULL;              \
        if (tracing) fprintf(stderr, __VA_ARGS__);                            \
    } while (0)

#define RC(expr)                                                              \
    ({                                                                        \
        int rc_ = (expr);                                                     \
        TRACEF("    %s -> %d\n", #expr, rc_);                                 \
        if (!code_ok(rc_)) FAIL("%s returned %d (not a valid code)", #expr,   \
                                rc_);                                         \
        rc_;                                                                  \
    })

/* ---------------------------------------------------------------------- */
/* State                                                                   */
/* ---------------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p;
    size_t n, i;
} reader;

static uint8_t rd(reader *r) { return r->i < r->n ? r->p[r->i++] : 0; }

/* A tasklet the target knows. */
typedef struct slot {
    sl_tasklet *t;       /* handle; NULL: empty or retired */
    int r;               /* runtime index */
    uint8_t used;        /* slot taken (t set, or retired) */
    uint8_t detached;    /* owned by the runtime: freed when it ends */
    uint8_t started;     /* body entered since the last setup */
    uint8_t forgotten;   /* retired: its body returns at once */
    uint8_t deep;        /* inside RECURSE: must stay owned */
    uint8_t in_select;   /* inside sl_select */
    uint8_t in_sleep;    /* inside sl_sleep */
    uint8_t script[SCRIPT_MAX];
    size_t slen;
    char name[8];
} slot;

typedef struct cbstate {
    int sched_mode;      /* 0: none installed */
    int chan_mode;
    double sched_calls, sched_base_switches, sched_base_calls;
    double chan_calls, chan_base_ops, chan_base_calls;
    int chan_active;     /* channel callbacks in progress */
} cbstate;

static struct {
    sl_runtime *rt[NRT];
    int small[NRT];                 /* runtime has the small save_limit */
    slot slots[NRT][MAXT];
    sl_channel *ch[NRT][MAXC];
    int nch[NRT];
    int in_seq[NRT][MAXC];          /* tasklets inside send_sequence */
    int cap[NRT][MAXC];             /* capacity of each channel */
    uint8_t main_sleeping[NRT];     /* main is inside sl_sleep */
    int timed;                      /* sleeps and select timeouts so far */
    int forgotten[NRT];             /* retired slots per runtime */
    cbstate cb[NRT];
    long budget;
    uint32_t seq;                   /* values sent so far */
    uint8_t received[NVALUES / 8];
    uint32_t last_id[NRT];
} H;

static char dumpbuf[1 << 16];

static int body(void *arg);

/* ---------------------------------------------------------------------- */
/* Invariants                                                              */
/* ---------------------------------------------------------------------- */

/* States of sl_dump's lines. */
enum { S_NONE, S_RUNNING, S_RUNNABLE, S_SENDING, S_RECEIVING, S_SELECTING,
       S_SLEEPING, S_PAUSED, S_INRUN, S_DEAD, S_UNBOUND };
static const char *const state_names[] = {
    "", "running", "runnable", "sending", "receiving", "selecting",
    "sleeping", "paused", "in-run", "dead", "unbound"};
#define BLOCKED_STATE(s) ((s) == S_SENDING || (s) == S_RECEIVING ||         \
                          (s) == S_SELECTING || (s) == S_SLEEPING)

typedef struct line {
    uint32_t id;
    int state;
    uint32_t chan;
} line;

static line lines[4 * MAXT + 8];

/* The checks are the target's own code: keep them out of the coverage
   feedback, and their comparisons away from libFuzzer's hooks. */
#define NOCOV __attribute__((no_sanitize("coverage")))

NOCOV static int state_of(int nlines, uint32_t id) {
    for (int i = 0; i < nlines; i++)
        if (lines[i].id == id) return lines[i].state;
    return S_NONE;
}

/* Parse an unsigned number at *p; advances *p. */
NOCOV static uint32_t parse_u(char **p) {
    uint32_t v = 0;
    ASSERT(**p >= '0' && **p <= '9');
    while (**p >= '0' && **p <= '9') v = v * 10 + (uint32_t)(*(*p)++ - '0');
    return v;
}

/* Whether the word at p (ending in ' ' or '\n') is w. */
NOCOV static int word_is(const char *p, const char *w) {
    while (*w && *p == *w) p++, w++;
    return !*w && (*p == ' ' || *p == '\n');
}

/* One line "id name state [channel id]". */
NOCOV static void parse_line(char *p, line *l) {
    l->id = parse_u(&p);
    ASSERT(*p == ' ');
    p++;
    while (*p != ' ') ASSERT(*p++ != '\n'); /* names have no spaces here */
    p++;
    l->state = S_NONE;
    for (int k = 1; k <= S_UNBOUND; k++)
        if (word_is(p, state_names[k])) l->state = k;
    ASSERT(l->state != S_NONE);
    p += strlen(state_names[l->state]);
    l->chan = 0;
    if (l->state == S_SENDING || l->state == S_RECEIVING) {
        ASSERT(word_is(p + 1, "channel"));
        p += 9;
        l->chan = parse_u(&p);
    }
    ASSERT(*p == '\n');
}

/* Count main and the known tasklets from the query functions, checking
   that each one's answers agree with each other. */
typedef struct counts {
    int alive, inq, blocked, known;
} counts;

NOCOV static void count_one(sl_tasklet *t, counts *k) {
    int a = sl_tasklet_alive(t), b = sl_tasklet_blocked(t);
    int sc = sl_tasklet_scheduled(t), pa = sl_tasklet_paused(t);
    ASSERT(a == 0 || a == 1);
    ASSERT_EQ(pa, a && !sc);
    /* a selecting tasklet waits on several channels: channel() is NULL */
    if (b) ASSERT(sc && a);
    else ASSERT(sl_tasklet_channel(t) == NULL);
    if (!a) ASSERT(!sc && !b);
    k->alive += a;
    k->blocked += b;
    k->inq += sc && !b;
}

/* Check runtime r through the public API. `full` also cross-checks every
   line of sl_dump (the slower part, done every few checks). */
NOCOV static void check_rt(int r, int full) {
    sl_runtime *rt = H.rt[r];
    if (!rt) return;
    const sl_stats *st = sl_stats_get(rt);
    ASSERT(st != NULL);
    ASSERT_EQ(sl_runcount(rt), st->runnable);

    /* counts from the queries: exact unless forgotten tasklets exist */
    counts k = {0, 0, 0, 0};
    ASSERT(sl_tasklet_is_main(sl_main(rt)) == 1);
    ASSERT_EQ(sl_tasklet_alive(sl_main(rt)), 1);
    count_one(sl_main(rt), &k);
    for (int i = 0; i < MAXT; i++) {
        slot *s = &H.slots[r][i];
        if (!s->t) continue;
        ASSERT(sl_tasklet_runtime(s->t) == rt);
        ASSERT_EQ(sl_tasklet_is_main(s->t), 0);
        count_one(s->t, &k);
        k.known++;
    }
    /* a forgotten tasklet has not started: alive and runnable or paused */
    int fg = H.forgotten[r];
    ASSERT(st->tasklets >= (uint32_t)k.alive &&
           st->tasklets <= (uint32_t)(k.alive + fg));
    ASSERT(st->runnable >= (uint32_t)k.inq &&
           st->runnable <= (uint32_t)(k.inq + fg));
    ASSERT_EQ(st->blocked, k.blocked);

    /* the running tasklet is in the run queue */
    sl_tasklet *cur = sl_current(rt);
    ASSERT(cur != NULL);
    ASSERT_EQ(sl_tasklet_is_current(cur), 1);
    ASSERT_EQ(sl_tasklet_scheduled(cur), 1);
    ASSERT_EQ(sl_tasklet_blocked(cur), 0);

    /* channels. Rendezvous: |balance| tasklets queued, all one way.
       Buffered: balance = values held + blocked senders, or -(blocked
       receivers); senders block only on a full buffer. Every queued
       tasklet is blocked (on this channel, or selecting), and every
       blocked tasklet is queued somewhere. */
    int nch = 0, nq = 0;
    sl_tasklet *queued[8 * MAXT];
    for (int c = 0; c < MAXC; c++) {
        sl_channel *ch = H.ch[r][c];
        if (!ch) continue;
        nch++;
        ASSERT(sl_channel_runtime(ch) == rt);
        int bal = sl_channel_balance(ch);
        int cap = sl_channel_capacity(ch);
        ASSERT(cap >= 0 && cap == H.cap[r][c]);
        int q = 0;
        for (;; q++) {
            ASSERT(q <= 3 * MAXT + 3); /* no cycle */
            sl_tasklet *t = sl_channel_queue_at(ch, q);
            if (!t) break;
            ASSERT_EQ(sl_tasklet_blocked(t), 1);
            ASSERT_EQ(sl_tasklet_alive(t), 1);
            ASSERT(sl_tasklet_runtime(t) == rt);
            sl_channel *tc = sl_tasklet_channel(t);
            ASSERT(tc == ch || tc == NULL /* selecting */);
            int seen = 0;
            for (int i = 0; i < nq; i++) seen |= queued[i] == t;
            if (!seen) {
                ASSERT(nq < (int)(sizeof queued / sizeof queued[0]));
                queued[nq++] = t;
            }
        }
        if (bal < 0) {
            ASSERT_EQ(q, -bal);
        } else {
            ASSERT(q <= bal);
            ASSERT(bal - q <= cap);
            if (q > 0) ASSERT_EQ(bal - q, cap);
        }
        ASSERT(sl_channel_queue(ch) == sl_channel_queue_at(ch, 0));
        ASSERT(sl_channel_queue_at(ch, -1) == NULL);
        ASSERT_EQ(sl_channel_closed(ch), sl_channel_closing(ch) && bal == 0);
    }
    ASSERT_EQ(st->channels, nch);
    /* every blocked known tasklet is one of them, or sleeping */
    int sleepers = 0;
    for (int i = -1; i < MAXT; i++) {
        sl_tasklet *t = i < 0 ? sl_main(rt) : H.slots[r][i].t;
        if (!t || !sl_tasklet_blocked(t)) continue;
        int found = 0;
        for (int j = 0; j < nq; j++) found |= queued[j] == t;
        if (!found) {
            ASSERT(i < 0 ? H.main_sleeping[r] : H.slots[r][i].in_sleep);
            ASSERT(sl_tasklet_channel(t) == NULL);
            sleepers++;
        }
    }
    ASSERT_EQ(st->blocked, nq + sleepers);

    /* callbacks: one call per switch / per channel operation */
    cbstate *cb = &H.cb[r];
    if (cb->sched_mode)
        ASSERT(st->switches - cb->sched_base_switches ==
               cb->sched_calls - cb->sched_base_calls);
    if (cb->chan_mode)
        ASSERT(st->channel_ops - cb->chan_base_ops ==
               cb->chan_calls - cb->chan_base_calls - cb->chan_active);
    const char *d = sl_error_detail(rt);
    ASSERT(d != NULL && strlen(d) < 512);
    if (!full) return;

    /* the dump: one line per tasklet, agreeing with the queries */
    int n = sl_dump(rt, dumpbuf, sizeof dumpbuf);
    ASSERT(n >= 0 && (size_t)n < sizeof dumpbuf);
    ASSERT_EQ(strlen(dumpbuf), n);
    int nl = 0, alive = 0, inq = 0, blocked = 0, running = 0;
    for (char *p = dumpbuf; *p; nl++) {
        char *e = strchr(p, '\n');
        ASSERT(e != NULL);
        ASSERT(nl < (int)(sizeof lines / sizeof lines[0]));
        line *l = &lines[nl];
        parse_line(p, l);
        int s8 = l->state;
        if (s8 != S_DEAD && s8 != S_UNBOUND) alive++;
        if (s8 == S_RUNNABLE || s8 == S_RUNNING) inq++;
        if (s8 == S_RUNNING) running++;
        if (BLOCKED_STATE(s8)) blocked++;
        p = e + 1;
    }
    ASSERT_EQ(running, 1);
    ASSERT_EQ(st->tasklets, alive);
    ASSERT_EQ(st->runnable, inq);
    ASSERT_EQ(st->blocked, blocked);
    ASSERT_EQ(state_of(nl, sl_tasklet_id(cur)), S_RUNNING);
    for (int c = 0; c < MAXC; c++) {
        sl_channel *ch = H.ch[r][c];
        if (!ch) continue;
        int bal = sl_channel_balance(ch);
        for (int q = 0;; q++) {
            sl_tasklet *t = sl_channel_queue_at(ch, q);
            if (!t) break;
            int s8 = state_of(nl, sl_tasklet_id(t));
            if (s8 == S_SELECTING) continue;
            ASSERT_EQ(s8, bal > 0 ? S_SENDING : S_RECEIVING);
            for (int i = 0; i < nl; i++)
                if (lines[i].id == sl_tasklet_id(t))
                    ASSERT_EQ(lines[i].chan, sl_channel_id(ch));
        }
    }
    /* every known tasklet agrees with its line */
    for (int i = 0; i < MAXT; i++) {
        slot *s = &H.slots[r][i];
        if (!s->t) continue;
        sl_tasklet *t = s->t;
        int st8 = state_of(nl, sl_tasklet_id(t));
        ASSERT(st8 != S_NONE);
        int a = sl_tasklet_alive(t), b = sl_tasklet_blocked(t);
        int sc = sl_tasklet_scheduled(t), pa = sl_tasklet_paused(t);
        ASSERT_EQ(a, st8 != S_DEAD && st8 != S_UNBOUND);
        ASSERT_EQ(b, BLOCKED_STATE(st8));
        if (st8 == S_SELECTING || st8 == S_SLEEPING)
            ASSERT(b && sl_tasklet_channel(t) == NULL);
        if (st8 == S_SLEEPING) ASSERT(s->in_sleep);
        ASSERT_EQ(pa, st8 == S_PAUSED || st8 == S_INRUN);
        if (st8 != S_RUNNING) ASSERT_EQ(sc, st8 == S_RUNNABLE || b);
    }
    /* the rest: main, and forgotten tasklets that have not run yet */
    int others = nl - k.known - 1;
    ASSERT(others >= 0 && others <= fg);
    for (int i = 0; i < nl; i++) {
        int mine = lines[i].id == sl_tasklet_id(sl_main(rt));
        for (int j = 0; j < MAXT && !mine; j++)
            if (H.slots[r][j].t &&
                sl_tasklet_id(H.slots[r][j].t) == lines[i].id)
                mine = 1;
        if (!mine && lines[i].state != S_RUNNABLE &&
            lines[i].state != S_PAUSED)
            FAIL("tasklet %u is %s, not known (forgotten: %d)\n%s",
                 lines[i].id, state_names[lines[i].state], fg, dumpbuf);
    }
}

static unsigned checks;

/* After every operation; every 8th time with the dump. */
NOCOV static void check_all(void) {
    int full = checks++ % 8 == 0;
    for (int r = 0; r < NRT; r++) check_rt(r, full);
}

/* ---------------------------------------------------------------------- */
/* Values                                                                  */
/* ---------------------------------------------------------------------- */

static int64_t next_value(void) {
    H.seq++;
    return (int64_t)((TAG << 32) | H.seq);
}

/* A received value was sent, and only once. */
static void got_value(int64_t v) {
    if ((v >> 32) != TAG) return; /* a tempval set by hand */
    uint32_t k = (uint32_t)v;
    ASSERT(k >= 1 && k <= H.seq);
    if (k >= NVALUES) return;
    ASSERT(!(H.received[k / 8] & (1u << (k % 8))));
    H.received[k / 8] |= (uint8_t)(1u << (k % 8));
}

/* ---------------------------------------------------------------------- */
/* Callbacks                                                               */
/* ---------------------------------------------------------------------- */

static sl_channel *any_channel(int r) {
    for (int c = 0; c < MAXC; c++)
        if (H.ch[r][c]) return H.ch[r][c];
    return NULL;
}

/* Calls the API refuses inside a callback (SL_ERECURSIVE). */
static void try_switching_calls(int r, sl_tasklet *next, int mode) {
    sl_runtime *rt = H.rt[r];
    sl_channel *ch = any_channel(r);
    int64_t v;
    switch (mode % 6) {
    case 0: ASSERT_EQ(sl_schedule(rt, 0, &v), SL_ERECURSIVE); break;
    case 1: ASSERT_EQ(sl_schedule_remove(rt, 0, &v), SL_ERECURSIVE); break;
    case 2: ASSERT_EQ(sl_run(rt, mode & 8), SL_ERECURSIVE); break;
    case 3:
        if (next) ASSERT_EQ(sl_tasklet_run(next), SL_ERECURSIVE);
        if (next) ASSERT_EQ(sl_tasklet_switch(next), SL_ERECURSIVE);
        break;
    case 4:
        if (next) ASSERT_EQ(sl_tasklet_kill(next, 0), SL_ERECURSIVE);
        if (next)
            ASSERT_EQ(sl_tasklet_throw(next, SL_EUSER, 1, 0), SL_ERECURSIVE);
        break;
    case 5:
        if (ch) ASSERT_EQ(sl_channel_send(ch, 1), SL_ERECURSIVE);
        if (ch) ASSERT_EQ(sl_channel_receive(ch, &v), SL_ERECURSIVE);
        break;
    }
}

/* Calls that change queues or free objects without switching: refused
   inside callbacks too. */
static void try_mutating_calls(int r, sl_tasklet *t, int mode) {
    sl_runtime *rt = H.rt[r];
    sl_channel *ch = any_channel(r);
    switch (mode % 9) {
    case 0: ASSERT_EQ(sl_tasklet_remove(t), SL_ERECURSIVE); break;
    case 1: ASSERT_EQ(sl_tasklet_kill(t, mode & 16), SL_ERECURSIVE); break;
    case 2: ASSERT_EQ(sl_tasklet_free(t), SL_ERECURSIVE); break;
    case 3: ASSERT_EQ(sl_tasklet_insert(t), SL_ERECURSIVE); break;
    case 4: ASSERT_EQ(sl_tasklet_setup(t, NULL), SL_ERECURSIVE); break;
    case 5: ASSERT_EQ(sl_tasklet_bind(t, body), SL_ERECURSIVE); break;
    case 6: ASSERT_EQ(sl_tasklet_detach(t), SL_ERECURSIVE); break;
    case 7:
        if (ch) ASSERT_EQ(sl_channel_free(ch), SL_ERECURSIVE);
        break;
    default: ASSERT_EQ(sl_runtime_free(rt), SL_ERECURSIVE); break;
    }
}

static void sched_cb(sl_tasklet *prev, sl_tasklet *next, void *ud) {
    int r = (int)(intptr_t)ud;
    sl_runtime *rt = H.rt[r];
    cbstate *cb = &H.cb[r];
    cb->sched_calls++;
    ASSERT(prev != NULL && next != NULL && prev != next);
    ASSERT(sl_tasklet_runtime(prev) == rt && sl_tasklet_runtime(next) == rt);
    ASSERT_EQ(sl_tasklet_alive(next), 1);
    ASSERT_EQ(sl_tasklet_blocked(next), 0);
    int m = cb->sched_mode;
    if (m & 1) try_switching_calls(r, next, m >> 1);
    if (m & 0x40) try_mutating_calls(r, (m & 0x80) ? prev : next, m >> 1);
}

static void chan_cb(sl_channel *ch, sl_tasklet *t, int sending, int willblock,
                    void *ud) {
    int r = (int)(intptr_t)ud;
    sl_runtime *rt = H.rt[r];
    cbstate *cb = &H.cb[r];
    cb->chan_calls++;
    cb->chan_active++;
    ASSERT(sl_channel_runtime(ch) == rt);
    ASSERT(t == sl_current(rt));
    ASSERT(sending == 0 || sending == 1);
    /* a send blocks unless a receiver waits or the buffer has room; a
       receive unless a value or a sender waits */
    int bal = sl_channel_balance(ch), q = 0;
    while (sl_channel_queue_at(ch, q)) q++;
    if (sending)
        ASSERT_EQ(willblock, bal >= 0 && bal - q >= sl_channel_capacity(ch));
    else
        ASSERT_EQ(willblock, bal <= 0);
    int m = cb->chan_mode;
    int64_t v;
    sl_channel *other = any_channel(r);
    if (m & 1) {
        ASSERT_EQ(sl_channel_send(ch, 3), SL_ERECURSIVE);
        ASSERT_EQ(sl_channel_receive(ch, &v), SL_ERECURSIVE);
        if (other) {
            ASSERT_EQ(sl_channel_send_exception(other, SL_EUSER, 2),
                      SL_ERECURSIVE);
            int64_t seq[2] = {1, 2};
            ASSERT_EQ(sl_channel_send_sequence(other, seq, 2), SL_ERECURSIVE);
        }
    }
    if (m & 2) { /* harmless: read after the callback */
        sl_channel_set_preference(ch, (m >> 2) % 3 - 1);
        sl_channel_set_schedule_all(ch, m & 0x10);
    }
    if (m & 0x20) {
        /* the blocked partner the operation has already picked, if any */
        sl_tasklet *p = sl_channel_queue(ch);
        try_mutating_calls(r, p && !willblock ? p : t, m >> 2);
    }
    if (m & 0x80) {
        /* switching calls: refused here too */
        ASSERT_EQ((m & 0x40) ? sl_schedule(rt, 0, &v) : sl_run(rt, 1 + (m & 3)),
                  SL_ERECURSIVE);
    }
    cb->chan_active--;
}

/* ---------------------------------------------------------------------- */
/* Operations                                                              */
/* ---------------------------------------------------------------------- */

enum {
    OP_NEW, OP_SPAWN, OP_SETUP, OP_INSERT, OP_REMOVE, OP_RUN, OP_SWITCH,
    OP_KILL, OP_THROW, OP_FREE, OP_BIND, OP_DETACH, OP_SEND, OP_RECEIVE,
    OP_SEND_EXC, OP_SEND_SEQ, OP_SCHEDULE, OP_SCHEDULE_REMOVE, OP_RUN_RT,
    OP_CLOSE, OP_PREF, OP_CHANNEL, OP_CALLBACK, OP_DUMP, OP_TEMPVAL,
    OP_RETURN, OP_RECURSE, OP_RUNTIME, OP_QUERY, OP_SELECT, OP_SLEEP,
    OP_COUNT = 32
};

/* Who executes an operation and on which runtime's objects. */
typedef struct ctx {
    slot *self; /* NULL: main */
    int r;      /* target runtime */
    int depth;  /* inside RECURSE */
} ctx;

static int foreign(const ctx *c) { return c->self && c->self->r != c->r; }

/* Error codes a body may die of, throw or send as an exception. */
static int pick_code(uint8_t b) {
    switch (b % 6) {
    case 0: return SL_EKILLED;
    case 1: return SL_EINVAL;
    case 2: return SL_ESTATE;
    default: return SL_EUSER - (b >> 3) % 16;
    }
}

/* Target tasklet of an operation: a slot, main, the current tasklet, or
   NULL. *sp receives the slot, if any. */
static sl_tasklet *pick_t(const ctx *c, uint8_t b, slot **sp) {
    *sp = NULL;
    sl_runtime *rt = H.rt[c->r];
    if (b & 0x80) {
        switch (b & 3) {
        case 0: return sl_main(rt);
        case 1: return sl_current(rt);
        default: return NULL;
        }
    }
    slot *s = &H.slots[c->r][b % MAXT];
    if (!s->t) return NULL;
    *sp = s;
    return s->t;
}

static sl_channel *pick_ch(const ctx *c, uint8_t b) {
    return H.ch[c->r][b % MAXC];
}

static slot *free_slot(int r) {
    for (int i = 0; i < MAXT; i++)
        if (!H.slots[r][i].used) return &H.slots[r][i];
    return NULL;
}

/* Take the next tasklet script out of the input. */
static void take_script(slot *s, reader *in) {
    size_t len = rd(in) % (SCRIPT_MAX + 1);
    s->slen = 0;
    for (size_t i = 0; i < len && in->i < in->n; i++)
        s->script[s->slen++] = rd(in);
}

static void init_slot(slot *s, int r, sl_tasklet *t, int detached) {
    s->t = t;
    s->r = r;
    s->used = 1;
    s->detached = (uint8_t)detached;
    s->started = 0;
    s->forgotten = 0;
    s->deep = 0;
    snprintf(s->name, sizeof s->name, "t%u", sl_tasklet_id(t) % 10000);
    sl_tasklet_set_name(t, s->name);
    sl_tasklet_set_userdata(t, s);
    uint32_t id = sl_tasklet_id(t);
    ASSERT(id > H.last_id[r]);
    H.last_id[r] = id;
}

/* The runtime may free a detached tasklet without running its body:
   stop using its handle. */
static void forget(slot *s) {
    s->t = NULL;
    s->forgotten = 1;
    H.forgotten[s->r]++;
}

static void clear_runtime(int r) {
    memset(H.slots[r], 0, sizeof H.slots[r]);
    memset(H.ch[r], 0, sizeof H.ch[r]);
    memset(H.in_seq[r], 0, sizeof H.in_seq[r]);
    memset(H.cap[r], 0, sizeof H.cap[r]);
    memset(&H.cb[r], 0, sizeof H.cb[r]);
    H.nch[r] = 0;
    H.forgotten[r] = 0;
    H.rt[r] = NULL;
    H.last_id[r] = 0;
}

static sl_runtime *new_runtime(int r, int small) {
    sl_config cfg = {0};
    if (small) cfg.save_limit = SMALL_LIMIT;
    H.rt[r] = sl_runtime_new(small ? &cfg : NULL);
    ASSERT(H.rt[r] != NULL);
    H.small[r] = small;
    return H.rt[r];
}

static int do_op(ctx *c, reader *in, int *ret);

/* Recurse with an address-taken array per frame, then run one operation
   (usually blocking) at the bottom; the arrays must survive the switch. */
__attribute__((noinline)) static int dive(ctx *c, reader *in, int depth,
                                          int *ret) {
    volatile uint8_t buf[FRAME_BYTES];
    memset((uint8_t *)buf, depth * 7 + 1, sizeof buf);
    int stop;
    if (depth > 0) {
        stop = dive(c, in, depth - 1, ret);
    } else {
        c->depth++;
        stop = do_op(c, in, ret);
        c->depth--;
    }
    for (size_t i = 0; i < sizeof buf; i += 61)
        if (buf[i] != (uint8_t)(depth * 7 + 1))
            FAIL("stack frame %d corrupted across a switch", depth);
    return stop;
}

/* After a call that may have switched: the caller runs again. */
static void back_in(const ctx *c) {
    if (c->self) {
        slot *s = c->self;
        ASSERT(s->t != NULL || s->detached);
        sl_runtime *rt = H.rt[s->r];
        ASSERT(rt != NULL);
        ASSERT(sl_current(rt) == s->t || s->t == NULL);
    } else {
        for (int r = 0; r < NRT; r++)
            if (H.rt[r]) ASSERT(sl_current(H.rt[r]) == sl_main(H.rt[r]));
    }
}

/* Execute one operation from `in`. Returns 1 when a tasklet body must
   return *ret. */
static int do_op(ctx *c, reader *in, int *ret) {
    uint8_t op = rd(in);
    uint8_t a = rd(in);
    int caller_r = c->self ? c->self->r : -1;
    if (c->self) {
        c->r = caller_r;
        if ((op & 0x80) && H.rt[1 - caller_r]) c->r = 1 - caller_r;
    } else {
        c->r = (op & 0x80) && H.rt[1] ? 1 : 0;
    }
    sl_runtime *rt = H.rt[c->r];
    if (!rt) return 0;
    int fgn = foreign(c);
    TRACEF("%*s%s%s op %d a=0x%02x on rt%d\n", c->depth * 2, "",
           c->self ? c->self->name : "main", fgn ? " (foreign)" : "",
           (op & 0x1f) % OP_COUNT, a, c->r);
    slot *s;
    sl_tasklet *t;
    sl_channel *ch;
    int rc;
    int64_t v;

    switch ((op & 0x1f) % OP_COUNT) {
    case OP_NEW:
    case OP_SPAWN: {
        slot *ns = free_slot(c->r);
        if (!ns) break;
        int detached = (op & 0x1f) == OP_SPAWN;
        sl_tasklet *nt;
        if (detached) {
            /* a tasklet of another runtime cannot set one up */
            nt = sl_spawn(rt, body, ns);
            if (fgn) {
                ASSERT(nt == NULL);
                break;
            }
            ASSERT(nt != NULL);
        } else {
            nt = sl_tasklet_new(rt, (a & 3) ? body : NULL);
            ASSERT(nt != NULL);
            ASSERT_EQ(sl_tasklet_alive(nt), 0);
            ASSERT_EQ(sl_tasklet_scheduled(nt), 0);
            if ((a & 3) == 2)
                ASSERT_EQ(sl_tasklet_setup(nt, ns), fgn ? SL_EFOREIGN : 0);
        }
        init_slot(ns, c->r, nt, detached);
        take_script(ns, in);
        break;
    }
    case OP_SETUP:
        t = pick_t(c, a, &s);
        rc = RC(sl_tasklet_setup(t, s));
        if (!t) ASSERT_EQ(rc, SL_EINVAL);
        else if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
        if (rc == 0) {
            ASSERT(s != NULL); /* main and the current one are alive */
            s->started = 0;
            s->deep = 0;
            ASSERT_EQ(sl_tasklet_alive(t), 1);
            ASSERT_EQ(sl_tasklet_scheduled(t), 1);
        }
        break;
    case OP_INSERT:
    case OP_REMOVE: {
        t = pick_t(c, a, &s);
        int pre_b = t ? sl_tasklet_blocked(t) : 0;
        int pre_a = t ? sl_tasklet_alive(t) : 0;
        int pre_c = t ? sl_tasklet_is_current(t) : 0;
        if ((op & 0x1f) == OP_INSERT) {
            rc = RC(sl_tasklet_insert(t));
            if (!t) ASSERT_EQ(rc, SL_EINVAL);
            else if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
            else if (pre_b) ASSERT_EQ(rc, SL_EBLOCKED);
            else if (!pre_a) ASSERT_EQ(rc, SL_EDEAD);
            else {
                ASSERT_EQ(rc, 0);
                ASSERT_EQ(sl_tasklet_scheduled(t), 1);
            }
        } else {
            rc = RC(sl_tasklet_remove(t));
            if (!t) ASSERT_EQ(rc, SL_EINVAL);
            else if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
            else if (pre_b) ASSERT_EQ(rc, SL_EBLOCKED);
            else if (pre_c) ASSERT_EQ(rc, SL_ECURRENT);
            else {
                ASSERT_EQ(rc, 0);
                ASSERT_EQ(sl_tasklet_scheduled(t), 0);
            }
        }
        break;
    }
    case OP_RUN:
    case OP_SWITCH:
        t = pick_t(c, a, &s);
        rc = RC((op & 0x1f) == OP_RUN ? sl_tasklet_run(t)
                                      : sl_tasklet_switch(t));
        if (!t) ASSERT_EQ(rc, SL_EINVAL);
        else if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
        back_in(c);
        break;
    case OP_KILL:
    case OP_THROW: {
        t = pick_t(c, a, &s);
        int pending = (a >> 4) & 1;
        uint8_t cb = rd(in);
        int code = (op & 0x1f) == OP_KILL ? SL_EKILLED : pick_code(cb);
        if ((op & 0x1f) == OP_THROW && (cb & 0xc0) == 0xc0)
            code = cb & 1; /* not negative: refused */
        /* (a detached tasklet that was rebound is not alive and stays) */
        if (s && s->detached && !s->started && sl_tasklet_alive(t)) forget(s);
        rc = RC(sl_tasklet_throw(t, code, cb, pending));
        if (!t) ASSERT_EQ(rc, SL_EINVAL);
        else if (code >= 0) ASSERT_EQ(rc, SL_EINVAL);
        back_in(c);
        break;
    }
    case OP_FREE:
        t = pick_t(c, a, &s);
        rc = RC(sl_tasklet_free(t));
        if (!t) ASSERT_EQ(rc, SL_EINVAL);
        else if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
        if (rc == 0) {
            ASSERT(s != NULL);
            memset(s, 0, sizeof *s);
        }
        break;
    case OP_BIND:
        t = pick_t(c, a, &s);
        rc = RC(sl_tasklet_bind(t, (a & 0x40) ? NULL : body));
        if (!t) ASSERT_EQ(rc, SL_EINVAL);
        else if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
        if (rc == 0) {
            ASSERT(s != NULL);
            s->deep = 0; /* its frames are gone */
            s->started = 0;
            ASSERT_EQ(sl_tasklet_alive(t), 0);
        }
        break;
    case OP_DETACH:
        t = pick_t(c, a, &s);
        if (!s || s->deep || fgn) break; /* main: SL_ESTATE, tested below */
        if (!sl_tasklet_alive(t)) {
            ASSERT_EQ(sl_tasklet_detach(t), 0); /* freed at once */
            memset(s, 0, sizeof *s);
        } else if (!s->started) {
            ASSERT_EQ(sl_tasklet_detach(t), 0);
            forget(s);
        } else {
            ASSERT_EQ(sl_tasklet_detach(t), 0);
            s->detached = 1;
        }
        break;
    case OP_SEND:
    case OP_SEND_EXC:
    case OP_SEND_SEQ:
        ch = pick_ch(c, a);
        if ((op & 0x1f) == OP_SEND) {
            rc = RC(sl_channel_send(ch, next_value()));
        } else if ((op & 0x1f) == OP_SEND_EXC) {
            uint8_t cb = rd(in);
            rc = RC(sl_channel_send_exception(ch, pick_code(cb), cb));
        } else {
            int64_t vals[3];
            size_t nv = (a >> 4) % 4;
            int k = a % MAXC, r = c->r;
            for (size_t i = 0; i < nv; i++) vals[i] = next_value();
            H.in_seq[r][k]++;
            rc = RC(sl_channel_send_sequence(ch, vals, nv));
            if (H.rt[r]) H.in_seq[r][k]--;
            if (rc >= 0 && ch) ASSERT_EQ(rc, nv);
        }
        if (!ch) ASSERT_EQ(rc, SL_EINVAL);
        else if (fgn && (op & 0x1f) != OP_SEND_SEQ) ASSERT_EQ(rc, SL_EFOREIGN);
        back_in(c);
        break;
    case OP_RECEIVE:
        ch = pick_ch(c, a);
        v = INT64_MIN + 7;
        rc = RC(sl_channel_receive(ch, &v));
        if (!ch) ASSERT_EQ(rc, SL_EINVAL);
        else if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
        if (rc == 0) {
            ASSERT(v != INT64_MIN + 7);
            got_value(v);
        }
        back_in(c);
        break;
    case OP_SCHEDULE:
    case OP_SCHEDULE_REMOVE:
        v = INT64_MIN + 7;
        rc = RC((op & 0x1f) == OP_SCHEDULE
                    ? sl_schedule(rt, a, (a & 1) ? &v : NULL)
                    : sl_schedule_remove(rt, a, (a & 1) ? &v : NULL));
        if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
        if (rc == 0 && (a & 1)) ASSERT(v != INT64_MIN + 7);
        back_in(c);
        break;
    case OP_RUN_RT: {
        int64_t ticks = (a & 0x80) ? 0 : a % 24;
        rc = RC(sl_run(rt, (a & 0x60) == 0x60 ? -1 : ticks));
        if ((a & 0x60) == 0x60) ASSERT_EQ(rc, fgn ? SL_EFOREIGN : SL_EINVAL);
        else if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
        back_in(c);
        if (rc >= 0) ASSERT_EQ(rc, sl_runcount(H.rt[c->r]) - 1);
        break;
    }
    case OP_CLOSE:
        ch = pick_ch(c, a);
        if (!ch) break;
        if (a & 0x10) {
            ASSERT_EQ(sl_channel_close(ch), 0);
            ASSERT_EQ(sl_channel_closing(ch), 1);
        } else {
            ASSERT_EQ(sl_channel_open(ch), 0);
            ASSERT_EQ(sl_channel_closing(ch), 0);
        }
        break;
    case OP_PREF: {
        ch = pick_ch(c, a);
        int p = (int)((a >> 2) % 5) - 2;
        if (a & 0x40) {
            ASSERT_EQ(sl_channel_set_schedule_all(ch, a & 0x20),
                      ch ? 0 : SL_EINVAL);
            if (ch) ASSERT_EQ(sl_channel_schedule_all(ch), (a & 0x20) != 0);
        } else {
            rc = sl_channel_set_preference(ch, p);
            if (!ch || p < -1 || p > 1) {
                ASSERT_EQ(rc, SL_EINVAL);
            } else {
                ASSERT_EQ(rc, 0);
                ASSERT_EQ(sl_channel_preference(ch), p);
            }
        }
        break;
    }
    case OP_CHANNEL: {
        int k = a % MAXC;
        ch = H.ch[c->r][k];
        if (!ch) {
            int cap = (a & 0x40) ? (a >> 2) % 4 : 0;
            ch = (a & 0x40) ? sl_channel_new_buffered(rt, (uint32_t)cap)
                            : sl_channel_new(rt);
            ASSERT(ch != NULL);
            ASSERT_EQ(sl_channel_balance(ch), 0);
            ASSERT_EQ(sl_channel_preference(ch), -1);
            ASSERT_EQ(sl_channel_capacity(ch), cap);
            H.ch[c->r][k] = ch;
            H.cap[c->r][k] = cap;
        } else {
            /* busy while tasklets wait on it or a send_sequence on it has
               not returned (one whose tasklet was freed does not count:
               either answer then) */
            int waiting = sl_channel_queue(ch) != NULL;
            rc = RC(sl_channel_free(ch));
            if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
            else if (waiting) ASSERT_EQ(rc, SL_EBUSY);
            else if (!H.in_seq[c->r][k]) ASSERT_EQ(rc, 0);
            else ASSERT(rc == 0 || rc == SL_EBUSY);
            if (rc == 0) H.ch[c->r][k] = NULL;
        }
        break;
    }
    case OP_CALLBACK: {
        if (fgn) break;
        cbstate *cb = &H.cb[c->r];
        uint8_t m = rd(in);
        const sl_stats *st = sl_stats_get(rt);
        if (a & 1) {
            sl_schedule_cb old =
                sl_set_schedule_callback(rt, m ? sched_cb : NULL,
                                         (void *)(intptr_t)c->r);
            ASSERT(old == (cb->sched_mode ? sched_cb : NULL));
            cb->sched_mode = m;
            cb->sched_base_switches = st->switches;
            cb->sched_base_calls = cb->sched_calls;
        } else {
            sl_channel_cb old =
                sl_set_channel_callback(rt, m ? chan_cb : NULL,
                                        (void *)(intptr_t)c->r);
            ASSERT(old == (cb->chan_mode ? chan_cb : NULL));
            cb->chan_mode = m;
            cb->chan_base_ops = st->channel_ops;
            cb->chan_base_calls = cb->chan_calls;
        }
        break;
    }
    case OP_DUMP: {
        size_t size = a % 48;
        int full = sl_dump(rt, NULL, 0);
        ASSERT(full > 0);
        char *buf = malloc(size ? size : 1);
        ASSERT(buf != NULL);
        buf[0] = 'x';
        int n = sl_dump(rt, buf, size);
        ASSERT_EQ(n, full);
        if (size == 0) {
            ASSERT(buf[0] == 'x');
        } else {
            size_t want = (size_t)n < size ? (size_t)n : size - 1;
            ASSERT_EQ(strlen(buf), want);
            ASSERT(sl_dump(rt, dumpbuf, sizeof dumpbuf) == full);
            ASSERT(memcmp(buf, dumpbuf, want) == 0);
        }
        free(buf);
        break;
    }
    case OP_TEMPVAL:
        t = pick_t(c, a, &s);
        if (!t) break;
        if (a & 0x40) {
            sl_tasklet_set_tempval(t, a);
            ASSERT_EQ(sl_tasklet_tempval(t), a);
        } else {
            ASSERT(sl_tasklet_userdata(t) == (s ? (void *)s : NULL) ||
                   !s);
            (void)sl_tasklet_woken_by(t);
            ASSERT_EQ(sl_tasklet_saved_bytes(t), 0);
        }
        break;
    case OP_RETURN:
        if (!c->self || fgn) break;
        if (a % 4 == 2) sl_set_errval(rt, a);
        *ret = a % 4 == 0 ? 0 : a % 4 == 1 ? SL_EKILLED : pick_code(a >> 2);
        return 1;
    case OP_RECURSE: {
        if (c->depth) break;
        int depth = a % (MAX_DEPTH + 1);
        if (c->self && c->self->detached && H.small[c->self->r]) depth = 0;
        if (c->self) c->self->deep = 1;
        int stop = dive(c, in, depth, ret);
        if (c->self) c->self->deep = 0;
        return stop;
    }
    case OP_RUNTIME:
        if (!H.rt[1]) {
            if (!c->self) new_runtime(1, a & 1);
        } else if (!c->self || c->self->r == 0) {
            /* from main, or from a tasklet of the other runtime */
            ASSERT_EQ(sl_runtime_free(H.rt[1]), 0);
            clear_runtime(1);
        } else {
            ASSERT_EQ(sl_runtime_free(H.rt[1]), SL_ESTATE);
        }
        break;
    case OP_QUERY:
        ASSERT(sl_strerror(a - 256) != NULL);
        ASSERT_EQ(sl_tasklet_detach(sl_main(rt)), SL_ESTATE);
        ASSERT_EQ(sl_tasklet_free(sl_main(rt)), fgn ? SL_EFOREIGN : SL_ESTATE);
        ASSERT_EQ(sl_tasklet_bind(sl_main(rt), body),
                  fgn ? SL_EFOREIGN : c->self ? SL_ESTATE : SL_ECURRENT);
        (void)sl_errval(rt);
        break;
    case OP_SELECT: {
        /* 1-3 cases; a case byte: channel, direction, sometimes the other
           runtime's channel or a malformed case */
        sl_case cases[3];
        int n = (a & 3) ? (a & 3) : (a & 4) ? 0 : 1;
        int block = (a >> 3) & 1, expect_inval = n == 0, expect_fgn = fgn;
        int dirs[MAXC] = {0};
        for (int i = 0; i < n; i++) {
            uint8_t cb = rd(in);
            int k = cb % MAXC;
            int other = (cb & 0x80) && H.rt[1 - c->r];
            cases[i].ch = H.ch[other ? 1 - c->r : c->r][k];
            cases[i].op = (cb & 0x40) ? SL_SEND : SL_RECV;
            if ((cb & 0x70) == 0x30) cases[i].op = 0;
            cases[i].value = next_value();
            if (!cases[i].ch || !cases[i].op) expect_inval = 1;
            if (other && cases[i].ch) expect_fgn = 1;
            if (!other) dirs[k] |= cases[i].op == SL_SEND ? 1 : 2;
        }
        /* a send and a receive case on one channel: refused */
        for (int k = 0; k < MAXC; k++)
            if (dirs[k] == 3) expect_inval = 1;
        /* a tasklet that dies of SL_ESTACK as it waits (it used to keep
           its select state) */
        if ((FUZZ_AVOID_KNOWN & 8) && c->depth && H.small[c->r]) return 0;
        int idx = -7;
        v = INT64_MIN + 7;
        /* sometimes with a timeout of 0 to 0.15 ms (a few per input) */
        int timed = (a & 0x10) && H.timed < MAX_TIMED;
        if (c->self) c->self->in_select = 1;
        if (timed) {
            H.timed++;
            rc = RC(sl_select_timeout(rt, cases, n, ((a >> 5) & 3) * 0.05,
                                      &idx, &v));
        } else {
            rc = RC(sl_select(rt, cases, n, block, &idx, &v));
        }
        if (c->self) c->self->in_select = 0;
        if (rc == SL_ETIMEOUT) ASSERT(timed);
        if (expect_fgn && !expect_inval) ASSERT_EQ(rc, SL_EFOREIGN);
        if (expect_inval && !fgn) ASSERT(rc == SL_EINVAL || rc == SL_EFOREIGN);
        back_in(c);
        if (rc == 0) {
            ASSERT(idx >= -1 && idx < n);
            if (idx == -1) ASSERT(!block || timed);
            if (idx >= 0 && cases[idx].op == SL_RECV) {
                ASSERT(v != INT64_MIN + 7);
                got_value(v);
            }
        }
        break;
    }
    case OP_SLEEP: {
        if (H.timed >= MAX_TIMED) break;
        H.timed++;
        double ms = (a & 0x80) ? -1.0 : (a % 4) * 0.05;
        uint8_t *flag = c->self ? &c->self->in_sleep : &H.main_sleeping[c->r];
        *flag = 1;
        rc = RC(sl_sleep(rt, ms));
        *flag = 0;
        if (ms < 0) ASSERT_EQ(rc, fgn ? SL_EFOREIGN : SL_EINVAL);
        else if (fgn) ASSERT_EQ(rc, SL_EFOREIGN);
        back_in(c);
        break;
    }
    default:
        break;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Tasklet body                                                            */
/* ---------------------------------------------------------------------- */

static int body(void *arg) {
    slot *s = arg;
    if (s->forgotten) return 0; /* its handle was retired */
    ASSERT(s->t != NULL);
    ASSERT(sl_current(H.rt[s->r]) == s->t);
    s->started = 1;
    reader in = {s->script, s->slen, 0};
    ctx c = {s, s->r, 0};
    int ret = 0;
    while (in.i < in.n && H.budget > 0) {
        H.budget--;
        if (do_op(&c, &in, &ret)) break;
        back_in(&c);
        check_all();
    }
    ASSERT(s->t != NULL);
    /* the runtime frees a detached tasklet as it returns (its handle is
       not used again: only a schedule callback sees it, as prev) */
    if (s->detached) memset(s, 0, sizeof *s);
    return ret;
}

/* ---------------------------------------------------------------------- */
/* Entry                                                                   */
/* ---------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    memset(&H, 0, sizeof H);
    checks = 0; /* the same input checks the same way */
    H.budget = TASKLET_BUDGET;
    reader in = {data, size, 0};
    uint8_t flags = rd(&in);
    new_runtime(0, flags & 2);
    if (flags & 1) new_runtime(1, flags & 4);
    check_all();
    for (int n = 0; n < MAX_MAIN_OPS && in.i < in.n; n++) {
        ctx c = {NULL, 0, 0};
        int ret = 0;
        do_op(&c, &in, &ret);
        back_in(&c);
        check_all();
    }
    /* sometimes let everything run out first */
    if (flags & 8) {
        for (int r = 0; r < NRT; r++) {
            if (!H.rt[r]) continue;
            int rc = RC(sl_run(H.rt[r], 0));
            (void)rc;
            back_in(&(ctx){NULL, 0, 0});
            check_all();
        }
    }
    for (int r = 0; r < NRT; r++) {
        if (!H.rt[r]) continue;
        check_rt(r, 1);
        ASSERT_EQ(sl_runtime_free(H.rt[r]), 0);
        H.rt[r] = NULL;
    }
    return 0;
}
