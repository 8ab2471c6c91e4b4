/* Shared helpers for the cmocka tests. */
#ifndef SPECOT_TEST_SUPPORT_H
#define SPECOT_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the includes above first. */
#include <cmocka.h>

/* Fails the test unless |actual - expected| <= atol + rtol*|expected|.
 * (cmocka 1.1's float assert casts to float; never use it.) */
#define assert_close(actual, expected, rtol, atol) \
  specot_test_assert_close((actual), (expected), (rtol), (atol), #actual, __FILE__, __LINE__)

/* Elementwise assert_close over len entries. */
#define assert_all_close(actual, expected, len, rtol, atol)                                   \
  specot_test_assert_all_close((actual), (expected), (len), (rtol), (atol), #actual, __FILE__, \
                               __LINE__)

void specot_test_assert_close(double actual, double expected, double rtol, double atol,
                              const char *expr, const char *file, int line);
void specot_test_assert_all_close(const double *actual, const double *expected, size_t len,
                                  double rtol, double atol, const char *expr, const char *file,
                                  int line);

/* Max |a_i - b_i|. */
double specot_test_max_abs_diff(const double *a, const double *b, size_t len);

/* 1 when $SPECOT_TEST_QUICK is set (and not "0"): the valgrind variants (`ctest -L
 * valgrind`) set it, and the slowest tests then use smaller sizes or skip their
 * statistical parts, which the plain run covers. */
int specot_test_quick(void);

/* Path of a file in tests/data (from $SPECOT_TEST_DATA) written into buf. */
const char *specot_test_data_path(char *buf, size_t len, const char *name);

#endif
