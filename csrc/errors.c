/* errors.c: error codes and the runtime's detailed error message. */
#include "sl_internal.h"

#include <stdarg.h>
#include <stdio.h>

const char *sl_strerror(int code) {
    switch (code) {
    case SL_OK: return "SL_OK: success";
    case SL_EINVAL: return "SL_EINVAL: invalid argument";
    case SL_ESTATE: return "SL_ESTATE: operation not valid in this state";
    case SL_EDEAD: return "SL_EDEAD: the tasklet is not alive";
    case SL_EBLOCKED: return "SL_EBLOCKED: the tasklet is blocked on a channel";
    case SL_ECURRENT: return "SL_ECURRENT: not allowed on the running tasklet";
    case SL_EDEADLOCK:
        return "SL_EDEADLOCK: Deadlock: would block with nothing runnable";
    case SL_ECLOSED: return "SL_ECLOSED: operation on a closed channel";
    case SL_EKILLED: return "SL_EKILLED: TaskletExit";
    case SL_ENOMEM: return "SL_ENOMEM: out of memory";
    case SL_ESTACK: return "SL_ESTACK: tasklet stack or save area overflow";
    case SL_EFOREIGN:
        return "SL_EFOREIGN: handle or caller belongs to another runtime";
    case SL_ERECURSIVE:
        return "SL_ERECURSIVE: scheduling or channel call inside a callback";
    case SL_EUNBOUND: return "SL_EUNBOUND: the tasklet is not bound to a function";
    case SL_EALIVE: return "SL_EALIVE: the tasklet is alive";
    case SL_EBUSY: return "SL_EBUSY: the object is in use";
    case SL_ECRASHED: return "SL_ECRASHED: the tasklet trapped and was ended";
    case SL_EPENDING: return "SL_EPENDING: the caller was suspended";
    case SL_EJS: return "SL_EJS: a JavaScript exception";
    case SL_ETIMEOUT: return "SL_ETIMEOUT: timed out";
    default: return code < 0 ? "user error" : "not an error code";
    }
}

int sl__fail(sl_runtime *rt, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rt->msg, sizeof rt->msg, fmt, ap);
    va_end(ap);
    return code;
}

const char *sl_error_detail(sl_runtime *rt) {
    return rt ? rt->msg : "no runtime";
}
