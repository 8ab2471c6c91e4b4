/* Core: status strings, context messages, version, RNG streams and statistics. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "specot/rng.h"
#include "test_support.h"

static void test_strerror_every_code(void **state) {
  (void)state;
  const specot_status codes[] = {SPECOT_OK,           SPECOT_WARN_MAXITER,   SPECOT_WARN_INACCURATE,
                                 SPECOT_ERR_INVALID,  SPECOT_ERR_NOMEM,      SPECOT_ERR_IO,
                                 SPECOT_ERR_FORMAT,   SPECOT_ERR_NUMERICAL,  SPECOT_ERR_INFEASIBLE,
                                 SPECOT_ERR_TOO_LARGE, SPECOT_ERR_CANCELLED};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; ++i) {
    const char *s = specot_strerror(codes[i]);
    assert_non_null(s);
    assert_true(strlen(s) > 3);
    assert_string_not_equal(s, "unknown status code");
  }
  assert_string_equal(specot_strerror((specot_status)-99), "unknown status code");
}

static void test_ctx_messages(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  assert_non_null(ctx);
  assert_string_equal(specot_ctx_errmsg(ctx), "");
  assert_int_equal(specot__fail(ctx, SPECOT_ERR_INVALID, "weights a sum to %.2f", 0.98),
                   SPECOT_ERR_INVALID);
  assert_string_equal(specot_ctx_errmsg(ctx), "weights a sum to 0.98");
  assert_int_equal(specot_ctx_status(ctx), SPECOT_ERR_INVALID);
  specot_ctx_clear(ctx);
  assert_string_equal(specot_ctx_errmsg(ctx), "");
  assert_int_equal(specot_ctx_status(ctx), SPECOT_OK);
  /* NULL context is allowed everywhere. */
  assert_int_equal(specot__fail(NULL, SPECOT_ERR_IO, "x"), SPECOT_ERR_IO);
  assert_string_equal(specot_ctx_errmsg(NULL), "");
  specot_ctx_free(ctx);
  specot_ctx_free(NULL);
}

static void test_version(void **state) {
  (void)state;
  int a = -1, b = -1, c = -1;
  specot_version_numbers(&a, &b, &c);
  char buf[64];
  snprintf(buf, sizeof buf, "%d.%d.%d", a, b, c);
  assert_string_equal(buf, specot_version());
}

static void test_rng_reproducible_and_checkpointable(void **state) {
  (void)state;
  specot_rng r1, r2;
  specot_rng_seed(&r1, 42);
  specot_rng_seed(&r2, 42);
  for (int i = 0; i < 1000; ++i) assert_true(specot_rng_next(&r1) == specot_rng_next(&r2));
  (void)specot_rng_normal(&r1); /* leaves a cached deviate */
  specot_rng copy = r1;         /* a checkpoint is a struct copy */
  const double a = specot_rng_normal(&r1), b = specot_rng_normal(&r1);
  assert_true(a == specot_rng_normal(&copy));
  assert_true(b == specot_rng_normal(&copy));
  specot_rng r3;
  specot_rng_seed(&r3, 43);
  specot_rng_seed(&r1, 42);
  assert_true(specot_rng_next(&r1) != specot_rng_next(&r3));
}

static void test_rng_statistics(void **state) {
  (void)state;
  enum { N = 200000 };
  specot_rng rng;
  specot_rng_seed(&rng, 0);
  double su = 0, su2 = 0, sz = 0, sz2 = 0, sz4 = 0;
  for (int i = 0; i < N; ++i) {
    const double u = specot_rng_uniform(&rng);
    assert_true(u >= 0.0 && u < 1.0);
    su += u;
    su2 += u * u;
    const double z = specot_rng_normal(&rng);
    sz += z;
    sz2 += z * z;
    sz4 += z * z * z * z;
  }
  /* 5-sigma bands of the sample moments. */
  assert_close(su / N, 0.5, 0, 5 * sqrt(1.0 / 12 / N));
  assert_close(su2 / N, 1.0 / 3, 0, 5 * sqrt(4.0 / 45 / N));
  assert_close(sz / N, 0.0, 0, 5 / sqrt((double)N));
  assert_close(sz2 / N, 1.0, 0, 5 * sqrt(2.0 / N));
  assert_close(sz4 / N, 3.0, 0, 5 * sqrt(96.0 / N));
  /* Bounded integers are unbiased: counts of 7 classes. */
  int counts[7] = {0};
  for (int i = 0; i < 70000; ++i) counts[specot_rng_below(&rng, 7)]++;
  for (int k = 0; k < 7; ++k) assert_close(counts[k], 10000, 0, 5 * sqrt(10000 * 6.0 / 7));
  assert_true(specot_rng_below(&rng, 1) == 0);
}

static void test_rng_jump_and_fill(void **state) {
  (void)state;
  specot_rng a, b;
  specot_rng_seed(&a, 5);
  b = a;
  specot_rng_jump(&b);
  int equal = 0;
  for (int i = 0; i < 100; ++i) equal += specot_rng_next(&a) == specot_rng_next(&b);
  assert_true(equal < 2);
  double x[1000];
  specot_rng_fill_uniform(&a, x, 1000, -2.0, 3.0);
  for (int i = 0; i < 1000; ++i) assert_true(x[i] >= -2.0 && x[i] < 3.0);
  specot_rng_fill_normal(&a, x, 1000, 10.0, 0.0);
  for (int i = 0; i < 1000; ++i) assert_true(x[i] == 10.0);
}

/* specot_rng_below with a bound near 2^64 rejects about a quarter of the raw
 * draws: bound B = 3 * 2^62 gives threshold 2^64 mod B = 2^62.  Without the
 * rejection, x mod B would put 1/4 (not 1/3) of the mass in [2^63, B). */
static void test_rng_below_large_bound(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 11);
  const uint64_t bound = UINT64_C(3) << 62, top = UINT64_C(1) << 63;
  const int draws = 20000;
  int in_top = 0;
  for (int i = 0; i < draws; ++i) {
    const uint64_t x = specot_rng_below(&rng, bound);
    assert_true(x < bound);
    in_top += x >= top;
  }
  const double sd = sqrt(draws * (1.0 / 3.0) * (2.0 / 3.0));
  assert_close(in_top, draws / 3.0, 0, 5 * sd);
}

static void test_size_overflow_helper(void **state) {
  (void)state;
  size_t out = 0;
  assert_int_equal(specot__mul_size(SIZE_MAX / 2 + 1, 2, &out), -1);
  assert_int_equal(specot__mul_size(1000, 1000, &out), 0);
  assert_true(out == 1000000);
  double *p = specot__alloc_doubles(SIZE_MAX / 4);
  assert_null(p);
  p = specot__alloc_doubles(0);
  assert_non_null(p);
  specot__free(p);
  const double good[3] = {1, 2, 3}, bad[3] = {1, NAN, 3};
  assert_true(specot__all_finite(good, 3));
  assert_false(specot__all_finite(bad, 3));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_strerror_every_code),
      cmocka_unit_test(test_ctx_messages),
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_rng_reproducible_and_checkpointable),
      cmocka_unit_test(test_rng_statistics),
      cmocka_unit_test(test_rng_jump_and_fill),
      cmocka_unit_test(test_size_overflow_helper),
      cmocka_unit_test(test_rng_below_large_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
