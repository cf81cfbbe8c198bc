/*
 * test.h: a tiny test framework for the C test programs.
 *
 * Checks print file:line and the values on failure and count failures;
 * they never abort, so one run reports every broken expectation. A trace
 * recorder collects short event strings ("s0", "r0", ...) so that tests
 * assert the ORDER of events, not only totals: a scheduler that silently
 * stops interleaving still produces the right totals.
 *
 * Usage in a test program:
 *
 *     static void test_something(void) {
 *         sl_runtime *r = test_runtime_new();
 *         TRACE("a%d", 1);
 *         CHECK_TRACE("a1");
 *         test_runtime_free(r);
 *     }
 *     int main(void) {
 *         RUN_TEST(test_something);
 *         return test_summary();
 *     }
 *
 * Output: "ok N name" / "not ok N name" per test, then
 * "# tests: N, failures: F"; the exit code is 1 on any failure.
 */
#ifndef TEST_H
#define TEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stackless.h"

#define TEST_UNUSED __attribute__((unused))

/* ---------------------------------------------------------------------- */
/* Counters                                                                */
/* ---------------------------------------------------------------------- */

TEST_UNUSED static int test_failures;        /* failed checks, all tests */
TEST_UNUSED static int test_count;           /* tests run so far */
TEST_UNUSED static int test_failed_tests;    /* tests with a failed check */
TEST_UNUSED static int test_cur_failures;    /* failed checks, this test */
TEST_UNUSED static const char *test_cur_name = "";

static inline void test_fail_header(const char *file, int line)
{
    test_failures++;
    test_cur_failures++;
    printf("# FAIL %s:%d [%s]: ", file, line, test_cur_name);
}

static inline int test_check(const char *file, int line, int ok,
                                  const char *expr)
{
    if (!ok) {
        test_fail_header(file, line);
        printf("CHECK(%s)\n", expr);
        fflush(stdout);
    }
    return ok;
}

static inline int test_check_int(const char *file, int line,
                                      const char *expr, long long actual,
                                      long long expected)
{
    if (actual != expected) {
        test_fail_header(file, line);
        printf("%s == %lld, expected %lld\n", expr, actual, expected);
        fflush(stdout);
        return 0;
    }
    return 1;
}

static inline int test_check_str(const char *file, int line,
                                      const char *expr, const char *actual,
                                      const char *expected)
{
    int ok;
    if (actual == NULL || expected == NULL)
        ok = actual == expected;
    else
        ok = strcmp(actual, expected) == 0;
    if (!ok) {
        test_fail_header(file, line);
        printf("%s == \"%s\", expected \"%s\"\n", expr,
               actual ? actual : "(null)", expected ? expected : "(null)");
        fflush(stdout);
    }
    return ok;
}

static inline int test_check_ptr(const char *file, int line,
                                      const char *expr, const void *actual,
                                      const void *expected)
{
    if (actual != expected) {
        test_fail_header(file, line);
        printf("%s == %p, expected %p\n", expr, (void *)(uintptr_t)actual,
               (void *)(uintptr_t)expected);
        fflush(stdout);
        return 0;
    }
    return 1;
}

/* All return 1 when the check passed, so a test can stop early:
   if (!CHECK(t != NULL)) return; */
#define CHECK(cond) test_check(__FILE__, __LINE__, (cond) ? 1 : 0, #cond)
#define CHECK_EQ_INT(actual, expected)                                        \
    test_check_int(__FILE__, __LINE__, #actual, (long long)(actual),          \
                   (long long)(expected))
#define CHECK_STR(actual, expected)                                           \
    test_check_str(__FILE__, __LINE__, #actual, (actual), (expected))
#define CHECK_PTR(actual, expected)                                           \
    test_check_ptr(__FILE__, __LINE__, #actual, (const void *)(actual),       \
                   (const void *)(expected))

/* ---------------------------------------------------------------------- */
/* Trace recorder                                                          */
/* ---------------------------------------------------------------------- */

#ifndef TEST_TRACE_SIZE
#define TEST_TRACE_SIZE 16384
#endif

TEST_UNUSED static char test_trace_buf[TEST_TRACE_SIZE];
TEST_UNUSED static size_t test_trace_len;
TEST_UNUSED static int test_trace_overflow;

static inline void trace_reset(void)
{
    test_trace_len = 0;
    test_trace_buf[0] = '\0';
    test_trace_overflow = 0;
}

/* Append one event; events are separated by a single space. */
__attribute__((format(printf, 1, 2))) static inline void
trace_add(const char *fmt, ...)
{
    char ev[256];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(ev, sizeof ev, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (test_trace_len + (size_t)n + 2 >= sizeof test_trace_buf) {
        test_trace_overflow = 1;
        return;
    }
    if (test_trace_len > 0)
        test_trace_buf[test_trace_len++] = ' ';
    memcpy(test_trace_buf + test_trace_len, ev, (size_t)n + 1);
    test_trace_len += (size_t)n;
}

static inline const char *trace_get(void) { return test_trace_buf; }

static inline int test_check_trace(const char *file, int line,
                                        const char *expected)
{
    int ok = !test_trace_overflow && strcmp(test_trace_buf, expected) == 0;
    if (!ok) {
        test_fail_header(file, line);
        printf("trace mismatch%s\n#   got:      \"%s\"\n#   expected: \"%s\"\n",
               test_trace_overflow ? " (trace buffer overflowed)" : "",
               test_trace_buf, expected);
        fflush(stdout);
    }
    return ok;
}

#define TRACE(...) trace_add(__VA_ARGS__)
/* Compare the whole trace recorded since the test started (or since the
   last trace_reset()) with a space-separated list of events. */
#define CHECK_TRACE(expected) test_check_trace(__FILE__, __LINE__, (expected))

/* ---------------------------------------------------------------------- */
/* Runtimes                                                                */
/* ---------------------------------------------------------------------- */

/* A fresh runtime; exits the program if none can be made (nothing else
   could be tested). */
static inline sl_runtime *test_runtime_new(void)
{
    sl_runtime *r = sl_runtime_new(NULL);
    if (r == NULL) {
        printf("# FATAL [%s]: sl_runtime_new(NULL) returned NULL\n",
               test_cur_name);
        printf("# tests: %d, failures: %d\n", test_count, test_failures + 1);
        fflush(stdout);
        exit(1);
    }
    return r;
}

static inline void test_runtime_free(sl_runtime *r)
{
    CHECK_EQ_INT(sl_runtime_free(r), 0);
}

/* ---------------------------------------------------------------------- */
/* Runner                                                                  */
/* ---------------------------------------------------------------------- */

static inline void test_run(const char *name, void (*fn)(void))
{
    test_count++;
    test_cur_name = name;
    test_cur_failures = 0;
    trace_reset();
    fn();
    if (test_cur_failures) {
        test_failed_tests++;
        printf("not ok %d %s\n", test_count, name);
    } else {
        printf("ok %d %s\n", test_count, name);
    }
    fflush(stdout);
}

#define RUN_TEST(fn) test_run(#fn, fn)

/* Print the final line; the value to return from main(). */
static inline int test_summary(void)
{
    printf("# tests: %d, failures: %d\n", test_count, test_failures);
    fflush(stdout);
    return test_failures ? 1 : 0;
}

#endif /* TEST_H */
