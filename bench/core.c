/*
 * core.c: C-tasklet benchmarks of the core, run natively and in wasm.
 *   core pingpong N   W1: main sends i on c1, a tasklet replies i+1 on c2;
 *                     checks every reply and the order of the first events
 *   core spawn N      W3: N tasklets block on one channel's receive, main
 *                     sends N values; reports heap bytes per blocked tasklet
 *   core ring N       W2: 1000 tasklets in a ring pass v+1 on, N hops
 *   core bees N       W4: 5 flowers, N bees (DESIGN.md), checks the visits
 *   core depth D N    raw switch cost: two tasklets schedule() to each
 *                     other N times at call depth D
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

/* ---- W2 ring ---- */
#define RING 1000
static sl_channel *ring_ch[RING + 1];

static int ring_node(void *arg) {
    int i = (int)(intptr_t)arg;
    for (;;) {
        int64_t v;
        if (sl_channel_receive(ring_ch[i], &v)) return 0;
        if (v < 0) return sl_channel_send(ring_ch[i + 1], v);
        if (sl_channel_send(ring_ch[i + 1], v + 1)) return 0;
    }
}

static int ring(sl_runtime *rt, long hops) {
    for (int i = 0; i <= RING; i++) ring_ch[i] = sl_channel_new(rt);
    for (int i = 0; i < RING; i++) sl_spawn(rt, ring_node, (void *)(intptr_t)i);
    long laps = hops / RING;
    int64_t v = 0;
    double t0 = now_ns();
    for (long lap = 0; lap < laps; lap++) {
        if (sl_channel_send(ring_ch[0], v) || sl_channel_receive(ring_ch[RING], &v)) return 1;
    }
    double dt = now_ns() - t0;
    int ok = v == (int64_t)laps * RING;
    sl_channel_send(ring_ch[0], -1);
    int64_t end;
    sl_channel_receive(ring_ch[RING], &end);
    printf("{\"bench\":\"W2\",\"hops\":%ld,\"ns_per_hop\":%.1f,\"ok\":%s}\n",
           laps * RING, dt / (double)(laps * RING), ok ? "true" : "false");
    return ok ? 0 : 1;
}

/* ---- W4 bees ---- */
#define FLOWERS 5
static sl_channel *flower_ch[FLOWERS], **reply_ch, *done_ch;
static int32_t *nectar;
static long visits;

static int w4_flower(void *arg) {
    sl_channel *in = flower_ch[(intptr_t)arg];
    for (;;) {
        int64_t b;
        if (sl_channel_receive(in, &b)) return 0;
        nectar[b]++;
        visits++;
        if (sl_channel_send(reply_ch[b], nectar[b])) return 0;
    }
}

static int w4_bee(void *arg) {
    int64_t id = (int64_t)(intptr_t)arg;
    uint32_t x = (uint32_t)id + 1u;
    int64_t have = 0;
    while (have < 5) {
        x = (x * 1103515245u + 12345u) & 0x7fffffffu;
        int f = (int)((x >> 16) % FLOWERS);
        if (sl_channel_send(flower_ch[f], id)) return 0;
        if (sl_channel_receive(reply_ch[id], &have)) return 0;
    }
    return sl_channel_send(done_ch, id);
}

static int bees(sl_runtime *rt, long n) {
    double t0 = now_ns();
    done_ch = sl_channel_new(rt);
    reply_ch = calloc((size_t)n, sizeof *reply_ch);
    nectar = calloc((size_t)n, sizeof *nectar);
    for (int f = 0; f < FLOWERS; f++) {
        flower_ch[f] = sl_channel_new(rt);
        sl_spawn(rt, w4_flower, (void *)(intptr_t)f);
    }
    for (long b = 0; b < n; b++) {
        reply_ch[b] = sl_channel_new(rt);
        sl_spawn(rt, w4_bee, (void *)(intptr_t)b);
    }
    int64_t sum = 0, id;
    for (long b = 0; b < n; b++) {
        if (sl_channel_receive(done_ch, &id)) return 1;
        sum += id;
    }
    double dt = now_ns() - t0;
    int ok = visits == 5 * n && sum == (int64_t)n * (n - 1) / 2;
    printf("{\"bench\":\"W4\",\"bees\":%ld,\"ms\":%.1f,\"visits\":%ld,\"ok\":%s}\n",
           n, dt / 1e6, visits, ok ? "true" : "false");
    return ok ? 0 : 1;
}

/* ---- raw switch cost at a call depth ---- */
static long depth_n;
static int depth_level;

__attribute__((noinline)) static int64_t at_depth(sl_runtime *rt, int d) {
    volatile int pad = d;
    if (d > 0) return at_depth(rt, d - 1) + pad - d;
    int64_t r = 0;
    for (long i = 0; i < depth_n; i++) sl_schedule(rt, i, &r);
    return r;
}

static int depth_body(void *arg) {
    sl_runtime *rt = arg;
    return at_depth(rt, depth_level) >= 0 ? 0 : 1;
}

static int depth(sl_runtime *rt, int d, long n) {
    depth_level = d;
    depth_n = n;
    sl_spawn(rt, depth_body, rt);
    sl_spawn(rt, depth_body, rt);
    double sw0 = sl_stats_get(rt)->switches;
    double t0 = now_ns();
    if (sl_run(rt, 0) != 0) return 1;
    double dt = now_ns() - t0;
    double sw = sl_stats_get(rt)->switches - sw0;
    printf("{\"bench\":\"depth\",\"depth\":%d,\"switches\":%.0f,\"ns_per_switch\":%.1f}\n",
           d, sw, dt / sw);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: core pingpong|spawn|ring|bees N | depth D N\n");
        return 2;
    }
    long n = atol(argv[2]);
    sl_runtime *rt = sl_runtime_new(NULL);
    int rc = strcmp(argv[1], "pingpong") == 0 ? pingpong(rt, n)
             : strcmp(argv[1], "spawn") == 0  ? spawn(rt, n)
             : strcmp(argv[1], "ring") == 0   ? ring(rt, n)
             : strcmp(argv[1], "bees") == 0   ? bees(rt, n)
             : strcmp(argv[1], "depth") == 0 && argc > 3
                 ? depth(rt, (int)n, atol(argv[3]))
                 : 2;
    sl_runtime_free(rt);
    return rc;
}
