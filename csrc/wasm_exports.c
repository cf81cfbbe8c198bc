/*
 * wasm_exports.c: the calls the JavaScript layer (wasm-build/index.mjs)
 * makes into the core, in wasm builds only.
 *
 * JS-driven tasklets (main and JS tasklets) are never unwound: when one of
 * them must wait, the core runs C tasklets until some JS-driven tasklet is
 * current and returns SL_EPENDING if that is not the caller. The JS layer
 * then settles the pending promise of whichever JS-driven tasklet is
 * current, using sl_js_complete() to finish the operation it was in.
 *
 * 64-bit values cross the boundary as (lo, hi) pairs of 32-bit integers,
 * and results come back through one struct in linear memory (sl_js_out),
 * so no call returns an i64.
 */
#if defined(__EMSCRIPTEN__)
#include "sl_internal.h"

#include <emscripten.h>
#include <emscripten/heap.h>
#include <emscripten/stack.h>

#include <stddef.h>

#define EXPORT EMSCRIPTEN_KEEPALIVE
/* These functions are called only from JS, so no header declares them. */
#pragma clang diagnostic ignored "-Wmissing-prototypes"

static struct {
    int64_t value;  /* value produced by the last call */
    uint32_t vref;  /* JS value handle riding with it (0: none) */
    int32_t layout[12];
    int32_t index;  /* select: the case that completed */
} out;

static int64_t make64(int32_t lo, int32_t hi) {
    return (int64_t)(((uint64_t)(uint32_t)hi << 32) | (uint32_t)lo);
}

/* Address of the result struct; also fills in the struct offsets the JS
   layer reads directly. */
EXPORT void *sl_js_out(void) {
    out.layout[0] = (int32_t)offsetof(sl_tasklet, id);
    out.layout[1] = (int32_t)offsetof(sl_runtime, current);
    out.layout[2] = (int32_t)offsetof(sl_runtime, stats);
    out.layout[3] = (int32_t)offsetof(sl_tasklet, userdata);
    out.layout[4] = (int32_t)offsetof(sl_channel, id);
    out.layout[5] = (int32_t)offsetof(sl_channel, balance);
    return &out;
}

/* A JS tasklet: its body lives in JS, so the C function is never called. */
static int js_body(void *arg) {
    (void)arg;
    return SL_ESTATE;
}

EXPORT sl_tasklet *sl_js_tasklet_new(sl_runtime *rt) {
    sl_tasklet *t = sl_tasklet_new(rt, js_body);
    if (t) t->is_js = 1;
    return t;
}

EXPORT int sl_js_bind(sl_tasklet *t, int bound) {
    return sl_tasklet_bind(t, bound ? js_body : NULL);
}

EXPORT int sl_js_is_js(sl_tasklet *t) { return t ? t->is_js : 0; }

EXPORT int sl_js_send(sl_channel *ch, int32_t lo, int32_t hi, uint32_t vref) {
    if (!ch) return SL_EINVAL;
    ch->rt->send_vref = vref;
    return sl_channel_send(ch, make64(lo, hi));
}

EXPORT int sl_js_send_exception(sl_channel *ch, int code, int32_t lo,
                                int32_t hi) {
    if (!ch) return SL_EINVAL;
    ch->rt->send_vref = (uint32_t)lo; /* the error's handle, as for send */
    return sl_channel_send_exception(ch, code, make64(lo, hi));
}

/* After a failed send by t: whether its value handle was never delivered
   (a value handed to a receiver must stay, even if the sender then fails). */
EXPORT int sl_js_undelivered(sl_tasklet *t) { return t ? t->vref != 0 : 0; }

EXPORT int sl_js_receive(sl_channel *ch) {
    int rc = sl_channel_receive(ch, &out.value);
    if (rc == 0) out.vref = ch->rt->current->vref;
    return rc;
}

/* select over n cases laid out as 4 int32 each: channel, op (1 send,
   -1 receive), value lo, value hi; vrefs[n] the sent values' handles. */
EXPORT int sl_js_select(sl_runtime *rt, const int32_t *spec, const uint32_t *vrefs,
                        int n, double timeout_ms) {
    if (n < 1 || n > 4096) return SL_EINVAL;
    sl_case *cases = malloc((size_t)n * sizeof *cases);
    if (!cases) return SL_ENOMEM;
    for (int i = 0; i < n; i++) {
        cases[i].ch = (sl_channel *)(uintptr_t)(uint32_t)spec[4 * i];
        cases[i].op = spec[4 * i + 1];
        cases[i].value = make64(spec[4 * i + 2], spec[4 * i + 3]);
    }
    int index = -1;
    /* timeout_ms < 0: wait forever; 0: poll; > 0: at most that long */
    int64_t us = timeout_ms < 0 ? -1 : (int64_t)(timeout_ms * 1000.0);
    if (timeout_ms > 0 && us == 0) us = 1;
    int rc = sl__select(rt, cases, vrefs, n, us, &index, &out.value);
    free(cases);
    out.index = index;
    if (rc == 0) out.vref = rt->current->vref;
    return rc;
}

/* ---- timers ---- */

EXPORT void sl_js_set_driven(sl_runtime *rt) { rt->js_driven = 1; }
EXPORT int sl_js_sleep(sl_runtime *rt, double ms) { return sl_sleep(rt, ms); }
EXPORT int sl_js_idle(sl_runtime *rt) { return rt->idle; }

/* Milliseconds until the first sleeper is due (-1: no sleeper). */
EXPORT double sl_js_next_wake(sl_runtime *rt) {
    if (!rt->sleepers) return -1;
    double ms = (double)(rt->sleepers->tempval - sl__now_us()) / 1000.0;
    return ms > 0 ? ms : 0;
}

/* A timer is due: wake due sleepers and, if that makes anyone runnable,
   leave the idle state and run until a JS-driven tasklet is current. */
EXPORT int sl_js_wake(sl_runtime *rt) {
    sl__wake_due(rt);
    if (!rt->idle || !rt->head) return rt->idle;
    rt->idle = 0;
    sl__resume(rt);
    slb_run_c(rt);
    return 0;
}

EXPORT sl_channel *sl_js_channel_new(sl_runtime *rt, uint32_t capacity) {
    return sl_channel_new_buffered(rt, capacity);
}

EXPORT int sl_js_schedule(sl_runtime *rt, int remove) {
    /* the JS layer keeps schedule's JS return value itself */
    return remove ? sl_schedule_remove(rt, 0, NULL) : sl_schedule(rt, 0, NULL);
}

EXPORT int sl_js_run(sl_runtime *rt, double ticks) {
    return sl_run(rt, (int64_t)ticks);
}

EXPORT int sl_js_throw(sl_tasklet *t, int code, int32_t lo, int32_t hi,
                       int pending) {
    return sl_tasklet_throw(t, code, make64(lo, hi), pending);
}

/* The value of the error last returned to the caller. */
EXPORT void sl_js_errval(sl_runtime *rt) { out.value = rt->current->errval; }

/* t (JS-driven) is current again: finish the operation it was suspended
   in. Returns its result code; a value goes to `out`. */
EXPORT int sl_js_complete(sl_tasklet *t) {
    sl_runtime *rt = t->rt;
    int rc = sl__deliver(rt, t);
    switch (t->pend) {
    case SL_OP_RUN:
        if (t->in_wd) sl__wd_pop_to(rt, t);
        out.value = (int64_t)rt->stats.runnable - 1;
        break;
    case SL_OP_RECV:
        if (!rc) rc = t->send_code; /* an error it received */
        t->send_code = 0;
        out.value = t->tempval;
        out.vref = t->vref;
        break;
    case SL_OP_SEND:
        t->send_code = 0;
        break;
    case SL_OP_SCHED:
        out.value = t->tempval;
        break;
    case SL_OP_SELECT: {
        int index = -1;
        rc = sl__select_done(t, rc, &index, &out.value);
        out.vref = t->vref;
        out.index = index;
        break;
    }
    default:
        break;
    }
    t->pend = SL_OP_NONE;
    return rc;
}

/* The JS tasklet t (current) has ended with rc (0, SL_EKILLED, or SL_EJS
   with the error's handle): run on until a JS-driven tasklet is current. */
EXPORT int sl_js_end(sl_tasklet *t, int rc, int32_t lo, int32_t hi) {
    sl_runtime *rt = t->rt;
    if (t != rt->current || !t->is_js) return SL_ESTATE;
    sl__switch_after_end(rt, sl__tasklet_end(rt, t, rc, make64(lo, hi)));
    slb_run_c(rt);
    return 0;
}

/* A call from JS trapped (a C tasklet overflowed the wasm stack, hit
   `unreachable`, ...). If a C tasklet was running it dies with `code` and
   the runtime goes on; returns 1 then, 0 if no C tasklet was to blame. */
EXPORT int sl_js_recover(sl_runtime *rt, int code) {
    slb_reset();
    sl_tasklet *t = rt->current;
    if (SL_EXTERNAL(t)) return 0;
    sl__fail(rt, code, "tasklet %u '%s' crashed", t->id, t->name ? t->name : "");
    sl__crash(rt, t, code);
    sl__reap(rt, t);
    slb_run_c(rt);
    return 1;
}

/* Callbacks into JS: the wrapper sets Module.slOnSwitch / slOnChannel. */
extern void sl_js_on_switch(sl_tasklet *prev, sl_tasklet *next);
extern void sl_js_on_channel(sl_channel *ch, sl_tasklet *t, int sending,
                             int willblock);

static void js_switch_cb(sl_tasklet *prev, sl_tasklet *next, void *ud) {
    (void)ud;
    sl_js_on_switch(prev, next);
}

static void js_channel_cb(sl_channel *ch, sl_tasklet *t, int sending,
                          int willblock, void *ud) {
    (void)ud;
    sl_js_on_channel(ch, t, sending, willblock);
}

EXPORT void sl_js_callbacks(sl_runtime *rt, int on_switch, int on_channel) {
    sl_set_schedule_callback(rt, on_switch ? js_switch_cb : NULL, NULL);
    sl_set_channel_callback(rt, on_channel ? js_channel_cb : NULL, NULL);
}

/* ---- introspection for tools and the demo page ---- */

/* Handles of every tasklet (main first); returns how many exist. */
EXPORT int sl_js_tasklets(sl_runtime *rt, sl_tasklet **buf, int max) {
    int n = 0;
    sl_tasklet *t = &rt->mainlet;
    do {
        if (n < max) buf[n] = t;
        n++;
        t = t->all_next;
    } while (t != &rt->mainlet);
    return n;
}

EXPORT int sl_js_channels(sl_runtime *rt, sl_channel **buf, int max) {
    int n = 0;
    sl_channel *c = rt->channels;
    if (!c) return 0;
    do {
        if (n < max) buf[n] = c;
        n++;
        c = c->all_next;
    } while (c != rt->channels);
    return n;
}

/* Four ints per tasklet: id, state, channel id (0: none), woken_by.
   States: 0 running, 1 runnable, 2 sending, 3 receiving, 4 paused,
   5 waiting in run(), 6 not alive, 7 selecting. */
EXPORT int sl_js_inspect(sl_runtime *rt, int32_t *buf, int max) {
    int n = 0;
    sl_tasklet *t = &rt->mainlet;
    do {
        if (n < max) {
            int32_t st = t == rt->current       ? 0
                         : !t->alive            ? 6
                         : t->where == SL_IN_SELECT ? 7
                         : t->where == SL_IN_CHAN ? (t->dir > 0 ? 2 : 3)
                         : t->where == SL_IN_RUNQ ? 1
                         : t->in_wd             ? 5
                                                : 4;
            int32_t *e = buf + 4 * n;
            e[0] = (int32_t)t->id;
            e[1] = st;
            e[2] = t->chan ? (int32_t)t->chan->id : 0;
            e[3] = (int32_t)t->woken_by;
        }
        n++;
        t = t->all_next;
    } while (t != &rt->mainlet);
    return n;
}

/* Ids of the run queue in order from its head; returns its length. */
EXPORT int sl_js_runqueue(sl_runtime *rt, int32_t *buf, int max) {
    int n = 0;
    sl_tasklet *h = rt->head, *t = h;
    if (!h) return 0;
    do {
        if (n < max) buf[n] = (int32_t)t->id;
        n++;
        t = t->next;
    } while (t != h);
    return n;
}

/* ---- snapshots: all state is in linear memory ---- */

/* End of the memory in use (the heap's break): a snapshot copies
   [0, end). */
EXPORT uintptr_t sl_js_heap_end(void) { return *emscripten_get_sbrk_ptr(); }

/* Make the memory at least `bytes` long (restoring a snapshot). */
EXPORT int sl_js_reserve(uintptr_t bytes) {
    return emscripten_get_heap_size() >= bytes ||
           emscripten_resize_heap(bytes);
}

EXPORT sl_tasklet *sl_js_spawn_c(sl_runtime *rt, const char *name,
                                 const int64_t *args, int nargs) {
    return sl_spawn_registered(rt, name, args, nargs);
}

#endif /* __EMSCRIPTEN__ */
