/*
 * tasklet.c: tasklet objects (create, bind, setup, free), their queue
 * operations (insert, remove, run, switch), kill/throw and state queries.
 */
#include "sl_internal.h"

#include <string.h>

static sl_tasklet *tasklet_alloc(sl_runtime *rt, sl_func fn) {
    sl_tasklet *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->rt = rt;
    t->fn = fn;
    t->id = ++rt->next_tid;
    sl_tasklet *m = &rt->mainlet;
    t->all_prev = m->all_prev;
    t->all_next = m;
    m->all_prev->all_next = t;
    m->all_prev = t;
    return t;
}

sl_tasklet *sl_tasklet_new(sl_runtime *rt, sl_func fn) {
    if (!rt) return NULL;
    sl_tasklet *t = tasklet_alloc(rt, fn);
    if (!t) sl__fail(rt, SL_ENOMEM, "out of memory for a new tasklet");
    return t;
}

sl_tasklet *sl_spawn(sl_runtime *rt, sl_func fn, void *arg) {
    if (!rt || !fn) return NULL;
    sl_tasklet *t = sl_tasklet_new(rt, fn);
    if (!t) return NULL;
    if (sl_tasklet_setup(t, arg) < 0) {
        sl__tasklet_destroy(t);
        return NULL;
    }
    t->detached = 1;
    return t;
}

/* Unlink t from every structure, drop its stack and free it. */
void sl__tasklet_destroy(sl_tasklet *t) {
    sl_runtime *rt = t->rt;
    sl__chan_forget(t);
    sl__select_drop(t);
    if (SL_BLOCKED(t)) sl__chan_unlink(t);
    if (t->where == SL_IN_RUNQ) sl__rq_unlink(rt, t);
    if (t->in_wd) sl__wd_pop_to(rt, t);
    if (t->alive) rt->stats.tasklets--;
    slb_release(rt, t);
    t->all_prev->all_next = t->all_next;
    t->all_next->all_prev = t->all_prev;
    if (t->owns_arg) free(t->arg);
    t->id = 0; /* lets the JS layer recognise a stale handle */
    free(t);
}

/* Forget the frames of a not-running tasklet: it is no longer alive. */
static void drop_frames(sl_tasklet *t) {
    if (!t->alive) return;
    sl__chan_forget(t);
    sl__select_drop(t);
    if (SL_BLOCKED(t)) sl__chan_unlink(t);
    if (t->where == SL_IN_RUNQ) sl__rq_unlink(t->rt, t);
    if (t->in_wd) sl__wd_pop_to(t->rt, t);
    slb_release(t->rt, t);
    t->alive = 0;
    t->bomb = 0;
    t->rt->stats.tasklets--;
}

int sl_tasklet_detach(sl_tasklet *t) {
    SL_CHECK_T(t);
    SL_REFUSE_IN_CALLBACK(t->rt);
    if (t->is_main) return SL_ESTATE;
    if (t->alive) t->detached = 1;
    else sl__tasklet_destroy(t);
    return 0;
}

int sl_tasklet_free(sl_tasklet *t) {
    SL_CHECK_T(t);
    SL_REFUSE_IN_CALLBACK(t->rt);
    if (SL_FOREIGN(t->rt)) return SL_EFOREIGN;
    if (t->is_main)
        return sl__fail(t->rt, SL_ESTATE, "the main tasklet cannot be freed");
    if (t == t->rt->current)
        return sl__fail(t->rt, SL_ECURRENT,
                        "a tasklet cannot free itself while running");
    sl__tasklet_destroy(t);
    return 0;
}

int sl_tasklet_bind(sl_tasklet *t, sl_func fn) {
    SL_CHECK_T(t);
    sl_runtime *rt = t->rt;
    SL_REFUSE_IN_CALLBACK(rt);
    if (SL_FOREIGN(rt)) return SL_EFOREIGN;
    if (t == rt->current)
        return sl__fail(rt, SL_ECURRENT, "can't (re)bind the current tasklet");
    if (t->is_main)
        return sl__fail(rt, SL_ESTATE, "can't (re)bind the main tasklet");
    if (t->where != SL_NOWHERE)
        return sl__fail(rt, SL_ESTATE, "tasklet is scheduled");
    drop_frames(t);
    t->fn = fn;
    return 0;
}

int sl_tasklet_setup(sl_tasklet *t, void *arg) {
    SL_CHECK_T(t);
    sl_runtime *rt = t->rt;
    SL_REFUSE_IN_CALLBACK(rt);
    if (SL_FOREIGN(rt)) return SL_EFOREIGN;
    if (!t->fn)
        return sl__fail(rt, SL_EUNBOUND,
                        "the tasklet was not bound to a function");
    if (t->alive) return sl__fail(rt, SL_EALIVE, "tasklet is alive");
    int rc = slb_prepare(rt, t);
    if (rc < 0) return sl__fail(rt, rc, "setup: out of memory for a stack");
    if (t->owns_arg && t->arg != arg) {
        free(t->arg);
        t->owns_arg = 0;
    }
    t->arg = arg;
    t->alive = 1;
    t->bomb = 0;
    rt->stats.tasklets++;
    sl__rq_append(rt, t);
    return 0;
}

/* Common checks of insert/run/switch: t must be alive and not blocked. */
static int runnable_check(sl_tasklet *t) {
    if (SL_BLOCKED(t))
        return sl__fail(t->rt, SL_EBLOCKED, "You cannot run a blocked tasklet");
    if (!t->alive)
        return sl__fail(t->rt, SL_EDEAD,
                        "You cannot run an unbound(dead) tasklet");
    return 0;
}

int sl_tasklet_insert(sl_tasklet *t) {
    SL_CHECK_T(t);
    SL_REFUSE_IN_CALLBACK(t->rt);
    if (SL_FOREIGN(t->rt)) return SL_EFOREIGN;
    int rc = runnable_check(t);
    if (rc) return rc;
    if (t->where == SL_NOWHERE) sl__rq_append(t->rt, t);
    return 0;
}

int sl_tasklet_remove(sl_tasklet *t) {
    SL_CHECK_T(t);
    sl_runtime *rt = t->rt;
    SL_REFUSE_IN_CALLBACK(rt);
    if (SL_FOREIGN(rt)) return SL_EFOREIGN;
    if (SL_BLOCKED(t))
        return sl__fail(rt, SL_EBLOCKED, "You cannot remove a blocked tasklet");
    if (t == rt->current)
        return sl__fail(rt, SL_ECURRENT,
                        "The current tasklet cannot be removed");
    if (t->where == SL_IN_RUNQ) sl__rq_unlink(rt, t);
    return 0;
}

static int run_or_switch(sl_tasklet *t, int pause_caller) {
    SL_CHECK_T(t);
    sl_runtime *rt = t->rt;
    int rc = sl__check_caller(rt);
    if (rc) return rc;
    if (t == rt->current) return 0;
    rc = runnable_check(t);
    if (rc) return rc;
    if (t->where == SL_NOWHERE) sl__rq_append(rt, t);
    if (pause_caller) sl__rq_unlink(rt, rt->current);
    return sl__switch_to(rt, t);
}

int sl_tasklet_run(sl_tasklet *t) { return run_or_switch(t, 0); }
int sl_tasklet_switch(sl_tasklet *t) { return run_or_switch(t, 1); }

int sl_tasklet_throw(sl_tasklet *t, int code, int64_t value, int pending) {
    SL_CHECK_T(t);
    sl_runtime *rt = t->rt;
    if (code >= 0)
        return sl__fail(rt, SL_EINVAL, "throw: the code must be negative");
    SL_REFUSE_IN_CALLBACK(rt);
    if (SL_FOREIGN(rt))
        return sl__fail(rt, SL_EFOREIGN,
                        "called from a tasklet of another runtime");
    if (t == rt->current) {
        t->errval = value;
        return code;
    }
    if (!t->alive) {
        if (code == SL_EKILLED) return 0;
        return sl__fail(rt, SL_EDEAD, "You cannot throw to a dead tasklet");
    }
    int rc = pending ? 0 : sl__check_caller(rt);
    if (rc) return rc;
    if (SL_FOREIGN(rt))
        return sl__fail(rt, SL_EFOREIGN,
                        "called from a tasklet of another runtime");
    if (SL_BLOCKED(t)) sl__chan_unlink(t);
    if (t->in_wd) sl__wd_pop_to(rt, t);
    t->bomb = code;
    t->errval = value;
    if (t->where == SL_NOWHERE) sl__rq_append(rt, t);
    if (pending) return 0;
    return sl__switch_to(rt, t);
}

int sl_tasklet_kill(sl_tasklet *t, int pending) {
    return sl_tasklet_throw(t, SL_EKILLED, 0, pending);
}

/* ---------------------------------------------------------------------- */
/* Queries                                                                */
/* ---------------------------------------------------------------------- */

int sl_tasklet_alive(const sl_tasklet *t) {
    SL_CHECK_T(t);
    return t->alive;
}
int sl_tasklet_blocked(const sl_tasklet *t) {
    SL_CHECK_T(t);
    return SL_BLOCKED(t);
}
int sl_tasklet_scheduled(const sl_tasklet *t) {
    SL_CHECK_T(t);
    return t->where != SL_NOWHERE;
}
int sl_tasklet_paused(const sl_tasklet *t) {
    SL_CHECK_T(t);
    return t->alive && t->where == SL_NOWHERE;
}
int sl_tasklet_is_main(const sl_tasklet *t) {
    SL_CHECK_T(t);
    return t->is_main;
}
int sl_tasklet_is_current(const sl_tasklet *t) {
    SL_CHECK_T(t);
    return t == t->rt->current;
}
uint32_t sl_tasklet_id(const sl_tasklet *t) { return t ? t->id : 0; }
sl_runtime *sl_tasklet_runtime(const sl_tasklet *t) { return t ? t->rt : NULL; }
void sl_tasklet_set_name(sl_tasklet *t, const char *name) {
    if (t) t->name = name;
}
const char *sl_tasklet_name(const sl_tasklet *t) {
    return t && t->name ? t->name : "";
}
int64_t sl_tasklet_tempval(const sl_tasklet *t) { return t ? t->tempval : 0; }
void sl_tasklet_set_tempval(sl_tasklet *t, int64_t v) {
    if (t) t->tempval = v;
}
sl_channel *sl_tasklet_channel(const sl_tasklet *t) {
    return t ? t->chan : NULL;
}
uint32_t sl_tasklet_woken_by(const sl_tasklet *t) {
    return t ? t->woken_by : 0;
}
void sl_tasklet_set_userdata(sl_tasklet *t, void *ud) {
    if (t) t->userdata = ud;
}
void *sl_tasklet_userdata(const sl_tasklet *t) {
    return t ? t->userdata : NULL;
}
