/*
 * sched.c: the runtime, its circular run queue, switching, the watchdog
 * stack of sl_run(), deadlock rules and where an uncaught error goes.
 *
 * The run queue is a ring linked through next/prev; rt->head is the running
 * tasklet whenever that one is queued, and appending means inserting just
 * before the head (Stackless's "insert at end"). Switching to X makes X the
 * head, which rotates the ring.
 */
#if !defined(__EMSCRIPTEN__)
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#endif
#include "sl_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#endif

sl_runtime *sl__active;

/* ---------------------------------------------------------------------- */
/* Run queue                                                              */
/* ---------------------------------------------------------------------- */

void sl__rq_append(sl_runtime *rt, sl_tasklet *t) {
    SL_ASSERT(t->where == SL_NOWHERE);
    sl_tasklet *h = rt->head;
    if (!h) {
        t->next = t->prev = t;
        rt->head = t;
    } else {
        t->prev = h->prev;
        t->next = h;
        h->prev->next = t;
        h->prev = t;
    }
    t->where = SL_IN_RUNQ;
    rt->stats.runnable++;
}

void sl__rq_insert_after(sl_runtime *rt, sl_tasklet *pos, sl_tasklet *t) {
    SL_ASSERT(t->where == SL_NOWHERE && pos->where == SL_IN_RUNQ);
    t->prev = pos;
    t->next = pos->next;
    pos->next->prev = t;
    pos->next = t;
    t->where = SL_IN_RUNQ;
    rt->stats.runnable++;
}

void sl__rq_unlink(sl_runtime *rt, sl_tasklet *t) {
    SL_ASSERT(t->where == SL_IN_RUNQ);
    if (t->next == t) {
        rt->head = NULL;
    } else {
        t->prev->next = t->next;
        t->next->prev = t->prev;
        if (rt->head == t) rt->head = t->next;
    }
    t->next = t->prev = NULL;
    t->where = SL_NOWHERE;
    rt->stats.runnable--;
}

/* ---------------------------------------------------------------------- */
/* Runtime                                                                */
/* ---------------------------------------------------------------------- */

sl_runtime *sl_runtime_new(const sl_config *cfg) {
    sl_runtime *rt = calloc(1, sizeof *rt);
    if (!rt) return NULL;
    rt->stack_size = cfg && cfg->stack_size ? cfg->stack_size : 0;
    rt->save_limit = SL_SAVE_LIMIT_MAX;
    if (cfg && cfg->save_limit && cfg->save_limit < SL_SAVE_LIMIT_MAX)
        rt->save_limit = cfg->save_limit;
    sl_tasklet *m = &rt->mainlet;
    m->rt = rt;
    m->is_main = 1;
    m->alive = 1;
    m->started = 1;
    m->id = ++rt->next_tid;
    m->name = "main";
    m->all_next = m->all_prev = m;
    rt->all = m;
    rt->current = m;
    rt->stats.tasklets = 1;
    sl__rq_append(rt, m);
    if (slb_init(rt) < 0) {
        free(rt);
        return NULL;
    }
    return rt;
}

int sl_runtime_free(sl_runtime *rt) {
    if (!rt) return SL_EINVAL;
    SL_REFUSE_IN_CALLBACK(rt);
    if (sl__active == rt || rt->current != &rt->mainlet)
        return sl__fail(rt, SL_ESTATE,
                        "a runtime can only be freed from its main tasklet");
    while (rt->mainlet.all_next != &rt->mainlet)
        sl__tasklet_destroy(rt->mainlet.all_next);
    while (rt->channels) {
        sl_channel *c = rt->channels;
        rt->channels = c->all_next == c ? NULL : c->all_next;
        c->all_prev->all_next = c->all_next;
        c->all_next->all_prev = c->all_prev;
        free(c->buf);
        free(c);
    }
    slb_fini(rt);
    free(rt);
    return 0;
}

sl_tasklet *sl_current(sl_runtime *rt) { return rt ? rt->current : NULL; }
sl_tasklet *sl_main(sl_runtime *rt) { return rt ? &rt->mainlet : NULL; }
int sl_runcount(sl_runtime *rt) {
    return rt ? (int)rt->stats.runnable : SL_EINVAL;
}
const sl_stats *sl_stats_get(sl_runtime *rt) { return rt ? &rt->stats : NULL; }
int64_t sl_errval(sl_runtime *rt) { return rt ? rt->current->errval : 0; }
void sl_set_errval(sl_runtime *rt, int64_t value) {
    if (rt) rt->current->errval = value;
}

sl_schedule_cb sl_set_schedule_callback(sl_runtime *rt, sl_schedule_cb cb,
                                        void *ud) {
    if (!rt) return NULL;
    sl_schedule_cb old = rt->sched_cb;
    rt->sched_cb = cb;
    rt->sched_ud = ud;
    return old;
}

sl_channel_cb sl_set_channel_callback(sl_runtime *rt, sl_channel_cb cb,
                                      void *ud) {
    if (!rt) return NULL;
    sl_channel_cb old = rt->chan_cb;
    rt->chan_cb = cb;
    rt->chan_ud = ud;
    return old;
}

/* A call that may switch must come from this runtime's running tasklet
   and not from inside a schedule callback. */
int sl__check_caller(sl_runtime *rt) {
    if (!rt) return SL_EINVAL;
    if (sl__active && sl__active != rt)
        return sl__fail(rt, SL_EFOREIGN,
                        "called from a tasklet of another runtime");
    if (!sl__active && !SL_EXTERNAL(rt->current))
        return sl__fail(rt, SL_EFOREIGN,
                        "called from outside the runtime's tasklets");
    if (SL_IN_CALLBACK(rt))
        return sl__fail(rt, SL_ERECURSIVE,
                        "scheduling call inside a schedule or channel "
                        "callback");
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Switching                                                              */
/* ---------------------------------------------------------------------- */

int sl__deliver(sl_runtime *rt, sl_tasklet *t) {
    int code = t->bomb;
    if (!code) return 0;
    t->bomb = 0; /* t->errval now holds the error's value */
    (void)rt;
    return code;
}

/* Pop watchdogs from the top down to w (included). Those above w were
   nested sl_run() calls: they become runnable and their run returns when
   they resume (Stackless R5.7). */
void sl__wd_pop_to(sl_runtime *rt, sl_tasklet *w) {
    for (;;) {
        sl_tasklet *top = rt->wd_top;
        SL_ASSERT(top && top->in_wd);
        rt->wd_top = top->wd_below;
        top->wd_below = NULL;
        top->in_wd = 0;
        if (rt->budget_wd == top) rt->budget_wd = NULL;
        if (top == w) return;
        if (top->where == SL_NOWHERE) sl__rq_append(rt, top);
    }
}

/* The bookkeeping of a real switch: count it, tell the schedule
   callback, and make next current. */
static inline void make_current(sl_runtime *rt, sl_tasklet *prev,
                                sl_tasklet *next) {
    rt->stats.switches++;
    if (rt->sched_cb) {
        rt->in_sched_cb = 1;
        rt->sched_cb(prev, next, rt->sched_ud);
        rt->in_sched_cb = 0;
    }
    rt->current = next;
    sl__active = SL_EXTERNAL(next) ? NULL : rt;
}

/* Make `next` (queued) the running tasklet. The caller has already put
   itself where it belongs (queued, blocked, paused or ended). Returns,
   once the caller runs again, the error delivered to it, if any. */
SL_HOT int sl__switch_to(sl_runtime *rt, sl_tasklet *next) {
    sl_tasklet *prev = rt->current;
    SL_ASSERT(next->where == SL_IN_RUNQ);
    if (rt->budget_wd && next != rt->budget_wd) {
        if (rt->ticks_left > 0) {
            rt->ticks_left--;
        } else {
            /* budget spent: the budgeted sl_run() returns, ahead of the
               tasklet that would have run */
            sl_tasklet *w = rt->budget_wd;
            sl__wd_pop_to(rt, w);
            if (w->where == SL_IN_RUNQ) sl__rq_unlink(rt, w); /* inserted
                                                                  by hand */
            rt->head = next;
            sl__rq_append(rt, w); /* just before next */
            next = w;
        }
    }
    rt->head = next;
    if (prev == next) return sl__deliver(rt, prev);
    make_current(rt, prev, next);
    if (!prev->alive && !prev->is_main) return 0; /* dying: backend goes on */
    slb_transfer(rt, prev, next);
    /* A JS-driven caller comes back here as soon as any JS-driven tasklet
       is current (or the runtime is idle); if that is not the caller, it
       stays suspended. */
    if (rt->current != prev || rt->idle) return SL_EPENDING;
    return sl__deliver(rt, prev);
}

/* ---------------------------------------------------------------------- */
/* Timers                                                                 */
/* ---------------------------------------------------------------------- */

int64_t sl__now_us(void) {
#if defined(__EMSCRIPTEN__)
    return (int64_t)(emscripten_get_now() * 1000.0);
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
#endif
}

void sl__sleepers_add(sl_runtime *rt, sl_tasklet *t, int64_t at) {
    sl_tasklet **pp = &rt->sleepers, *prev = NULL;
    while (*pp && (*pp)->tempval <= at) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    t->tempval = at;
    t->next = *pp;
    t->prev = prev;
    if (*pp) (*pp)->prev = t;
    *pp = t;
    t->where = SL_SLEEPING;
    if (!t->proxy) rt->stats.blocked++;
}

void sl__sleepers_remove(sl_runtime *rt, sl_tasklet *t) {
    SL_ASSERT(t->where == SL_SLEEPING);
    if (t->prev) t->prev->next = t->next;
    else rt->sleepers = t->next;
    if (t->next) t->next->prev = t->prev;
    t->next = t->prev = NULL;
    t->where = SL_NOWHERE;
    if (!t->proxy) rt->stats.blocked--;
}

void sl__wake_due(sl_runtime *rt) {
    if (!rt->sleepers) return;
    int64_t now = sl__now_us();
    while (rt->sleepers && rt->sleepers->tempval <= now) {
        sl_tasklet *t = rt->sleepers;
        sl__sleepers_remove(rt, t);
        if (t->proxy) t = sl__select_timeout(t);
        sl__rq_append(rt, t);
    }
}

/* Nothing is runnable but sleepers: natively (or with a C main) wait for
   the first one here; returns 0 when something is runnable. With a JS
   main, return to the JS event loop instead: main becomes current while
   it still waits (idle), and the JS layer calls back when a timer is due
   (sl_js_wake). */
static int wait_for_timer(sl_runtime *rt) {
    for (;;) {
        sl__wake_due(rt);
        if (rt->head) return 0;
        if (rt->js_driven) return SL_EPENDING;
        int64_t left = rt->sleepers->tempval - sl__now_us();
        if (left > 0) {
#if defined(__EMSCRIPTEN__)
            int64_t until = sl__now_us() + left; /* no blocking sleep here */
            while (sl__now_us() < until) {
            }
#else
            struct timespec ts = {(time_t)(left / 1000000),
                                  (long)(left % 1000000) * 1000};
            nanosleep(&ts, NULL);
#endif
        }
    }
}

void sl__resume(sl_runtime *rt) {
    if (rt->current != rt->head) make_current(rt, rt->current, rt->head);
}

/* Become idle: main is current without running, until a timer is due. */
static int go_idle(sl_runtime *rt) {
    sl_tasklet *c = rt->current, *m = &rt->mainlet;
    rt->idle = 1;
    if (c == m) return SL_EPENDING;
    rt->current = m;
    sl__active = NULL;
    if (!c->alive) return 0; /* a dying tasklet: the backend goes on */
    slb_transfer(rt, c, m);
    if (rt->current != c || rt->idle) return SL_EPENDING;
    return sl__deliver(rt, c);
}

/* Describe the tasklets stuck on channels into rt->msg after `prefix`. */
static int deadlock(sl_runtime *rt, const char *prefix) {
    size_t n = (size_t)snprintf(rt->msg, sizeof rt->msg, "%s", prefix);
    const char *sep = " Blocked: ";
    sl_tasklet *t = &rt->mainlet;
    do {
        if (SL_BLOCKED(t) && n < sizeof rt->msg) {
            if (t->where >= SL_IN_SELECT)
                n += (size_t)snprintf(rt->msg + n, sizeof rt->msg - n,
                                      "%s%u '%s' %s", sep, t->id,
                                      t->name ? t->name : "",
                                      t->where == SL_IN_SELECT ? "selecting"
                                                               : "sleeping");
            else
                n += (size_t)snprintf(rt->msg + n, sizeof rt->msg - n,
                                      "%s%u '%s' %s channel %u", sep, t->id,
                                      t->name ? t->name : "", t->dir > 0
                                      ? "sending on" : "receiving on",
                                      t->chan->id);
            sep = ", ";
        }
        t = t->all_next;
    } while (t != &rt->mainlet);
    if (n < sizeof rt->msg && *sep == ',')
        snprintf(rt->msg + n, sizeof rt->msg - n, ".");
    return SL_EDEADLOCK;
}

/* The running tasklet has left the run queue (blocked on a channel when
   on_channel, else paused). Run whoever comes next; when nothing is
   runnable follow Stackless's rules (R4, R10): wake the innermost
   watchdog, revive a paused main, or fail with a deadlock, in which case
   the caller is put back where it was. */
SL_HOT int sl__wait(sl_runtime *rt, int on_channel) {
    sl_tasklet *c = rt->current;
    if (rt->head) return sl__switch_to(rt, rt->head);
    if (rt->sleepers) { /* not a deadlock: a timer will wake someone */
        int rc = wait_for_timer(rt);
        if (rc == SL_EPENDING) return go_idle(rt);
        return sl__switch_to(rt, rt->head);
    }
    sl_tasklet *w = rt->wd_top ? rt->wd_top : &rt->mainlet;
    if (w->in_wd) {
        sl__wd_pop_to(rt, w);
        sl__rq_append(rt, w);
        return sl__switch_to(rt, w);
    }
    if (w != c && w->where == SL_NOWHERE) { /* main is paused: revive it */
        sl__rq_append(rt, w);
        return sl__switch_to(rt, w);
    }
    /* the caller is main, or main waits on a channel */
    if (!on_channel && w == c) { /* schedule_remove with nothing else */
        sl__rq_append(rt, c);
        return 0;
    }
    if (on_channel) sl__chan_unlink(c);
    sl__rq_append(rt, c);
    return deadlock(rt,
                    "Deadlock: the last runnable tasklet cannot be blocked.");
}

/* t has ended with rc (0, SL_EKILLED, or an error with value ev): take
   it out of every queue and choose who runs next (R11): after an error,
   the innermost watchdog or main at once; otherwise the next queued
   tasklet, else the innermost watchdog, else main (which, if it waits on
   a channel, is woken with a deadlock error). */
sl_tasklet *sl__tasklet_end(sl_runtime *rt, sl_tasklet *t, int rc,
                            int64_t ev) {
    t->alive = 0;
    rt->stats.tasklets--;
    sl__chan_forget(t); /* a crash may end it inside send_sequence */
    sl__select_drop(t); /* ... or inside a select */
    if (SL_BLOCKED(t)) sl__chan_unlink(t);
    if (t->where == SL_IN_RUNQ) sl__rq_unlink(rt, t);
    if (t->in_wd) sl__wd_pop_to(rt, t);
    sl_tasklet *w = rt->wd_top ? rt->wd_top : &rt->mainlet;
    if (rc < 0 && rc != SL_EKILLED) {
        if (w->in_wd) sl__wd_pop_to(rt, w);
        if (SL_BLOCKED(w)) sl__chan_unlink(w);
        w->bomb = rc;
        w->errval = ev;
        if (w->where == SL_NOWHERE) sl__rq_append(rt, w);
        sl__fail(rt, rc, "tasklet %u '%s' died: %s", t->id,
                 t->name ? t->name : "", sl_strerror(rc));
        return w;
    }
    if (rt->head) return rt->head;
    if (rt->sleepers) {
        if (wait_for_timer(rt) == 0) return rt->head;
        return NULL; /* idle until a timer is due */
    }
    if (w->in_wd) {
        sl__wd_pop_to(rt, w);
    } else if (SL_BLOCKED(w)) {
        int sending = w->dir > 0;
        sl__chan_unlink(w);
        w->bomb = SL_EDEADLOCK;
        w->errval = 0;
        deadlock(rt, sending ? "Deadlock: the main tasklet is sending "
                               "without a receiver available."
                             : "Deadlock: the main tasklet is receiving "
                               "without a sender available.");
    }
    if (w->where == SL_NOWHERE) sl__rq_append(rt, w);
    return w;
}

/* The ended current tasklet hands over to next (NULL: go idle until a
   timer is due). */
void sl__switch_after_end(sl_runtime *rt, sl_tasklet *next) {
    if (next) sl__switch_to(rt, next);
    else go_idle(rt);
}

/* Body of every tasklet: deliver an error thrown before it started, run
   the function, then return to the backend with rt->current set to the
   tasklet that runs next. */
__attribute__((noinline)) void sl__tasklet_body(sl_tasklet *t) {
    sl_runtime *rt = t->rt;
    int rc = sl__deliver(rt, t);
    if (rc == 0) rc = t->fn(t->arg);
    sl__switch_after_end(rt, sl__tasklet_end(rt, t, rc, t->errval));
}

/* The backend cannot keep t's stack (it outgrew the save limit, or
   trapped): t dies of `code`, and whoever sl__tasklet_end chooses becomes
   current without a switch callback. The backend reaps t. */
void sl__crash(sl_runtime *rt, sl_tasklet *t, int code) {
    char why[sizeof rt->msg];
    memcpy(why, rt->msg, sizeof why);
    sl_tasklet *next = sl__tasklet_end(rt, t, code, 0);
    sl__fail(rt, code, "%s", why); /* keep the backend's explanation */
    if (!next) { /* idle until a timer is due */
        rt->idle = 1;
        next = &rt->mainlet;
    } else {
        rt->head = next;
    }
    rt->current = next;
    sl__active = SL_EXTERNAL(next) ? NULL : rt;
}

/* The backend left t's stack for good: release it. */
void sl__reap(sl_runtime *rt, sl_tasklet *t) {
    slb_release(rt, t);
    if (t->detached) sl__tasklet_destroy(t);
}

/* ---------------------------------------------------------------------- */
/* Public scheduling calls                                                */
/* ---------------------------------------------------------------------- */

int sl_run(sl_runtime *rt, int64_t ticks) {
    int rc = sl__check_caller(rt);
    if (rc) return rc;
    if (ticks < 0)
        return sl__fail(rt, SL_EINVAL, "run: ticks must be >= 0");
    sl_tasklet *c = rt->current;
    c->wd_below = rt->wd_top;
    rt->wd_top = c;
    c->in_wd = 1;
    if (ticks > 0 && !rt->budget_wd) {
        rt->budget_wd = c;
        rt->ticks_left = ticks;
    }
    sl__rq_unlink(rt, c);
    if (!rt->head) {
        sl__wd_pop_to(rt, c);
        sl__rq_append(rt, c);
        return 0;
    }
    c->pend = SL_OP_RUN;
    rc = sl__switch_to(rt, rt->head);
    if (rc == SL_EPENDING) return rc;
    if (c->in_wd) sl__wd_pop_to(rt, c); /* woken by hand (R5.7) */
    if (rc < 0) return rc;
    return (int)rt->stats.runnable - 1;
}

int sl_schedule(sl_runtime *rt, int64_t retval, int64_t *out) {
    int rc = sl__check_caller(rt);
    if (rc) return rc;
    sl_tasklet *c = rt->current;
    c->tempval = retval;
    c->pend = SL_OP_SCHED;
    if (c->next != c) rc = sl__switch_to(rt, c->next);
    if (out && rc != SL_EPENDING) *out = c->tempval;
    return rc;
}

int sl_sleep(sl_runtime *rt, double ms) {
    int rc = sl__check_caller(rt);
    if (rc) return rc;
    if (!(ms >= 0) || ms > 1e12)
        return sl__fail(rt, SL_EINVAL, "sleep: milliseconds must be >= 0");
    sl_tasklet *c = rt->current;
    c->pend = SL_OP_SLEEP;
    sl__rq_unlink(rt, c);
    sl__sleepers_add(rt, c, sl__now_us() + (int64_t)(ms * 1000.0));
    return sl__wait(rt, 1);
}

int sl_schedule_remove(sl_runtime *rt, int64_t retval, int64_t *out) {
    int rc = sl__check_caller(rt);
    if (rc) return rc;
    sl_tasklet *c = rt->current;
    c->tempval = retval;
    c->pend = SL_OP_SCHED;
    sl__rq_unlink(rt, c);
    rc = sl__wait(rt, 0);
    if (out && rc != SL_EPENDING) *out = c->tempval;
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Dump                                                                   */
/* ---------------------------------------------------------------------- */

static const char *state_name(const sl_tasklet *t) {
    if (t == t->rt->current) return "running";
    if (!t->alive) return t->fn ? "dead" : "unbound";
    if (t->where == SL_IN_SELECT) return "selecting";
    if (t->where == SL_SLEEPING) return "sleeping";
    if (t->where == SL_IN_CHAN) return t->dir > 0 ? "sending" : "receiving";
    if (t->where == SL_IN_RUNQ) return "runnable";
    if (t->in_wd) return "in-run";
    return "paused";
}

int sl_dump(sl_runtime *rt, char *buf, size_t size) {
    if (!rt) return SL_EINVAL;
    size_t n = 0;
    char line[160];
    const sl_tasklet *t = &rt->mainlet;
    do {
        int k = snprintf(line, sizeof line, "%u %s %s", t->id,
                         t->name ? t->name : "-", state_name(t));
        if (t->where == SL_IN_CHAN)
            k += snprintf(line + k, sizeof line - (size_t)k, " channel %u",
                          t->chan->id);
        k += snprintf(line + k, sizeof line - (size_t)k, "\n");
        if (buf && n < size)
            snprintf(buf + n, size - n, "%s", line);
        n += (size_t)k;
        t = t->all_next;
    } while (t != &rt->mainlet);
    if (buf && size && n >= size) buf[size - 1] = '\0';
    return (int)n;
}
