/*
 * stackless.h: Stackless Python's tasklets, round-robin scheduler and
 * channels for C, compiled to WebAssembly (Asyncify) or natively.
 *
 * This is the only public header. Every function is prefixed `sl_`.
 * Handles are opaque pointers. Functions that can fail return a negative
 * code from `sl_error` (0 or a non-negative count on success);
 * `sl_strerror()` describes a code and `sl_error_detail()` gives the
 * message of the last error with its particulars (e.g. which tasklets are
 * stuck in a deadlock).
 *
 * Semantics follow Stackless Python (see ../shared/STACKLESS.md in the
 * project docs): a circular run queue whose head is the running tasklet,
 * rendezvous channels with preference and schedule_all, a watchdog stack
 * for sl_run(), deadlock detection, kill/throw delivered at the target's
 * suspension point. Deliberate differences: out-of-range values are
 * rejected with SL_EINVAL instead of being clamped, and sl_run()'s budget
 * counts tasklet switches, not bytecodes.
 *
 * Threading: a runtime belongs to the thread that created it; the thread's
 * own flow of control is the runtime's main tasklet.
 */
#ifndef STACKLESS_H
#define STACKLESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__EMSCRIPTEN__)
#define SL_API __attribute__((used, visibility("default")))
#else
#define SL_API __attribute__((visibility("default")))
#endif

/* ===================================================================== */
/*  Errors                                                                */
/* ===================================================================== */

typedef enum sl_error {
    SL_OK = 0,
    SL_EINVAL = -1,      /* an argument is NULL, out of range or malformed */
    SL_ESTATE = -2,      /* the operation is not valid in the current state */
    SL_EDEAD = -3,       /* the tasklet is not alive */
    SL_EBLOCKED = -4,    /* the tasklet is blocked on a channel */
    SL_ECURRENT = -5,    /* not allowed on the running tasklet */
    SL_EDEADLOCK = -6,   /* would block with nothing else runnable */
    SL_ECLOSED = -7,     /* would block on a closing channel */
    SL_EKILLED = -8,     /* TaskletExit: the tasklet was killed */
    SL_ENOMEM = -9,      /* out of memory */
    SL_ESTACK = -10,     /* a tasklet's stack or save area overflowed */
    SL_EFOREIGN = -11,   /* the handle belongs to another runtime, or the
                            call comes from a tasklet of another runtime */
    SL_ERECURSIVE = -12, /* scheduling or channel call from a callback */
    SL_EUNBOUND = -13,   /* the tasklet is not bound to a function */
    SL_EALIVE = -14,     /* the tasklet is alive (setup/bind refused) */
    SL_EBUSY = -15,      /* the object is in use (e.g. a channel with
                            blocked tasklets cannot be freed) */
    SL_ECRASHED = -16,   /* a tasklet trapped (wasm) and was ended */
    SL_EPENDING = -17,   /* wasm: the calling JS-driven tasklet (main or a
                            JS tasklet) was suspended; the JS layer
                            completes its operation when it resumes */
    SL_EJS = -18,        /* a JavaScript exception; its value is a handle */
    SL_ETIMEOUT = -19,   /* a timed operation did not complete in time */
    SL_EUSER = -1000     /* codes <= SL_EUSER are free for applications
                            (sl_tasklet_throw, sl_channel_send_exception) */
} sl_error;

/* Name of a code ("SL_EDEADLOCK: deadlock ..."); user codes read
   "user error". Never NULL. */
SL_API const char *sl_strerror(int code);

/* ===================================================================== */
/*  Types                                                                 */
/* ===================================================================== */

typedef struct sl_runtime sl_runtime;
typedef struct sl_tasklet sl_tasklet;
typedef struct sl_channel sl_channel;

/* A tasklet body. Return 0 to end normally, SL_EKILLED to end silently
   (an uncaught TaskletExit), or another negative code to die of that error;
   set the error's 64-bit value first with sl_set_errval(). An error goes to
   the innermost sl_run() caller, or to the main tasklet, at once. */
typedef int (*sl_func)(void *arg);

/* Called on every real switch, also when `prev` is dying. Inside it, and
   inside the channel callback, calls that switch, change a queue or free
   something return SL_ERECURSIVE; queries are fine. */
typedef void (*sl_schedule_cb)(sl_tasklet *prev, sl_tasklet *next, void *ud);

/* Called before every channel send/receive: sending is 1 for send, 0 for
   receive; willblock is 1 when no partner waits. */
typedef void (*sl_channel_cb)(sl_channel *ch, sl_tasklet *t, int sending,
                              int willblock, void *ud);

/* Counters kept in linear memory, so that JS reads them without a call. */
typedef struct sl_stats {
    uint32_t tasklets;    /* alive tasklets, main included */
    uint32_t runnable;    /* tasklets in the run queue */
    uint32_t blocked;     /* tasklets blocked on channels */
    uint32_t channels;    /* channels that exist */
    double switches;      /* real tasklet switches so far */
    double channel_ops;   /* send/receive operations so far */
    double save_bytes;    /* bytes held by saved stacks of suspended tasklets */
} sl_stats;

/* Runtime configuration; zero fields take defaults. */
typedef struct sl_config {
    size_t stack_size; /* native backend: C stack per tasklet (256 KiB).
                          wasm: ignored; tasklets share one region of
                          255 KiB below the static data (overflow traps) */
    size_t save_limit; /* most bytes a suspending tasklet may keep (wasm:
                          its stack slice plus Asyncify data; native: the
                          stack it uses); beyond it the tasklet dies of
                          SL_ESTACK and the others go on. Default and
                          maximum 1 MiB. */
} sl_config;

/* ===================================================================== */
/*  Runtime                                                               */
/* ===================================================================== */

/* Create a runtime; the calling flow of control becomes its main tasklet.
   cfg may be NULL. Returns NULL when out of memory. */
SL_API sl_runtime *sl_runtime_new(const sl_config *cfg);
/* Free a runtime with all its tasklets (without running them) and channels.
   SL_ESTATE if called from one of its own non-main tasklets. */
SL_API int sl_runtime_free(sl_runtime *rt);

SL_API sl_tasklet *sl_current(sl_runtime *rt);
SL_API sl_tasklet *sl_main(sl_runtime *rt);
/* Length of the run queue, the caller included while it is in it. */
SL_API int sl_runcount(sl_runtime *rt);
SL_API const sl_stats *sl_stats_get(sl_runtime *rt);

/* Run until no other tasklet is runnable: the caller becomes a watchdog and
   leaves the run queue; nested calls wake innermost first. With ticks > 0
   return after at most `ticks` switches. Returns the number of other
   tasklets still runnable (0: the queue ran empty) or the error an
   uncaught tasklet error raised here. */
SL_API int sl_run(sl_runtime *rt, int64_t ticks);

/* Move the caller to the back of the run queue. *out (may be NULL)
   receives `retval`, or what was put in the caller's tempval meanwhile. */
SL_API int sl_schedule(sl_runtime *rt, int64_t retval, int64_t *out);
/* Like sl_schedule, but the caller leaves the run queue (paused) until
   someone inserts it again. */
SL_API int sl_schedule_remove(sl_runtime *rt, int64_t retval, int64_t *out);

/* The 64-bit value of the error most recently returned to the calling
   tasklet (kill/throw/send_exception/uncaught error). */
SL_API int64_t sl_errval(sl_runtime *rt);
/* Set the value that goes with an error a tasklet body is about to return. */
SL_API void sl_set_errval(sl_runtime *rt, int64_t value);
/* The message of the last error returned in this runtime, with details. */
SL_API const char *sl_error_detail(sl_runtime *rt);

/* Install callbacks (NULL removes); each returns the previous one. */
SL_API sl_schedule_cb sl_set_schedule_callback(sl_runtime *rt,
                                               sl_schedule_cb cb, void *ud);
SL_API sl_channel_cb sl_set_channel_callback(sl_runtime *rt, sl_channel_cb cb,
                                             void *ud);

/* Write one line per tasklet ("id name state [channel]") into buf; returns
   the length the full text needs (like snprintf). */
SL_API int sl_dump(sl_runtime *rt, char *buf, size_t size);

/* ===================================================================== */
/*  Tasklets                                                              */
/* ===================================================================== */

/* A new tasklet bound to fn (may be NULL), not alive, not scheduled. The
   caller owns it and frees it with sl_tasklet_free(). NULL if no memory. */
SL_API sl_tasklet *sl_tasklet_new(sl_runtime *rt, sl_func fn);
/* sl_tasklet_new + setup, owned by the runtime: it is freed when it ends,
   so do not use the handle after that. NULL on failure. */
SL_API sl_tasklet *sl_spawn(sl_runtime *rt, sl_func fn, void *arg);
/* Hand ownership to the runtime: freed now if not alive, else when it ends. */
SL_API int sl_tasklet_detach(sl_tasklet *t);
/* Free a tasklet; an alive one is dropped without running (not the current
   one: SL_ECURRENT; not main: SL_ESTATE). */
SL_API int sl_tasklet_free(sl_tasklet *t);

/* (Re)bind; fn NULL unbinds. A paused alive tasklet loses its frames.
   SL_ECURRENT for the running one, SL_ESTATE if scheduled or main. */
SL_API int sl_tasklet_bind(sl_tasklet *t, sl_func fn);
/* Make a bound, not alive tasklet alive with `arg` and append it to the end
   of the run queue. SL_EUNBOUND, SL_EALIVE. */
SL_API int sl_tasklet_setup(sl_tasklet *t, void *arg);
/* Append to the run queue if not there (no-op if scheduled). */
SL_API int sl_tasklet_insert(sl_tasklet *t);
/* Take out of the run queue (paused); no-op if not scheduled. */
SL_API int sl_tasklet_remove(sl_tasklet *t);
/* Make t current now; the caller stays in the run queue (R12). */
SL_API int sl_tasklet_run(sl_tasklet *t);
/* Like run, but the caller leaves the run queue (paused). */
SL_API int sl_tasklet_switch(sl_tasklet *t);
/* Raise TaskletExit in t at its suspension point. pending: only make it
   runnable; otherwise switch to it now. No-op on a dead tasklet. */
SL_API int sl_tasklet_kill(sl_tasklet *t, int pending);
/* Raise error `code` (negative) with `value` in t. On the caller itself the
   error is returned at once. SL_EDEAD on a dead tasklet. */
SL_API int sl_tasklet_throw(sl_tasklet *t, int code, int64_t value,
                            int pending);

/* State queries: 1 or 0 (SL_EINVAL for NULL). */
SL_API int sl_tasklet_alive(const sl_tasklet *t);
SL_API int sl_tasklet_blocked(const sl_tasklet *t);
SL_API int sl_tasklet_scheduled(const sl_tasklet *t);
SL_API int sl_tasklet_paused(const sl_tasklet *t);
SL_API int sl_tasklet_is_main(const sl_tasklet *t);
SL_API int sl_tasklet_is_current(const sl_tasklet *t);

SL_API uint32_t sl_tasklet_id(const sl_tasklet *t);
SL_API sl_runtime *sl_tasklet_runtime(const sl_tasklet *t);
/* The name is not copied: keep it alive while the tasklet is. */
SL_API void sl_tasklet_set_name(sl_tasklet *t, const char *name);
SL_API const char *sl_tasklet_name(const sl_tasklet *t);
SL_API int64_t sl_tasklet_tempval(const sl_tasklet *t);
SL_API void sl_tasklet_set_tempval(sl_tasklet *t, int64_t v);
/* The channel t is blocked on, or NULL. */
SL_API sl_channel *sl_tasklet_channel(const sl_tasklet *t);
/* Id of the tasklet that last woke t through a channel (0: none). */
SL_API uint32_t sl_tasklet_woken_by(const sl_tasklet *t);
/* Bytes t's saved stack currently occupies (0 while it runs). */
SL_API size_t sl_tasklet_saved_bytes(const sl_tasklet *t);
SL_API void sl_tasklet_set_userdata(sl_tasklet *t, void *ud);
SL_API void *sl_tasklet_userdata(const sl_tasklet *t);

/* ===================================================================== */
/*  Channels                                                              */
/* ===================================================================== */

SL_API sl_channel *sl_channel_new(sl_runtime *rt);
/* A buffered channel (beyond Stackless): a send completes without a
   receiver while fewer than `capacity` values wait in it; receives take
   buffered values first, oldest first. 0 makes a rendezvous channel. For a
   buffered channel, balance counts values waiting to be received (buffered
   plus blocked senders), or -(blocked receivers). Preference applies to
   rendezvous transfers and, on a receive that frees a slot, to the sender
   it wakes (1: the sender runs at once). */
SL_API sl_channel *sl_channel_new_buffered(sl_runtime *rt, uint32_t capacity);
SL_API int sl_channel_capacity(const sl_channel *ch);
/* SL_EBUSY while tasklets are blocked on it. */
SL_API int sl_channel_free(sl_channel *ch);

/* Rendezvous send; blocks until a receiver takes the value. */
SL_API int sl_channel_send(sl_channel *ch, int64_t value);
/* Rendezvous receive into *out (may be NULL). Returns the error a sender
   sent with sl_channel_send_exception (value in sl_errval()). */
SL_API int sl_channel_receive(sl_channel *ch, int64_t *out);
/* Like send, but the receiver's receive returns `code` (negative), with
   `value` in its sl_errval(). */
SL_API int sl_channel_send_exception(sl_channel *ch, int code, int64_t value);
/* Send each value in turn; returns the count sent or an error. */
SL_API int sl_channel_send_sequence(sl_channel *ch, const int64_t *values,
                                    size_t n);

/* >0: that many senders blocked (plus values buffered); <0: that many
   receivers blocked. */
SL_API int sl_channel_balance(const sl_channel *ch);
SL_API int sl_channel_preference(const sl_channel *ch);
/* -1 prefer the receiver (default), 0 neither, 1 the sender; else
   SL_EINVAL. */
SL_API int sl_channel_set_preference(sl_channel *ch, int pref);
SL_API int sl_channel_schedule_all(const sl_channel *ch);
SL_API int sl_channel_set_schedule_all(sl_channel *ch, int flag);
/* close wakes nobody: an operation that would block then fails with
   SL_ECLOSED; open undoes it. closed = closing and balance == 0. */
SL_API int sl_channel_close(sl_channel *ch);
SL_API int sl_channel_open(sl_channel *ch);
SL_API int sl_channel_closing(const sl_channel *ch);
SL_API int sl_channel_closed(const sl_channel *ch);
/* The first blocked tasklet, or NULL; the rest via sl_channel_queue_at. */
SL_API sl_tasklet *sl_channel_queue(const sl_channel *ch);

/* select (beyond Stackless, as Go's select / libdill's choose) */
enum { SL_SEND = 1, SL_RECV = -1 };
typedef struct sl_case {
    sl_channel *ch;
    int op;        /* SL_SEND or SL_RECV */
    int64_t value; /* for SL_SEND */
} sl_case;
/* Complete one case. The first case that is ready, in array order, wins
   (deterministic, like libdill; not Go's random choice). If none is ready:
   with block = 0, *index = -1 and 0 is returned; otherwise the caller
   waits on all cases at once, queued FIFO on each channel, and the first
   partner to arrive completes its case. *index is the completed case,
   *out (may be NULL) the value received. Errors as for send/receive;
   SL_ECLOSED if it would wait and a case's channel is closing; SL_EINVAL
   for a send and a receive case on one channel. */
SL_API int sl_select(sl_runtime *rt, const sl_case *cases, int n, int block,
                     int *index, int64_t *out);
/* sl_select that waits at most timeout_ms (0: one millisecond's wait at
   most... use sl_select with block = 0 to only poll): SL_ETIMEOUT when no
   case completed in time (every case withdrawn). */
SL_API int sl_select_timeout(sl_runtime *rt, const sl_case *cases, int n,
                             double timeout_ms, int *index, int64_t *out);

/* ===================================================================== */
/*  Timers (beyond Stackless)                                             */
/* ===================================================================== */

/* The caller waits at least `ms` milliseconds; the others run. While only
   sleepers remain, sl_run keeps waiting (natively the thread sleeps; in a
   wasm module driven from JS the JS event loop runs meanwhile). A
   sleeping tasklet counts as blocked; kill/throw wake it. */
SL_API int sl_sleep(sl_runtime *rt, double ms);
SL_API sl_tasklet *sl_channel_queue_at(const sl_channel *ch, int index);
SL_API uint32_t sl_channel_id(const sl_channel *ch);
SL_API sl_runtime *sl_channel_runtime(const sl_channel *ch);

/* ===================================================================== */
/*  C tasklets started by name (from JS: rt.spawnC(name, ...args))        */
/* ===================================================================== */

/* Body of a registered C tasklet. args[] are 64-bit values: numbers,
   BigInts, or channel handles (cast with SL_CHANNEL(args[i])); JS objects
   arrive as opaque handles. The return value is as for sl_func. */
typedef int (*sl_cfunc)(sl_runtime *rt, const int64_t *args, int nargs);

/* Register fn under name (at most 255 names; name is not copied).
   SL_EBUSY if the name is taken, SL_ENOMEM if the table is full. */
SL_API int sl_register(const char *name, sl_cfunc fn);
SL_API int sl_registered_count(void);
SL_API const char *sl_registered_name(int index);
/* Start a registered tasklet (appended to the run queue, not run). The
   tasklet is owned by the caller as with sl_tasklet_new. */
SL_API sl_tasklet *sl_spawn_registered(sl_runtime *rt, const char *name,
                                       const int64_t *args, int nargs);

/* Register a C tasklet at load time: SL_TASKLET("name", fn). */
#define SL_TASKLET(name, fn)                                                  \
    __attribute__((constructor)) static void sl_register_##fn(void) {         \
        sl_register(name, fn);                                                \
    }
#define SL_CHANNEL(arg) ((sl_channel *)(intptr_t)(arg))

#ifdef __cplusplus
}
#endif
#endif /* STACKLESS_H */
