/*
 * sl_internal.h: structures and cross-file functions of the core. Not
 * installed; nothing here is part of the API.
 *
 * Files: sched.c (runtime, run queue, switching, watchdogs, deadlock),
 * tasklet.c (tasklet objects and their operations), channel.c (channels),
 * switch_asyncify.c / switch_native.c (the only files that know how a
 * stack is suspended), errors.c (codes and messages).
 */
#ifndef SL_INTERNAL_H
#define SL_INTERNAL_H

#include "stackless.h"

#include <stdint.h>
#include <stdlib.h>

#if !defined(__EMSCRIPTEN__)
#include <ucontext.h>
#endif

#define SL_HIDDEN __attribute__((visibility("hidden")))

/* In wasm builds (with LTO) the switch path is inlined into its callers:
   every frame on a suspended tasklet's stack costs Asyncify data. */
#if defined(__EMSCRIPTEN__) && defined(SL_INLINE_SWITCH)
#define SL_HOT __attribute__((always_inline))
#else
#define SL_HOT
#endif

/* Internal invariants: checked in test builds (SL_DEBUG), free otherwise. */
#ifdef SL_DEBUG
#include <stdio.h>
#define SL_ASSERT(c)                                                          \
    do {                                                                      \
        if (!(c)) {                                                           \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #c);                                            \
            abort();                                                          \
        }                                                                     \
    } while (0)
#else
#define SL_ASSERT(c) ((void)0)
#endif

/* What a suspended JS-driven tasklet was doing, to complete it later. */
enum { SL_OP_NONE = 0, SL_OP_SEND, SL_OP_RECV, SL_OP_SCHED, SL_OP_RUN,
       SL_OP_SELECT, SL_OP_SLEEP };

/* Upper bound of sl_config.save_limit. */
#define SL_SAVE_LIMIT_MAX (1024u * 1024u)

/* Where a tasklet is linked through next/prev. A selecting tasklet is
   linked nowhere itself: proxies stand in for it in each channel queue. */
enum { SL_NOWHERE = 0, SL_IN_RUNQ = 1, SL_IN_CHAN = 2, SL_IN_SELECT = 3,
       SL_SLEEPING = 4 };
#define SL_BLOCKED(t) ((t)->where >= SL_IN_CHAN)

/* A value waiting in a buffered channel. */
typedef struct sl_slot {
    int64_t value;
    uint32_t vref;                /* JS value handle */
    int32_t code;                 /* non-zero: an exception */
} sl_slot;

/* A blocking select in progress: one proxy per case, queued on the case's
   channel in the selecting tasklet's place. */
typedef struct sl_sel {
    int n;                        /* cases */
    int index;                    /* the case that completed, -1 none,
                                     -2 timed out */
    sl_tasklet *timer;            /* proxy on the sleepers list, or NULL */
    sl_tasklet *proxy[];
} sl_sel;

/* Per-tasklet state of the stack-switch backend. */
typedef struct slb_ctx {
#if defined(__EMSCRIPTEN__)
    uint8_t *save;     /* saved C-stack slice followed by Asyncify data */
    uint32_t adata;    /* bytes of Asyncify data (0: nothing saved) */
    uintptr_t sp;      /* stack pointer at suspension; the slice is
                          [sp, region top) */
#else
    ucontext_t *uc;    /* register context (allocated with the stack) */
    void *stack;       /* mmap'd stack, NULL for main */
    size_t stack_size;
    void *asan_fake;   /* ASan fiber bookkeeping */
#endif
} slb_ctx;

/* A tasklet. Kept small: a blocked tasklet costs this plus its saved
   stack, and a million of them must fit in a wasm32 heap. */
struct sl_tasklet {
    sl_tasklet *next, *prev;      /* run queue ring or channel FIFO */
    sl_tasklet *all_next, *all_prev; /* every tasklet of the runtime */
    sl_runtime *rt;
    sl_channel *chan;             /* channel blocked on */
    union {
        sl_tasklet *wd_below;     /* in sl_run: next watchdog down */
        sl_sel *sel;              /* selecting: its cases */
        sl_tasklet *owner;        /* a select proxy: the selecting tasklet */
    };
    sl_func fn;                   /* bound function (NULL: unbound) */
    void *arg;                    /* argument given to setup */
    const char *name;             /* user label, not owned */
    void *userdata;
    sl_channel *sequence;         /* channel of a send_sequence in progress */
    int64_t tempval;              /* value slot (Stackless tempval) */
    int64_t errval;               /* value of the pending error (bomb),
                                     then of the last error returned */
    int32_t bomb;                 /* pending error raised when resumed */
    int32_t send_code;            /* blocked sender: error it sends; a
                                     suspended JS receiver: error it got */
    uint32_t id;
    uint32_t woken_by;            /* id of the last waker */
    uint32_t vref;                /* JS value handle riding with tempval */
    int8_t dir;                   /* blocked: +1 sending, -1 receiving */
    uint8_t where;                /* SL_NOWHERE / SL_IN_RUNQ / SL_IN_CHAN */
    uint8_t pend;                 /* SL_OP_*: operation in progress (JS) */
    uint8_t alive : 1;            /* setup done and not finished */
    uint8_t started : 1;          /* backend has entered the body */
    uint8_t is_main : 1;
    uint8_t is_js : 1;            /* driven from JS (not unwindable) */
    uint8_t detached : 1;         /* freed by the runtime when it ends */
    uint8_t in_wd : 1;            /* on the watchdog stack (in sl_run) */
    uint8_t owns_arg : 1;         /* arg is freed with the tasklet */
    uint8_t proxy : 1;            /* stands in a channel queue for owner's
                                     select case number `id` */
    uint8_t has_sel : 1;          /* sel is allocated: from a blocking
                                     select until it returns */
    slb_ctx ctx;
};

struct sl_channel {
    sl_tasklet *head, *tail;      /* FIFO of blocked tasklets */
    sl_channel *all_next, *all_prev;
    sl_runtime *rt;
    int32_t balance;
    uint32_t id;
    int8_t preference;
    uint8_t schedule_all;
    uint8_t closing;
    uint32_t users;               /* send_sequence calls in progress */
    sl_slot *buf;                 /* buffered channel: ring of values */
    uint32_t cap, first, count;   /* capacity, oldest slot, values held */
};

struct sl_runtime {
    sl_tasklet *current;          /* running tasklet */
    sl_tasklet *head;             /* run queue head (current when queued) */
    sl_tasklet mainlet;           /* the main tasklet */
    sl_tasklet *all;              /* list of all tasklets */
    sl_channel *channels;         /* list of all channels */
    sl_tasklet *wd_top;           /* innermost watchdog */
    sl_tasklet *budget_wd;        /* watchdog whose switch budget counts */
    int64_t ticks_left;           /* switches left in budget_wd's budget */
    sl_tasklet *zombie;           /* ended tasklet to reap after the switch */
    sl_tasklet *sleepers;         /* by wake time (tempval, microseconds);
                                     select timeouts stand in as proxies */
    uint8_t js_driven;            /* main is JS: waiting for a timer returns
                                     to the JS event loop (idle) */
    uint8_t idle;                 /* nothing runnable until a timer is due;
                                     main is current but waiting */
    sl_schedule_cb sched_cb;
    void *sched_ud;
    sl_channel_cb chan_cb;
    void *chan_ud;
    uint32_t send_vref;           /* JS value handle for the next send */
    uint32_t next_tid, next_cid;
    uint8_t in_sched_cb, in_chan_cb;
    size_t stack_size;
    size_t save_limit;            /* see sl_config */
    sl_stats stats;
    char msg[512];                /* detail of the last error */
    void *backend;                /* backend state */
};

/* ---- sched.c ---- */
SL_HIDDEN int sl__check_caller(sl_runtime *rt);
SL_HIDDEN void sl__rq_append(sl_runtime *rt, sl_tasklet *t);
SL_HIDDEN void sl__rq_insert_after(sl_runtime *rt, sl_tasklet *pos,
                                   sl_tasklet *t);
SL_HIDDEN void sl__rq_unlink(sl_runtime *rt, sl_tasklet *t);
SL_HIDDEN int sl__switch_to(sl_runtime *rt, sl_tasklet *next);
SL_HIDDEN int sl__wait(sl_runtime *rt, int blocking_on_channel);
SL_HIDDEN int sl__deliver(sl_runtime *rt, sl_tasklet *t);
SL_HIDDEN void sl__tasklet_body(sl_tasklet *t);
SL_HIDDEN void sl__reap(sl_runtime *rt, sl_tasklet *t);
SL_HIDDEN void sl__crash(sl_runtime *rt, sl_tasklet *t, int code);
SL_HIDDEN sl_tasklet *sl__tasklet_end(sl_runtime *rt, sl_tasklet *t, int rc,
                                      int64_t ev);
SL_HIDDEN void sl__switch_after_end(sl_runtime *rt, sl_tasklet *next);
SL_HIDDEN int sl__fail(sl_runtime *rt, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
SL_HIDDEN void sl__wd_pop_to(sl_runtime *rt, sl_tasklet *w);

/* ---- timers (sched.c) ---- */
SL_HIDDEN int64_t sl__now_us(void);
/* Put t (linked nowhere) on the sleepers list until `at` microseconds. */
SL_HIDDEN void sl__sleepers_add(sl_runtime *rt, sl_tasklet *t, int64_t at);
SL_HIDDEN void sl__sleepers_remove(sl_runtime *rt, sl_tasklet *t);
/* Make every due sleeper runnable (a due timer proxy ends its select). */
SL_HIDDEN void sl__wake_due(sl_runtime *rt);
/* Leave the idle state: the head of the run queue becomes current (main
   was current without running). */
SL_HIDDEN void sl__resume(sl_runtime *rt);

/* ---- channel.c ---- */
/* A select's timeout fired: withdraw its cases; the owner is returned. */
SL_HIDDEN sl_tasklet *sl__select_timeout(sl_tasklet *timer);
/* Take a blocked tasklet off its channel (or, selecting, off all of them). */
SL_HIDDEN void sl__chan_unlink(sl_tasklet *t);
/* select with per-case JS value handles (vrefs may be NULL). */
SL_HIDDEN int sl__select(sl_runtime *rt, const sl_case *cases,
                         const uint32_t *vrefs, int n, int64_t timeout_us,
                         int *index, int64_t *out);
/* The selecting tasklet c resumed with rc: its result, and sel freed. */
SL_HIDDEN int sl__select_done(sl_tasklet *c, int rc, int *index,
                              int64_t *out);
/* t's frames are gone (or it will never resume): withdraw and free the
   state of a select it was in. */
SL_HIDDEN void sl__select_drop(sl_tasklet *t);
/* t's frames are gone: release a send_sequence it was in. */
SL_HIDDEN void sl__chan_forget(sl_tasklet *t);

/* ---- tasklet.c ---- */
SL_HIDDEN void sl__tasklet_destroy(sl_tasklet *t);

/* ---- backend (switch_*.c) ---- */
/* Set up / tear down per-runtime backend state. */
SL_HIDDEN int slb_init(sl_runtime *rt);
SL_HIDDEN void slb_fini(sl_runtime *rt);
/* Prepare t to start in sl__tasklet_body(t) at its first resume. */
SL_HIDDEN int slb_prepare(sl_runtime *rt, sl_tasklet *t);
/* Drop t's saved stack (t will not be resumed). */
SL_HIDDEN void slb_release(sl_runtime *rt, sl_tasklet *t);
/* Suspend `from` (the caller) and resume `to`; returns when `from` is
   resumed. rt->current is already `to`. */
SL_HIDDEN void slb_transfer(sl_runtime *rt, sl_tasklet *from, sl_tasklet *to);
/* After a trap: clear any unwind/rewind in progress (wasm). */
SL_HIDDEN void slb_reset(void);
/* Run C tasklets until a JS-driven tasklet (main or JS) is current. */
SL_HIDDEN void slb_run_c(sl_runtime *rt);
/* sl__tasklet_body(t) returns when t has ended, with rt->current set to
   the tasklet to resume; the backend resumes it without saving t and calls
   sl__reap(rt, t) once it has left t's stack. */

/* Tasklets that are not unwound: main and JS tasklets. */
#define SL_EXTERNAL(t) ((t)->is_main | (t)->is_js)

/* Runtime whose C tasklet is executing (NULL: a main or JS tasklet). */
SL_HIDDEN extern sl_runtime *sl__active;

/* Callbacks run in the middle of a switch or a channel operation: calls
   that change queues or free objects are refused there. */
#define SL_IN_CALLBACK(rt) ((rt)->in_sched_cb | (rt)->in_chan_cb)
#define SL_REFUSE_IN_CALLBACK(rt)                                             \
    do {                                                                      \
        if (SL_IN_CALLBACK(rt))                                               \
            return sl__fail((rt), SL_ERECURSIVE,                              \
                            "not allowed inside a schedule or channel "       \
                            "callback");                                      \
    } while (0)

/* Mutations from a C tasklet of another runtime are refused. */
#define SL_FOREIGN(rt) (sl__active && sl__active != (rt))

#define SL_CHECK_T(t)                                                         \
    do {                                                                      \
        if (!(t)) return SL_EINVAL;                                           \
    } while (0)

#endif /* SL_INTERNAL_H */
