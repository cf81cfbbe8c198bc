/*
 * bees.c: the seed article's example, bees looking for flowers, as C
 * tasklets (rt.spawnC('bees', info, flowers, bees, seed, preference)).
 *
 * F flowers, each a tasklet looping on receive from its own channel and
 * adding one nectar to the bee it receives; B bees, each picking a random
 * flower (a per-bee LCG seeded from `seed`) and sending itself on that
 * flower's channel until its nectar reaches 5. Flowers are created first,
 * then bees. The 'bees' tasklet builds everything, sends the address of
 * the shared state below on `info`, and ends; the page and the CLI read
 * that state straight from linear memory.
 *
 * Shared state (all fields 32-bit, offsets in bytes, wasm32):
 *   0 magic 0x42454553 ('BEES')   4 flowers   8 bees   12 preference
 *  16 seed   20 finished bees   24 visits   28 events written (total)
 *  32 event ring capacity   36 nectar[bees]   40 target[bees] (flower the
 *  bee is flying to, -1 none)   44 visits per flower[flowers]
 *  48 channel handles[flowers]   52 flower tasklets[flowers]
 *  56 bee tasklets[bees]   60 event ring: 4 x uint32 per event
 *  (kind, a, b, c) at index (n % capacity).
 * Event kinds: 1 flower a is listening; 2 flower a gives bee b nectar;
 * 3 bee a got nectar from flower b and now has c; 4 bee a is done.
 */
#include "stackless.h"

#include <stdio.h>
#include <stdlib.h>

#define BEES_MAGIC 0x42454553u
#define NECTAR_GOAL 5
#define EVENT_CAP 65536u

enum { EV_LISTEN = 1, EV_GIVE = 2, EV_GOT = 3, EV_DONE = 4 };

typedef struct bees_sim {
    uint32_t magic;
    int32_t flowers, bees, preference;
    uint32_t seed;
    int32_t finished, visits;
    uint32_t events, event_cap;
    int32_t *nectar, *target, *flower_visits;
    sl_channel **chan;
    sl_tasklet **flower_t, **bee_t;
    uint32_t *ring;
    char *names; /* "flower N" / "bee N" labels, 16 bytes each */
} bees_sim;

_Static_assert(sizeof(void *) != 4 || sizeof(bees_sim) == 68,
               "the documented layout is for wasm32");

static void event(bees_sim *s, uint32_t kind, uint32_t a, uint32_t b,
                  uint32_t c) {
    uint32_t *e = s->ring + 4 * (s->events % s->event_cap);
    e[0] = kind;
    e[1] = a;
    e[2] = b;
    e[3] = c;
    s->events++;
}

static int flower(sl_runtime *rt, const int64_t *args, int nargs) {
    (void)rt;
    if (nargs < 2) return SL_EINVAL;
    bees_sim *s = (bees_sim *)(intptr_t)args[0];
    int f = (int)args[1];
    event(s, EV_LISTEN, (uint32_t)f, 0, 0);
    for (;;) {
        int64_t b;
        int rc = sl_channel_receive(s->chan[f], &b);
        if (rc) return rc;
        if (b < 0 || b >= s->bees) return SL_EINVAL;
        s->nectar[b]++;
        s->visits++;
        s->flower_visits[f]++;
        event(s, EV_GIVE, (uint32_t)f, (uint32_t)b, 0);
    }
}

static int bee(sl_runtime *rt, const int64_t *args, int nargs) {
    (void)rt;
    if (nargs < 2) return SL_EINVAL;
    bees_sim *s = (bees_sim *)(intptr_t)args[0];
    int b = (int)args[1];
    uint32_t x = s->seed + (uint32_t)b + 1u;
    while (s->nectar[b] < NECTAR_GOAL) {
        x = (x * 1103515245u + 12345u) & 0x7fffffffu;
        int f = (int)((x >> 16) % (uint32_t)s->flowers);
        s->target[b] = f;
        int rc = sl_channel_send(s->chan[f], b);
        if (rc) {
            s->target[b] = -1;
            return rc;
        }
        event(s, EV_GOT, (uint32_t)b, (uint32_t)f, (uint32_t)s->nectar[b]);
    }
    s->target[b] = -1;
    s->finished++;
    event(s, EV_DONE, (uint32_t)b, 0, 0);
    return 0;
}

/* bees(info, flowers, bees, seed, preference) */
static int bees(sl_runtime *rt, const int64_t *args, int nargs) {
    if (nargs < 5) return SL_EINVAL;
    sl_channel *info = SL_CHANNEL(args[0]);
    int64_t nf = args[1], nb = args[2];
    if (nf < 1 || nf > 1000000 || nb < 0 || nb > 10000000) return SL_EINVAL;
    if (args[4] < -1 || args[4] > 1) return SL_EINVAL;
    bees_sim *s = calloc(1, sizeof *s);
    if (!s) return SL_ENOMEM;
    s->magic = BEES_MAGIC;
    s->flowers = (int32_t)nf;
    s->bees = (int32_t)nb;
    s->preference = (int32_t)args[4];
    s->seed = (uint32_t)args[3];
    s->event_cap = EVENT_CAP;
    s->nectar = calloc((size_t)nb + 1, sizeof *s->nectar);
    s->target = malloc(((size_t)nb + 1) * sizeof *s->target);
    s->flower_visits = calloc((size_t)nf, sizeof *s->flower_visits);
    s->chan = calloc((size_t)nf, sizeof *s->chan);
    s->flower_t = calloc((size_t)nf, sizeof *s->flower_t);
    s->bee_t = calloc((size_t)nb + 1, sizeof *s->bee_t);
    s->ring = calloc((size_t)EVENT_CAP * 4, sizeof *s->ring);
    s->names = malloc(((size_t)nf + (size_t)nb) * 16);
    if (!s->nectar || !s->target || !s->flower_visits || !s->chan ||
        !s->flower_t || !s->bee_t || !s->ring || !s->names)
        return SL_ENOMEM; /* the process is out of memory anyway */
    for (int64_t b = 0; b < nb; b++) s->target[b] = -1;
    int64_t targs[2] = {(int64_t)(intptr_t)s, 0};
    for (int64_t f = 0; f < nf; f++) {
        s->chan[f] = sl_channel_new(rt);
        if (!s->chan[f]) return SL_ENOMEM;
        sl_channel_set_preference(s->chan[f], s->preference);
        targs[1] = f;
        s->flower_t[f] = sl_spawn_registered(rt, "bees.flower", targs, 2);
        if (!s->flower_t[f]) return SL_ENOMEM;
        char *name = s->names + 16 * f;
        snprintf(name, 16, "flower %d", (int)f);
        sl_tasklet_set_name(s->flower_t[f], name);
    }
    for (int64_t b = 0; b < nb; b++) {
        targs[1] = b;
        s->bee_t[b] = sl_spawn_registered(rt, "bees.bee", targs, 2);
        if (!s->bee_t[b]) return SL_ENOMEM;
        char *name = s->names + 16 * (nf + b);
        snprintf(name, 16, "bee %d", (int)b);
        sl_tasklet_set_name(s->bee_t[b], name);
    }
    return sl_channel_send(info, (int64_t)(intptr_t)s);
}

SL_TASKLET("bees", bees)
SL_TASKLET("bees.flower", flower)
SL_TASKLET("bees.bee", bee)
