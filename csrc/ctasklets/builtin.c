/*
 * builtin.c: C tasklets compiled into the npm module, startable from JS
 * with rt.spawnC(name, ...args). A C developer adds tasklets the same way:
 * a .c file in csrc/ctasklets/ with SL_TASKLET("name", fn), then `make`.
 */
#include "stackless.h"

/* echo(in, out[, count]): receive v on `in`, send v + 1 on `out`; stop
   after `count` values (0: forever) or when a receive fails (returned). */
static int echo(sl_runtime *rt, const int64_t *args, int nargs) {
    (void)rt;
    if (nargs < 2) return SL_EINVAL;
    sl_channel *in = SL_CHANNEL(args[0]), *out = SL_CHANNEL(args[1]);
    int64_t count = nargs > 2 ? args[2] : 0;
    for (int64_t i = 0; count == 0 || i < count; i++) {
        int64_t v;
        int rc = sl_channel_receive(in, &v);
        if (rc) return rc;
        rc = sl_channel_send(out, v + 1);
        if (rc) return rc;
    }
    return 0;
}
SL_TASKLET("echo", echo)

/* forward(in, out): pass values through unchanged (JS handles included). */
static int forward(sl_runtime *rt, const int64_t *args, int nargs) {
    (void)rt;
    if (nargs < 2) return SL_EINVAL;
    for (;;) {
        int64_t v;
        int rc = sl_channel_receive(SL_CHANNEL(args[0]), &v);
        if (rc) return rc;
        rc = sl_channel_send(SL_CHANNEL(args[1]), v);
        if (rc) return rc;
    }
}
SL_TASKLET("forward", forward)

/* fail(code, value): die at once of error `code` with `value`. */
static int fail(sl_runtime *rt, const int64_t *args, int nargs) {
    if (nargs < 2) return SL_EINVAL;
    sl_set_errval(rt, args[1]);
    return (int)args[0];
}
SL_TASKLET("fail", fail)

/* Recurse `depth` frames keeping an address-taken array in each, block on
   receive from `ch` at the bottom, then check every frame's array. */
__attribute__((noinline)) static int64_t dive(sl_channel *ch, int64_t depth,
                                              int64_t *got) {
    volatile int64_t keep[16];
    for (int i = 0; i < 16; i++) keep[i] = depth * 16 + i;
    int64_t r;
    if (depth > 0) {
        r = dive(ch, depth - 1, got);
    } else {
        r = sl_channel_receive(ch, got);
    }
    for (int i = 0; i < 16; i++)
        if (keep[i] != depth * 16 + i) return -1000000 - depth;
    return r;
}

static int deep(sl_runtime *rt, const int64_t *args, int nargs) {
    (void)rt;
    if (nargs < 2) return SL_EINVAL;
    int64_t got = 0;
    int64_t r = dive(SL_CHANNEL(args[0]), args[1], &got);
    if (r) return r < 0 && r > -1000000 ? (int)r : SL_EUSER - 1;
    return nargs > 2 ? sl_channel_send(SL_CHANNEL(args[2]), got) : 0;
}
SL_TASKLET("deep", deep)

/* crash(): execute a trap, as a bug in C code would. */
static int crash(sl_runtime *rt, const int64_t *args, int nargs) {
    (void)rt; (void)args; (void)nargs;
    __builtin_trap();
}
SL_TASKLET("crash", crash)
