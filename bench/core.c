/*
 * core.c: C-tasklet benchmarks of the core, run natively and in wasm.
 *   core pingpong N   W1: main sends i on c1, a tasklet replies i+1 on c2;
 *                     checks every reply and the order of the first events
 *   core spawn N      W3: N tasklets block on one channel's receive, main
 *                     sends N values; reports heap bytes per blocked tasklet
 * Prints one JSON object per run.
 */
#define _POSIX_C_SOURCE 200809L
#include "stackless.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t heap_used(void) {
#if defined(__EMSCRIPTEN__)
    struct mallinfo mi = mallinfo();
    return (size_t)mi.uordblks;
#else
    /* native: resident set (stacks are mmap'd, not in malloc's count) */
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    return (size_t)rss * 4096u;
#endif
}

static sl_channel *c1, *c2;
static char order[64];
static int order_len;

static void note(char who, int64_t v) {
    if (v < 3 && order_len < (int)sizeof order - 4)
        order_len += snprintf(order + order_len, sizeof order - (size_t)order_len,
                              "%c%d ", who, (int)v);
}

static int echo(void *arg) {
    (void)arg;
    for (;;) {
        int64_t v;
        if (sl_channel_receive(c1, &v)) return 0;
        note('t', v);
        if (v < 0) return 0;
        if (sl_channel_send(c2, v + 1)) return 0;
    }
}

static int pingpong(sl_runtime *rt, long n) {
    c1 = sl_channel_new(rt);
    c2 = sl_channel_new(rt);
    sl_spawn(rt, echo, NULL);
    int64_t v = 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        note('m', i);
        if (sl_channel_send(c1, i) || sl_channel_receive(c2, &v) || v != i + 1) {
            fprintf(stderr, "pingpong: wrong reply %lld at %ld\n", (long long)v, i);
            return 1;
        }
    }
    double dt = now_ns() - t0;
    int ok = strcmp(order, "m0 t0 m1 t1 m2 t2 ") == 0;
    sl_channel_send(c1, -1);
    printf("{\"bench\":\"W1\",\"n\":%ld,\"ns_per_roundtrip\":%.1f,"
           "\"ns_per_switch\":%.1f,\"switches\":%.0f,\"order\":\"%s\",\"order_ok\":%s}\n",
           n, dt / (double)n, dt / (2.0 * (double)n), sl_stats_get(rt)->switches,
           order, ok ? "true" : "false");
    return ok ? 0 : 1;
}

static int64_t received_sum;

static int waiter(void *arg) {
    int64_t v;
    (void)arg;
    if (sl_channel_receive(c1, &v) == 0) received_sum += v;
    return 0;
}

static int spawn(sl_runtime *rt, long n) {
    c1 = sl_channel_new(rt);
    size_t before = heap_used();
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (!sl_spawn(rt, waiter, NULL)) {
            fprintf(stderr, "spawn failed at %ld\n", i);
            return 1;
        }
    if (sl_run(rt, 0) != 0) return 1;
    size_t after = heap_used();
    if (sl_channel_balance(c1) != -n) {
        fprintf(stderr, "balance %d\n", sl_channel_balance(c1));
        return 1;
    }
    double saved = sl_stats_get(rt)->save_bytes;
    for (long i = 0; i < n; i++) sl_channel_send(c1, i);
    double dt = now_ns() - t0;
    int64_t want = (int64_t)n * (n - 1) / 2;
    printf("{\"bench\":\"W3\",\"n\":%ld,\"ms\":%.1f,\"bytes_per_tasklet\":%.1f,"
           "\"saved_stack_bytes_per_tasklet\":%.1f,\"sum_ok\":%s}\n",
           n, dt / 1e6, (double)(after - before) / (double)n, saved / (double)n,
           received_sum == want ? "true" : "false");
    return received_sum == want ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: core pingpong|spawn N\n");
        return 2;
    }
    long n = atol(argv[2]);
    sl_runtime *rt = sl_runtime_new(NULL);
    int rc = strcmp(argv[1], "pingpong") == 0 ? pingpong(rt, n)
             : strcmp(argv[1], "spawn") == 0  ? spawn(rt, n)
                                              : 2;
    sl_runtime_free(rt);
    return rc;
}
