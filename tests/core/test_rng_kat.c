/* Known-answer tests of the RNG against independent references:
 * - xoshiro256** from the state {1, 2, 3, 4}: the reference implementation's published
 *   first ten outputs (Vigna's xoshiro256starstar.c; also rand_xoshiro's test vector);
 * - splitmix64 seeding: seed 0 gives the published splitmix64 stream e220a8397b1dcdaf,
 *   6e789e6aa1b965f4, 06c45d188009454f, f88bb8a8724c81ec as the four state words;
 * - uniforms (top 53 bits), Marsaglia polar normals and bounded integers: values from
 *   an independent Python implementation (arbitrary-precision integers masked to 64
 *   bits, math.log/math.sqrt), reproduced in the comment of each test. */
#include <stdint.h>
#include <stdlib.h>

#include "specot/rng.h"
#include "test_support.h"

static void test_xoshiro_reference_vector(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 0);
  r.s[0] = 1;
  r.s[1] = 2;
  r.s[2] = 3;
  r.s[3] = 4;
  const uint64_t expect[10] = {11520u,
                               0u,
                               1509978240u,
                               1215971899390074240u,
                               1216172134540287360u,
                               607988272756665600u,
                               16172922978634559625u,
                               8476171486693032832u,
                               10595114339597558777u,
                               2904607092377533576u};
  for (int k = 0; k < 10; ++k) assert_true(specot_rng_next(&r) == expect[k]);
}

static void test_splitmix_seeding(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 0);
  assert_true(r.s[0] == 0xe220a8397b1dcdafull);
  assert_true(r.s[1] == 0x6e789e6aa1b965f4ull);
  assert_true(r.s[2] == 0x06c45d188009454full);
  assert_true(r.s[3] == 0xf88bb8a8724c81ecull);
}

/* Python: st = seed(42); [(xo(st) >> 11) * 2.0**-53 for _ in range(3)] */
static void test_uniform_values(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 42);
  const double expect[3] = {0.08386297105988216, 0.3789802506626686, 0.6800434110281394};
  for (int k = 0; k < 3; ++k) assert_true(specot_rng_uniform(&r) == expect[k]);
}

/* Python: Marsaglia polar on u = 2*uniform - 1 pairs, s in (0, 1), f = sqrt(-2 log s / s),
 * returning u*f then v*f; seed 7.  log/sqrt may differ by an ulp between libms: 4 ulp. */
static void test_normal_values(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 7);
  const double expect[6] = {0.9643618527255184,  -1.0637531974798475, -0.3039301238656567,
                            -1.0989693210013467, 0.30479435832638674, 1.7083194561947417};
  for (int k = 0; k < 6; ++k) assert_close(specot_rng_normal(&r), expect[k], 1e-15, 0.0);
}

/* Python: rejection below x >= (2^64 - 10) % 10, then x % 10; seed 5. */
static void test_below_values(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 5);
  const uint64_t expect[8] = {5, 6, 2, 3, 3, 5, 5, 6};
  for (int k = 0; k < 8; ++k) assert_true(specot_rng_below(&r, 10) == expect[k]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_xoshiro_reference_vector), cmocka_unit_test(test_splitmix_seeding),
      cmocka_unit_test(test_uniform_values),           cmocka_unit_test(test_normal_values),
      cmocka_unit_test(test_below_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
