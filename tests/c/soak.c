/*
 * soak.c: 10,000,000 tasklet lifetimes (spawn, exchange a value with main
 * over channels, finish) in batches, with memory sampled along the way; at
 * the end the memory must be where it was after the first batch.
 *
 * Memory: in wasm, the heap in use (mallinfo().uordblks) and the size of
 * the linear memory; natively, the heap in use (mallinfo2) and the
 * resident set (/proc/self/statm).
 *
 * Usage: soak [lifetimes] (default 10,000,000; a multiple of the batch).
 */
#define _GNU_SOURCE /* clock_gettime, mallinfo2 */
#include "test.h"

#include <malloc.h>
#include <time.h>

#define BATCH 1000          /* tasklets alive at once */
#define SAMPLES_EVERY 100   /* batches between memory samples */
#define PRINT_EVERY 1000    /* batches between printed samples */
/* Allowed growth from the first sample to the last. */
#define HEAP_MARGIN (64 * 1024)
#if defined(__EMSCRIPTEN__)
#define TOTAL_NAME "wasm memory"
#define TOTAL_MARGIN 0      /* linear memory: not one page more */
#else
#define TOTAL_NAME "rss"
#define TOTAL_MARGIN (4 * 1024 * 1024) /* RSS: page-level noise */
#endif

static sl_runtime *rt;
static sl_channel *to_tasklets, *to_main;

/* Receive a value from main, send it back plus one, end. */
static int body(void *arg)
{
    int64_t v;
    (void)arg;
    int rc = sl_channel_receive(to_tasklets, &v);
    if (rc)
        return rc;
    return sl_channel_send(to_main, v + 1);
}

typedef struct sample {
    double heap;  /* bytes malloc'd and in use */
    double total; /* wasm: linear memory; native: resident set */
} sample;

static sample measure(void)
{
    sample s;
#if defined(__EMSCRIPTEN__)
    struct mallinfo mi = mallinfo();
    s.heap = (double)(unsigned)mi.uordblks;
    s.total = (double)__builtin_wasm_memory_size(0) * 65536.0;
#else
    struct mallinfo2 mi = mallinfo2();
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    s.heap = (double)mi.uordblks;
    s.total = (double)resident * 4096.0;
#endif
    return s;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_sample(long done, sample s, double t)
{
    printf("# %9ld lifetimes  heap %9.0f B  %s %9.0f B  %6.1f s\n", done,
           s.heap, TOTAL_NAME, s.total, t);
    fflush(stdout);
}

/* The most memory seen with a whole batch alive (sampled batches). */
static sample peak;

/* One batch: BATCH tasklets block receiving, then each gets a value and
   answers; all end by the batch's last sl_run. */
static int batch(int64_t base, int sampled)
{
    const sl_stats *st = sl_stats_get(rt);
    for (int i = 0; i < BATCH; i++)
        if (!sl_spawn(rt, body, NULL))
            return CHECK(0), -1;
    if (!CHECK_EQ_INT(sl_run(rt, 0), 0))
        return -1;
    if (!CHECK_EQ_INT(sl_channel_balance(to_tasklets), -BATCH))
        return -1;
    if (sampled) {
        sample s = measure();
        if (s.heap > peak.heap)
            peak.heap = s.heap;
        if (s.total > peak.total)
            peak.total = s.total;
    }
    for (int i = 0; i < BATCH; i++) {
        int64_t v = -1;
        if (!CHECK_EQ_INT(sl_channel_send(to_tasklets, base + i), 0) ||
            !CHECK_EQ_INT(sl_channel_receive(to_main, &v), 0) ||
            !CHECK_EQ_INT(v, base + i + 1))
            return -1;
    }
    if (!CHECK_EQ_INT(sl_run(rt, 0), 0) || !CHECK_EQ_INT(st->tasklets, 1) ||
        !CHECK_EQ_INT(st->blocked, 0) || !CHECK_EQ_INT(st->runnable, 1))
        return -1;
    return 0;
}

static long total_lifetimes = 10L * 1000 * 1000;

static void test_soak(void)
{
    rt = test_runtime_new();
    to_tasklets = sl_channel_new(rt);
    to_main = sl_channel_new(rt);
    long batches = total_lifetimes / BATCH;
    double t0 = now();
    sample start = measure(), first = start, last = start;
    print_sample(0, start, 0);
    for (long b = 0; b < batches; b++) {
        int sampled = b == 0 || (b + 1) % SAMPLES_EVERY == 0;
        if (batch((int64_t)b * BATCH, sampled) < 0)
            break;
        long done = (b + 1) * BATCH;
        if (b == 0) {
            first = measure();
            print_sample(done, first, now() - t0);
        } else if ((b + 1) % SAMPLES_EVERY == 0 || b + 1 == batches) {
            last = measure();
            if ((b + 1) % PRINT_EVERY == 0 || b + 1 == batches)
                print_sample(done, last, now() - t0);
        }
    }
    double secs = now() - t0;
    const sl_stats *st = sl_stats_get(rt);
    printf("# %ld lifetimes in %.1f s (%.2f us each), %.0f switches\n",
           batches * BATCH, secs, secs * 1e6 / (double)(batches * BATCH),
           st->switches);
    printf("# memory: start heap %.0f B %s %.0f B; after the first batch "
           "heap %.0f B %s %.0f B; end heap %.0f B %s %.0f B\n",
           start.heap, TOTAL_NAME, start.total, first.heap, TOTAL_NAME,
           first.total, last.heap, TOTAL_NAME, last.total);
    printf("# with %d tasklets blocked: at most heap %.0f B %s %.0f B\n",
           BATCH, peak.heap, TOTAL_NAME, peak.total);
    /* flat: the end is where the first batch left it */
    CHECK(last.heap <= first.heap + HEAP_MARGIN);
    CHECK(last.total <= first.total + TOTAL_MARGIN);
    CHECK_EQ_INT(sl_channel_free(to_tasklets), 0);
    CHECK_EQ_INT(sl_channel_free(to_main), 0);
    test_runtime_free(rt);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        total_lifetimes = atol(argv[1]);
    if (total_lifetimes < BATCH)
        total_lifetimes = BATCH;
    RUN_TEST(test_soak);
    return test_summary();
}
