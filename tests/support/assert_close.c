#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

void specot_test_assert_close(double actual, double expected, double rtol, double atol,
                              const char *expr, const char *file, int line) {
  const double err = fabs(actual - expected);
  const double bound = atol + rtol * fabs(expected);
  if (!(err <= bound)) { /* also catches NaN */
    print_error("%s = %.17g, expected %.17g (|err| = %.3g > %.3g)\n", expr, actual, expected, err,
                bound);
    _fail(file, line);
  }
}

void specot_test_assert_all_close(const double *actual, const double *expected, size_t len,
                                  double rtol, double atol, const char *expr, const char *file,
                                  int line) {
  for (size_t i = 0; i < len; ++i) {
    const double err = fabs(actual[i] - expected[i]);
    const double bound = atol + rtol * fabs(expected[i]);
    if (!(err <= bound)) {
      print_error("%s[%zu] = %.17g, expected %.17g (|err| = %.3g > %.3g)\n", expr, i, actual[i],
                  expected[i], err, bound);
      _fail(file, line);
    }
  }
}

double specot_test_max_abs_diff(const double *a, const double *b, size_t len) {
  double m = 0.0;
  for (size_t i = 0; i < len; ++i) {
    const double e = fabs(a[i] - b[i]);
    if (!(e <= m)) m = e;
  }
  return m;
}

const char *specot_test_data_path(char *buf, size_t len, const char *name) {
  const char *dir = getenv("SPECOT_TEST_DATA");
  snprintf(buf, len, "%s/%s", dir ? dir : "tests/data", name);
  return buf;
}

int specot_test_quick(void) {
  const char *q = getenv("SPECOT_TEST_QUICK");
  return q && *q && strcmp(q, "0") != 0;
}
