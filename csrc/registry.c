/* registry.c: C tasklets registered by name, so that JS (or C) can start
   them with arguments: rt.spawnC(name, ...args). */
#include "sl_internal.h"

#include <string.h>

#define MAX_REGISTERED 255

static struct {
    const char *name;
    sl_cfunc fn;
} registry[MAX_REGISTERED];
static int registered;

int sl_register(const char *name, sl_cfunc fn) {
    if (!name || !fn) return SL_EINVAL;
    for (int i = 0; i < registered; i++)
        if (strcmp(registry[i].name, name) == 0) return SL_EBUSY;
    if (registered == MAX_REGISTERED) return SL_ENOMEM;
    registry[registered].name = name;
    registry[registered].fn = fn;
    registered++;
    return 0;
}

int sl_registered_count(void) { return registered; }

const char *sl_registered_name(int index) {
    return index >= 0 && index < registered ? registry[index].name : NULL;
}

/* The argument block a registered tasklet starts with. */
typedef struct cargs {
    sl_cfunc fn;
    sl_runtime *rt;
    int nargs;
    int64_t args[];
} cargs;

static int registered_body(void *p) {
    cargs *a = p;
    return a->fn(a->rt, a->args, a->nargs);
}

sl_tasklet *sl_spawn_registered(sl_runtime *rt, const char *name,
                                const int64_t *args, int nargs) {
    if (!rt || !name || nargs < 0 || (nargs && !args)) return NULL;
    int i = 0;
    while (i < registered && strcmp(registry[i].name, name) != 0) i++;
    if (i == registered) {
        sl__fail(rt, SL_EINVAL, "no C tasklet is registered as '%s'", name);
        return NULL;
    }
    cargs *a = malloc(sizeof *a + (size_t)nargs * sizeof(int64_t));
    sl_tasklet *t = a ? sl_tasklet_new(rt, registered_body) : NULL;
    if (!t) {
        free(a);
        sl__fail(rt, SL_ENOMEM, "spawn: out of memory");
        return NULL;
    }
    a->fn = registry[i].fn;
    a->rt = rt;
    a->nargs = nargs;
    if (nargs) memcpy(a->args, args, (size_t)nargs * sizeof(int64_t));
    t->owns_arg = 1;
    t->name = registry[i].name;
    if (sl_tasklet_setup(t, a) < 0) {
        sl_tasklet_free(t);
        return NULL;
    }
    return t;
}
