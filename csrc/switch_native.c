/*
 * switch_native.c: the native stack-switch backend (gcc/clang on Linux),
 * used to run the same core under AddressSanitizer and UBSan. Each tasklet
 * gets its own mmap'd stack with a guard page below it (an overflow faults
 * instead of corrupting memory); switches are swapcontext(). ASan is told
 * about every stack change with its fiber annotations.
 */
#if !defined(__EMSCRIPTEN__)
#define _GNU_SOURCE
#include "sl_internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SL_ASAN 1
#endif
#endif

#ifdef SL_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#define DEFAULT_STACK (256u * 1024u)

/* Bounds of the main thread's stack, learnt from ASan at the first switch. */
typedef struct native_state {
    const void *main_bottom;
    size_t main_size;
} native_state;

int slb_init(sl_runtime *rt) {
    rt->mainlet.ctx.uc = calloc(1, sizeof(ucontext_t));
    rt->backend = calloc(1, sizeof(native_state));
    if (!rt->mainlet.ctx.uc || !rt->backend) {
        free(rt->mainlet.ctx.uc);
        free(rt->backend);
        return SL_ENOMEM;
    }
    if (!rt->stack_size) rt->stack_size = DEFAULT_STACK;
    return 0;
}

void slb_fini(sl_runtime *rt) {
    free(rt->mainlet.ctx.uc);
    free(rt->backend);
}

static void stack_bounds(sl_runtime *rt, sl_tasklet *t, const void **bottom,
                         size_t *size) {
    if (t->is_main) {
        native_state *ns = rt->backend;
        *bottom = ns->main_bottom;
        *size = ns->main_size;
    } else {
        *bottom = t->ctx.stack;
        *size = t->ctx.stack_size;
    }
}

static void before_switch(sl_runtime *rt, sl_tasklet *from, sl_tasklet *to) {
#ifdef SL_ASAN
    const void *bottom;
    size_t size;
    stack_bounds(rt, to, &bottom, &size);
    __sanitizer_start_switch_fiber(from->alive || from->is_main
                                       ? &from->ctx.asan_fake
                                       : NULL,
                                   bottom, size);
#else
    (void)rt; (void)from; (void)to; (void)stack_bounds;
#endif
}

static void after_switch(sl_runtime *rt, sl_tasklet *self) {
#ifdef SL_ASAN
    const void *old_bottom;
    size_t old_size;
    __sanitizer_finish_switch_fiber(self->ctx.asan_fake, &old_bottom,
                                    &old_size);
    native_state *ns = rt->backend;
    if (!ns->main_bottom && !self->is_main) {
        /* the first switch always leaves main */
        ns->main_bottom = old_bottom;
        ns->main_size = old_size;
    }
#else
    (void)self;
#endif
    if (rt->zombie) {
        sl_tasklet *z = rt->zombie;
        rt->zombie = NULL;
        sl__reap(rt, z);
    }
}

static void entry(unsigned hi, unsigned lo) {
    sl_tasklet *t = (sl_tasklet *)(((uintptr_t)hi << 32) | (uintptr_t)lo);
    sl_runtime *rt = t->rt;
    after_switch(rt, t);
    sl__tasklet_body(t);
    /* t has ended; rt->current is who runs next. */
    sl_tasklet *next = rt->current;
    rt->zombie = t;
    before_switch(rt, t, next);
    setcontext(next->ctx.uc);
    abort(); /* setcontext does not return */
}

/* Each stack takes two memory mappings (the stack and its guard page), and
   the kernel caps a process's mappings (vm.max_map_count, often 65530);
   running into that cap makes every later mmap fail, the sanitizers' own
   included. So stacks are capped at a quarter of it: beyond, setup fails
   with SL_ENOMEM like any other allocation. */
static long stacks_live;

static long stacks_max(void) {
    static long cap;
    if (!cap) {
        long maps = 65530;
        FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
        if (f) {
            if (fscanf(f, "%ld", &maps) != 1) maps = 65530;
            fclose(f);
        }
        cap = maps / 4 > 1024 ? maps / 4 : 1024;
    }
    return cap;
}

int slb_prepare(sl_runtime *rt, sl_tasklet *t) {
    if (stacks_live >= stacks_max()) return SL_ENOMEM;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = (rt->stack_size + page - 1) / page * page;
    void *mem = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) return SL_ENOMEM;
    mprotect(mem, page, PROT_NONE); /* guard page: overflow faults */
    ucontext_t *uc = calloc(1, sizeof *uc);
    if (!uc) {
        munmap(mem, size + page);
        return SL_ENOMEM;
    }
    getcontext(uc);
    uc->uc_stack.ss_sp = (char *)mem + page;
    uc->uc_stack.ss_size = size;
    uc->uc_link = NULL;
    uintptr_t p = (uintptr_t)t;
    makecontext(uc, (void (*)(void))entry, 2, (unsigned)(p >> 32),
                (unsigned)(p & 0xffffffffu));
    t->ctx.uc = uc;
    t->ctx.stack = (char *)mem + page;
    t->ctx.stack_size = size;
    t->ctx.asan_fake = NULL;
    t->started = 1;
    stacks_live++;
    return 0;
}

void slb_release(sl_runtime *rt, sl_tasklet *t) {
    (void)rt;
    if (t->is_main || !t->ctx.stack) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    munmap((char *)t->ctx.stack - page, t->ctx.stack_size + page);
    stacks_live--;
    free(t->ctx.uc);
    memset(&t->ctx, 0, sizeof t->ctx);
    t->started = 0;
}

/* No unwind or rewind exists natively. */
void slb_reset(void) {}

/* Natively every tasklet is C: nothing to do. */
void slb_run_c(sl_runtime *rt) { (void)rt; }

/* Native stacks are not copied out: nothing is saved per suspension. */
size_t sl_tasklet_saved_bytes(const sl_tasklet *t) {
    (void)t;
    return 0;
}

void slb_transfer(sl_runtime *rt, sl_tasklet *from, sl_tasklet *to) {
    if (!from->is_main) {
        /* the same limit as in wasm, on the stack this tasklet uses */
        char here;
        size_t used = (size_t)((char *)from->ctx.stack + from->ctx.stack_size
                               - &here);
        if (used > rt->save_limit) {
            sl__fail(rt, SL_ESTACK,
                     "tasklet %u '%s' uses %zu bytes of stack to suspend; "
                     "the limit is %zu", from->id,
                     from->name ? from->name : "", used, rt->save_limit);
            sl__crash(rt, from, SL_ESTACK);
            to = rt->current;
            rt->zombie = from;
            before_switch(rt, from, to);
            setcontext(to->ctx.uc);
            abort();
        }
    }
    before_switch(rt, from, to);
    swapcontext(from->ctx.uc, to->ctx.uc);
    after_switch(rt, from);
}

#endif /* !__EMSCRIPTEN__ */
