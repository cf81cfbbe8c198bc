/*
 * switch_asyncify.c: the WebAssembly stack-switch backend, driven from
 * inside wasm with Binaryen Asyncify (no JavaScript call per switch).
 *
 * The main tasklet is never unwound. When it must wait, it calls the
 * scheduler loop below, which resumes the current tasklet and returns when
 * main is current again. A suspending tasklet records its stack pointer and
 * starts an Asyncify unwind; every instrumented frame saves its locals into
 * a shared scratch area and returns, until the loop is reached. The loop
 * then moves the tasklet's state into a tight heap buffer: the used slice
 * of the shared tasklet C-stack region (address-taken locals live there)
 * followed by the Asyncify data. Resuming copies the slice back and
 * rewinds from the buffer itself.
 *
 * Asyncify does not instrument a function that calls the asyncify.*
 * imports, so slb_transfer and loop() are plain code: they must stay out
 * of line (noinline here, and no Binaryen inlining in the link flags).
 */
#if defined(__EMSCRIPTEN__)
#include "sl_internal.h"

#include <emscripten/stack.h>
#include <malloc.h>
#include <string.h>

#define IMPORT(name) \
    __attribute__((import_module("asyncify"), import_name(name)))
IMPORT("start_unwind") void asyncify_start_unwind(void *data);
IMPORT("stop_unwind") void asyncify_stop_unwind(void);
IMPORT("start_rewind") void asyncify_start_rewind(void *data);
IMPORT("stop_rewind") void asyncify_stop_rewind(void);

/* compiler-rt's stack_ops.S: set __stack_pointer. */
extern void stackRestore(uintptr_t sp);

#define DEFAULT_STACK (256u * 1024u)
/* A tasklet whose saved state exceeds rt->save_limit (at most
   SL_SAVE_LIMIT_MAX) dies of SL_ESTACK. The scratch area extends GUARD
   bytes past SL_SAVE_LIMIT_MAX, because Asyncify writes first and checks
   only when the unwind stops; an unwind deeper than the wasm call stack
   can be does not fit in it. */
#define SAVE_LIMIT SL_SAVE_LIMIT_MAX
#define GUARD (3u * 1024u * 1024u)

typedef struct adata {
    uint8_t *cur; /* Asyncify's current position */
    uint8_t *end; /* Asyncify's limit */
} adata;

/* Shared by every runtime of the instance: only one tasklet runs at once. */
static struct {
    uint8_t *region; /* tasklet C-stack region [region, region_top) */
    uint8_t *region_top;
    size_t region_size;
    adata *scratch; /* header followed by SAVE_LIMIT + GUARD bytes */
    adata rewind;   /* header for rewinding from a tasklet's buffer */
    int rewinding;  /* a resume is rewinding into slb_transfer */
    int unwinding;  /* a suspend is unwinding to the loop */
    int users;      /* runtimes alive */
} B;

#define SCRATCH_DATA ((uint8_t *)(B.scratch + 1))

/* Where the tasklet stack region lives. Built with -sGLOBAL_BASE=256K
   (the Makefile does), linear memory below the static data is free: the
   region is [1024, __global_base), and a tasklet that recurses past its
   bottom runs below address 0, where every access traps (out of bounds)
   instead of corrupting memory. Otherwise a heap block is used, without
   that protection. */
extern char __global_base;
#define REGION_LOW 1024u

int slb_init(sl_runtime *rt) {
    if (!B.scratch) {
        B.scratch = malloc(sizeof(adata) + SAVE_LIMIT + GUARD);
        if (!B.scratch) return SL_ENOMEM;
        uintptr_t top = (uintptr_t)&__global_base & ~(uintptr_t)15;
        if (top >= 64u * 1024u) {
            B.region = (uint8_t *)(uintptr_t)REGION_LOW;
            B.region_top = (uint8_t *)top;
        } else {
            B.region = malloc(DEFAULT_STACK);
            if (!B.region) return SL_ENOMEM;
            B.region_top = B.region + DEFAULT_STACK;
        }
        B.region_size = (size_t)(B.region_top - B.region);
    }
    rt->stack_size = B.region_size;
    B.users++;
    return 0;
}

void slb_fini(sl_runtime *rt) {
    (void)rt;
    B.users--;
}

int slb_prepare(sl_runtime *rt, sl_tasklet *t) {
    (void)rt;
    t->started = 0;
    return 0;
}

void slb_release(sl_runtime *rt, sl_tasklet *t) {
    if (t->is_main) return;
    if (t->ctx.adata)
        rt->stats.save_bytes -= (double)sl_tasklet_saved_bytes(t);
    free(t->ctx.save);
    memset(&t->ctx, 0, sizeof t->ctx);
    t->started = 0;
}

size_t sl_tasklet_saved_bytes(const sl_tasklet *t) {
    if (!t || !t->ctx.adata) return 0;
    return (size_t)(B.region_top - (uint8_t *)t->ctx.sp) + t->ctx.adata;
}

/* Copy n bytes (a multiple of 4, 4-aligned): short copies are the common
   case, where a call to memcpy costs more than the copy. */
static inline void copy_words(void *dst, const void *src, uint32_t n) {
    uint32_t *d = dst;
    const uint32_t *s = src;
    for (n >>= 2; n; n--) *d++ = *s++;
}

/* Keep the unwound state of t in its own buffer, sized to fit. */
static int save_state(sl_runtime *rt, sl_tasklet *t) {
    uint32_t adata_len = (uint32_t)(B.scratch->cur - SCRATCH_DATA);
    uint32_t cstack = (uint32_t)(B.region_top - (uint8_t *)t->ctx.sp);
    if ((size_t)adata_len + cstack > rt->save_limit) {
        sl__fail(rt, SL_ESTACK,
                 "tasklet %u '%s' needs %u bytes to suspend; the limit is %zu",
                 t->id, t->name ? t->name : "", adata_len + cstack,
                 rt->save_limit);
        return SL_ESTACK;
    }
    uint32_t need = cstack + adata_len;
    if (!t->ctx.save || need > malloc_usable_size(t->ctx.save)) {
        uint8_t *p = realloc(t->ctx.save, need);
        if (!p) return SL_ENOMEM;
        t->ctx.save = p;
    }
    copy_words(t->ctx.save, (void *)t->ctx.sp, cstack);
    copy_words(t->ctx.save + cstack, SCRATCH_DATA, adata_len);
    rt->stats.save_bytes += need;
    t->ctx.adata = adata_len;
    return 0;
}

/* The scheduler loop, run by main whenever it waits: resume the current
   tasklet until main is current again. */
__attribute__((noinline)) static void loop(sl_runtime *rt) {
    uintptr_t main_sp = emscripten_stack_get_current();
    for (;;) {
        sl_tasklet *t = rt->current;
        if (SL_EXTERNAL(t)) return;
        if (t->started) {
            uint32_t cstack = (uint32_t)(B.region_top - (uint8_t *)t->ctx.sp);
            copy_words((void *)t->ctx.sp, t->ctx.save, cstack);
            rt->stats.save_bytes -= (double)(cstack + t->ctx.adata);
            /* Rewinding only reads, popping from the end: straight from
               the tasklet's own buffer, no copy */
            B.rewind.cur = B.rewind.end = t->ctx.save + cstack + t->ctx.adata;
            t->ctx.adata = 0;
            B.rewinding = 1;
            stackRestore(t->ctx.sp);
            asyncify_start_rewind(&B.rewind);
        } else {
            t->started = 1;
            stackRestore((uintptr_t)B.region_top);
        }
        sl__tasklet_body(t);
        stackRestore(main_sp);
        if (B.unwinding) {
            asyncify_stop_unwind();
            B.unwinding = 0;
            int rc = save_state(rt, t);
            if (rc) {
                sl__crash(rt, t, rc);
                sl__reap(rt, t);
            }
        } else {
            sl__reap(rt, t);
        }
    }
}

void slb_run_c(sl_runtime *rt) { loop(rt); }

/* After a trap: no unwind or rewind is in progress any more. (The JS
   layer has reset the stack pointer.) */
__attribute__((noinline)) void slb_reset(void) {
    if (B.unwinding) asyncify_stop_unwind();
    if (B.rewinding) asyncify_stop_rewind();
    B.unwinding = B.rewinding = 0;
}

__attribute__((noinline)) void slb_transfer(sl_runtime *rt, sl_tasklet *from,
                                            sl_tasklet *to) {
    (void)to;
    if (B.rewinding) { /* resumed: the rewind has reached its end */
        asyncify_stop_rewind();
        B.rewinding = 0;
        return;
    }
    if (SL_EXTERNAL(from)) {
        loop(rt);
        return;
    }
    from->ctx.sp = emscripten_stack_get_current();
    B.scratch->cur = SCRATCH_DATA;
    B.scratch->end = SCRATCH_DATA + SAVE_LIMIT + GUARD;
    B.unwinding = 1;
    asyncify_start_unwind(B.scratch);
}

#endif /* __EMSCRIPTEN__ */
