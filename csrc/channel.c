/*
 * channel.c: rendezvous channels. A channel is a FIFO of tasklets all
 * blocked in the same direction; balance counts them (+ senders,
 * - receivers). Who runs after a successful transfer follows Stackless's
 * preference / schedule_all table (R8).
 */
#include "sl_internal.h"

sl_channel *sl_channel_new(sl_runtime *rt) {
    if (!rt) return NULL;
    sl_channel *ch = calloc(1, sizeof *ch);
    if (!ch) return NULL;
    ch->rt = rt;
    ch->id = ++rt->next_cid;
    ch->preference = -1;
    if (!rt->channels) {
        ch->all_next = ch->all_prev = ch;
        rt->channels = ch;
    } else {
        sl_channel *h = rt->channels;
        ch->all_prev = h->all_prev;
        ch->all_next = h;
        h->all_prev->all_next = ch;
        h->all_prev = ch;
    }
    rt->stats.channels++;
    return ch;
}

int sl_channel_free(sl_channel *ch) {
    if (!ch) return SL_EINVAL;
    sl_runtime *rt = ch->rt;
    if (SL_FOREIGN(rt)) return SL_EFOREIGN;
    SL_REFUSE_IN_CALLBACK(rt);
    if (ch->users)
        return sl__fail(rt, SL_EBUSY,
                        "channel %u is in use by a send_sequence", ch->id);
    if (ch->balance)
        return sl__fail(rt, SL_EBUSY,
                        "channel %u still has %d blocked tasklets", ch->id,
                        ch->balance < 0 ? -ch->balance : ch->balance);
    if (ch->all_next == ch) {
        rt->channels = NULL;
    } else {
        ch->all_prev->all_next = ch->all_next;
        ch->all_next->all_prev = ch->all_prev;
        if (rt->channels == ch) rt->channels = ch->all_next;
    }
    rt->stats.channels--;
    free(ch->buf);
    free(ch);
    return 0;
}

/* Take t out of one channel queue. */
static void queue_unlink(sl_tasklet *t) {
    sl_channel *ch = t->chan;
    SL_ASSERT(t->where == SL_IN_CHAN && ch);
    if (t->prev) t->prev->next = t->next;
    else ch->head = t->next;
    if (t->next) t->next->prev = t->prev;
    else ch->tail = t->prev;
    ch->balance -= t->dir;
    t->next = t->prev = NULL;
    t->chan = NULL;
    t->where = SL_NOWHERE;
    if (!t->proxy) {
        t->dir = 0;
        t->rt->stats.blocked--;
    }
}

/* Withdraw every case of t's select, and its timeout; t keeps sel (and
   its index). */
static void select_cancel(sl_tasklet *t) {
    sl_sel *sel = t->sel;
    for (int i = 0; i < sel->n; i++) {
        sl_tasklet *p = sel->proxy[i];
        if (p->where == SL_IN_CHAN) queue_unlink(p);
        free(p);
        sel->proxy[i] = NULL;
    }
    if (sel->timer) {
        if (sel->timer->where == SL_SLEEPING)
            sl__sleepers_remove(t->rt, sel->timer);
        free(sel->timer);
        sel->timer = NULL;
    }
    t->where = SL_NOWHERE;
    t->rt->stats.blocked--;
}

sl_tasklet *sl__select_timeout(sl_tasklet *timer) {
    sl_tasklet *t = timer->owner;
    t->sel->index = -2;
    select_cancel(t);
    return t;
}

void sl__chan_unlink(sl_tasklet *t) {
    if (t->where == SL_IN_SELECT) select_cancel(t);
    else if (t->where == SL_SLEEPING) sl__sleepers_remove(t->rt, t);
    else queue_unlink(t);
}

/* A queued waiter was taken as partner (already unlinked). A select proxy
   stands for its owner: the owner's select completes with that case; its
   other cases are withdrawn and it takes the proxy's place and value. */
static sl_tasklet *take_partner(sl_tasklet *p) {
    if (!p->proxy) return p;
    sl_tasklet *t = p->owner;
    t->sel->index = (int)p->id;
    t->tempval = p->tempval;
    t->vref = p->vref;
    t->send_code = p->send_code;
    select_cancel(t);
    return t;
}

void sl__chan_forget(sl_tasklet *t) {
    if (t->sequence) t->sequence->users--;
    t->sequence = NULL;
}

static void chan_append(sl_channel *ch, sl_tasklet *t, int dir) {
    t->prev = ch->tail;
    t->next = NULL;
    if (ch->tail) ch->tail->next = t;
    else ch->head = t;
    ch->tail = t;
    ch->balance += dir;
    t->chan = ch;
    t->dir = (int8_t)dir;
    t->where = SL_IN_CHAN;
    if (!t->proxy) t->rt->stats.blocked++;
}

/* ---- buffered channels ---- */

static void buf_push(sl_channel *ch, int64_t value, uint32_t vref, int code) {
    sl_slot *s = &ch->buf[(ch->first + ch->count++) % ch->cap];
    s->value = value;
    s->vref = vref;
    s->code = code;
}

static sl_slot buf_pop(sl_channel *ch) {
    sl_slot s = ch->buf[ch->first];
    ch->first = (ch->first + 1) % ch->cap;
    ch->count--;
    return s;
}

/* One send (dir +1, carrying value, or error `code` when non-zero) or
   receive (dir -1, into *out). */
static int chan_op(sl_channel *ch, int dir, int64_t value, int code,
                   int64_t *out) {
    if (!ch) return SL_EINVAL;
    sl_runtime *rt = ch->rt;
    int rc = sl__check_caller(rt);
    if (rc) return rc;
    if (rt->in_chan_cb)
        return sl__fail(rt, SL_ERECURSIVE,
                        "Recursive channel call due to callbacks!");
    sl_tasklet *c = rt->current;
    /* a receive takes buffered values first; a send buffers when no
       receiver waits and there is room */
    int buffered = dir < 0 ? ch->count > 0
                           : ch->balance >= 0 && ch->count < ch->cap;
    sl_tasklet *partner =
        !buffered && ch->balance * dir < 0 ? ch->head : NULL;
    /* a JS sender's value handle (the JS layer sets it for one send) */
    uint32_t vref = dir > 0 ? rt->send_vref : 0;
    rt->send_vref = 0;
    if (dir > 0) {
        c->tempval = value; /* callbacks see the value (R16) */
        c->vref = vref;
    }
    c->pend = dir > 0 ? SL_OP_SEND : SL_OP_RECV;
    if (rt->chan_cb) {
        rt->in_chan_cb = 1;
        rt->chan_cb(ch, c, dir > 0, partner == NULL && !buffered, rt->chan_ud);
        rt->in_chan_cb = 0;
    }
    rt->stats.channel_ops++;

    if (buffered && dir > 0) {
        buf_push(ch, value, vref, code);
        c->vref = 0; /* delivered to the buffer */
        return 0;
    }
    if (buffered) {
        sl_slot got = buf_pop(ch);
        int result = got.code;
        if (result) {
            c->errval = got.value;
        } else {
            c->tempval = got.value;
            c->vref = got.vref;
            if (out) *out = got.value;
        }
        if (ch->balance <= 0) return result;
        /* room again: the longest-waiting sender's value moves in and the
           sender goes on (preference 1 prefers it, as for a rendezvous) */
        sl_tasklet *snd = ch->head;
        sl__chan_unlink(snd);
        snd = take_partner(snd);
        buf_push(ch, snd->tempval, snd->vref, snd->send_code);
        snd->vref = 0;
        snd->send_code = 0;
        snd->woken_by = c->id;
        if (ch->schedule_all) {
            sl__rq_append(rt, snd);
            rc = sl__switch_to(rt, c->next);
        } else if (ch->preference == 1) {
            sl__rq_insert_after(rt, c, snd);
            rc = sl__switch_to(rt, snd);
        } else {
            sl__rq_append(rt, snd);
        }
        if (rc == SL_EPENDING) c->send_code = result;
        return rc ? rc : result;
    }

    if (partner) {
        int result = 0;
        int64_t ev = 0;
        sl__chan_unlink(partner);
        partner = take_partner(partner);
        partner->woken_by = c->id;
        if (dir > 0) {
            partner->tempval = value;
            partner->vref = vref;
            c->vref = 0; /* delivered */
            if (code) {
                partner->bomb = code;
                partner->errval = value;
            }
        } else {
            if (partner->send_code) {
                result = partner->send_code;
                ev = partner->tempval;
                partner->send_code = 0;
            } else {
                c->tempval = partner->tempval;
                c->vref = partner->vref;
                if (out) *out = c->tempval;
            }
            partner->vref = 0; /* the sender's value is delivered */
        }
        if (ch->schedule_all) {
            sl__rq_append(rt, partner);
            rc = sl__switch_to(rt, c->next);
        } else if (ch->preference == -dir) {
            sl__rq_insert_after(rt, c, partner);
            rc = sl__switch_to(rt, partner);
        } else {
            sl__rq_append(rt, partner);
        }
        if (rc == SL_EPENDING) { /* completed when the caller resumes */
            c->send_code = result;
            c->errval = ev;
        }
        if (rc) return rc;
        if (result) c->errval = ev;
        return result;
    }

    if (ch->closing)
        return sl__fail(rt, SL_ECLOSED,
                        "Send/receive operation on a closed channel");
    sl__rq_unlink(rt, c);
    chan_append(ch, c, dir);
    c->send_code = dir > 0 ? code : 0;
    rc = sl__wait(rt, 1);
    if (rc == SL_EPENDING) return rc;
    c->send_code = 0;
    if (rc) return rc;
    if (dir < 0 && out) *out = c->tempval;
    return 0;
}

/* ---- select ---- */

int sl__select(sl_runtime *rt, const sl_case *cases, const uint32_t *vrefs,
               int n, int64_t timeout_us, int *index, int64_t *out) {
    int rc = sl__check_caller(rt);
    if (rc) return rc;
    if (!cases || n < 1 || n > 4096 || !index)
        return sl__fail(rt, SL_EINVAL, "select: need 1 to 4096 cases");
    for (int i = 0; i < n; i++) {
        if (!cases[i].ch || (cases[i].op != SL_SEND && cases[i].op != SL_RECV))
            return sl__fail(rt, SL_EINVAL, "select: case %d is malformed", i);
        if (cases[i].ch->rt != rt)
            return sl__fail(rt, SL_EFOREIGN,
                            "select: case %d is a channel of another runtime",
                            i);
        /* a channel's queue holds one direction only */
        for (int j = 0; j < i; j++)
            if (cases[j].ch == cases[i].ch && cases[j].op != cases[i].op)
                return sl__fail(rt, SL_EINVAL,
                                "select: cases %d and %d send and receive on "
                                "one channel", j, i);
    }
    /* the first ready case, in array order, completes now */
    for (int i = 0; i < n; i++) {
        sl_channel *ch = cases[i].ch;
        int ready = cases[i].op == SL_SEND
                        ? ch->balance < 0 || ch->count < ch->cap
                        : ch->count > 0 || ch->balance > 0;
        if (!ready) continue;
        *index = i;
        if (cases[i].op == SL_RECV) return chan_op(ch, -1, 0, 0, out);
        rt->send_vref = vrefs ? vrefs[i] : 0;
        return chan_op(ch, 1, cases[i].value, 0, NULL);
    }
    *index = -1;
    if (timeout_us == 0) return 0;
    for (int i = 0; i < n; i++)
        if (cases[i].ch->closing)
            return sl__fail(rt, SL_ECLOSED,
                            "select: channel %u is closing",
                            cases[i].ch->id);
    /* wait on every case at once: a proxy per case stands in the queue */
    sl_tasklet *c = rt->current;
    sl_sel *sel = malloc(sizeof *sel + (size_t)n * sizeof(sl_tasklet *));
    if (!sel) return sl__fail(rt, SL_ENOMEM, "select: out of memory");
    sel->n = n;
    sel->index = -1;
    sel->timer = NULL;
    if (timeout_us > 0) {
        sel->timer = calloc(1, sizeof *sel->timer);
        if (!sel->timer) {
            free(sel);
            return sl__fail(rt, SL_ENOMEM, "select: out of memory");
        }
        sel->timer->rt = rt;
        sel->timer->proxy = 1;
        sel->timer->owner = c;
    }
    for (int i = 0; i < n; i++) {
        sl_tasklet *p = calloc(1, sizeof *p);
        if (!p) {
            for (int j = 0; j < i; j++) free(sel->proxy[j]);
            free(sel->timer);
            free(sel);
            return sl__fail(rt, SL_ENOMEM, "select: out of memory");
        }
        p->rt = rt;
        p->proxy = 1;
        p->owner = c;
        p->id = (uint32_t)i;
        p->tempval = cases[i].value;
        p->vref = vrefs ? vrefs[i] : 0;
        sel->proxy[i] = p;
    }
    for (int i = 0; i < n; i++)
        chan_append(cases[i].ch, sel->proxy[i], cases[i].op);
    sl__rq_unlink(rt, c);
    c->sel = sel;
    c->has_sel = 1;
    c->where = SL_IN_SELECT;
    c->pend = SL_OP_SELECT;
    rt->stats.blocked++;
    if (sel->timer) sl__sleepers_add(rt, sel->timer, sl__now_us() + timeout_us);
    rc = sl__wait(rt, 1);
    if (rc == SL_EPENDING) return rc;
    return sl__select_done(c, rc, index, out);
}

void sl__select_drop(sl_tasklet *t) {
    if (!t->has_sel) return; /* waiting, or done but not resumed */
    if (t->where == SL_IN_SELECT) sl__chan_unlink(t);
    free(t->sel);
    t->sel = NULL;
    t->has_sel = 0;
}

int sl__select_done(sl_tasklet *c, int rc, int *index, int64_t *out) {
    int i = c->sel->index;
    free(c->sel);
    c->sel = NULL;
    c->has_sel = 0;
    if (rc) return rc;
    if (i == -2) {
        *index = -1;
        return sl__fail(c->rt, SL_ETIMEOUT, "select: timed out");
    }
    *index = i;
    if (out) *out = c->tempval;
    return 0;
}

int sl_select(sl_runtime *rt, const sl_case *cases, int n, int block,
              int *index, int64_t *out) {
    return sl__select(rt, cases, NULL, n, block ? -1 : 0, index, out);
}

int sl_select_timeout(sl_runtime *rt, const sl_case *cases, int n,
                      double timeout_ms, int *index, int64_t *out) {
    if (!(timeout_ms >= 0) || timeout_ms > 1e12)
        return rt ? sl__fail(rt, SL_EINVAL, "select: bad timeout")
                  : SL_EINVAL;
    int64_t us = (int64_t)(timeout_ms * 1000.0);
    return sl__select(rt, cases, NULL, n, us > 0 ? us : 1, index, out);
}

sl_channel *sl_channel_new_buffered(sl_runtime *rt, uint32_t capacity) {
    if (!rt) return NULL;
    if (capacity > (1u << 24)) {
        sl__fail(rt, SL_EINVAL, "capacity %u is too large", capacity);
        return NULL;
    }
    sl_channel *ch = sl_channel_new(rt);
    if (!ch || !capacity) return ch;
    ch->buf = calloc(capacity, sizeof *ch->buf);
    if (!ch->buf) {
        sl_channel_free(ch);
        sl__fail(rt, SL_ENOMEM, "out of memory for a buffered channel");
        return NULL;
    }
    ch->cap = capacity;
    return ch;
}

int sl_channel_capacity(const sl_channel *ch) {
    return ch ? (int)ch->cap : SL_EINVAL;
}

int sl_channel_send(sl_channel *ch, int64_t value) {
    return chan_op(ch, 1, value, 0, NULL);
}

int sl_channel_receive(sl_channel *ch, int64_t *out) {
    return chan_op(ch, -1, 0, 0, out);
}

int sl_channel_send_exception(sl_channel *ch, int code, int64_t value) {
    if (ch && code >= 0)
        return sl__fail(ch->rt, SL_EINVAL,
                        "send_exception: the code must be negative");
    return chan_op(ch, 1, value, code, NULL);
}

int sl_channel_send_sequence(sl_channel *ch, const int64_t *values, size_t n) {
    if (!ch || (!values && n)) return SL_EINVAL;
    if (n > INT32_MAX) return sl__fail(ch->rt, SL_EINVAL, "sequence too long");
    /* the channel may not be freed between two values */
    sl_tasklet *c = ch->rt->current;
    sl_channel *outer = c->sequence;
    ch->users++;
    c->sequence = ch;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = chan_op(ch, 1, values[i], 0, NULL);
    ch->users--;
    c->sequence = outer;
    return rc ? rc : (int)n;
}

int sl_channel_balance(const sl_channel *ch) {
    return ch ? ch->balance + (int)ch->count : SL_EINVAL;
}
int sl_channel_preference(const sl_channel *ch) {
    return ch ? ch->preference : SL_EINVAL;
}
int sl_channel_set_preference(sl_channel *ch, int pref) {
    if (!ch) return SL_EINVAL;
    if (pref < -1 || pref > 1)
        return sl__fail(ch->rt, SL_EINVAL,
                        "preference must be -1, 0 or 1 (got %d)", pref);
    ch->preference = (int8_t)pref;
    return 0;
}
int sl_channel_schedule_all(const sl_channel *ch) {
    return ch ? ch->schedule_all : SL_EINVAL;
}
int sl_channel_set_schedule_all(sl_channel *ch, int flag) {
    if (!ch) return SL_EINVAL;
    ch->schedule_all = flag != 0;
    return 0;
}
int sl_channel_close(sl_channel *ch) {
    if (!ch) return SL_EINVAL;
    ch->closing = 1;
    return 0;
}
int sl_channel_open(sl_channel *ch) {
    if (!ch) return SL_EINVAL;
    ch->closing = 0;
    return 0;
}
int sl_channel_closing(const sl_channel *ch) {
    return ch ? ch->closing : SL_EINVAL;
}
int sl_channel_closed(const sl_channel *ch) {
    return ch ? (ch->closing && ch->balance == 0 && ch->count == 0)
              : SL_EINVAL;
}
sl_tasklet *sl_channel_queue(const sl_channel *ch) {
    return sl_channel_queue_at(ch, 0);
}
sl_tasklet *sl_channel_queue_at(const sl_channel *ch, int index) {
    if (!ch || index < 0) return NULL;
    sl_tasklet *t = ch->head;
    while (t && index--) t = t->next;
    return t && t->proxy ? t->owner : t; /* a selecting tasklet */
}
uint32_t sl_channel_id(const sl_channel *ch) { return ch ? ch->id : 0; }
sl_runtime *sl_channel_runtime(const sl_channel *ch) {
    return ch ? ch->rt : NULL;
}
