/* torch-compatible generator against real PyTorch 1.13 draws
 * (tests/data/core/make_torch_rng_reference.py writes the references). */
#include <math.h>
#include <stdlib.h>

#include "specot/io.h"
#include "specot/rng.h"
#include "test_support.h"

/* Must match SEEDS, SIZES and SEQUENCE of make_torch_rng_reference.py. */
static const uint64_t SEEDS[] = {0, 1, 7, 42, 123, 1000, 7101, 4294967295u, 4294967296u + 5u};
static const size_t SIZES[] = {0, 1, 2, 3, 5, 8, 15, 16, 17, 31, 32, 33, 47, 100, 257, 700, 1000};
static const size_t SEQUENCE[] = {3, 16, 1, 5, 40, 2};
static const size_t PERM_SIZES[] = {0, 1, 2, 7, 200, 1000};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static specot_array load(const char *name) {
  char path[1024];
  specot_array a;
  assert_int_equal(specot_io_read(NULL, specot_test_data_path(path, sizeof path, name), NULL, &a),
                   0);
  return a;
}

static void test_mt19937_known_value(void **state) {
  (void)state;
  /* C++11 [rand.predef]: the 10000th output of a default-seeded mt19937 is 4123659995. */
  specot_torch_rng g;
  specot_torch_rng_seed(&g, 5489);
  uint32_t x = 0;
  for (int i = 0; i < 10000; ++i) x = specot_torch_rng_next32(&g);
  assert_true(x == 4123659995u);
  /* Only the low 32 bits of the seed count, as in torch. */
  specot_torch_rng h;
  specot_torch_rng_seed(&h, 5489 + (UINT64_C(1) << 32));
  specot_torch_rng_seed(&g, 5489);
  for (int i = 0; i < 700; ++i)
    assert_true(specot_torch_rng_next32(&g) == specot_torch_rng_next32(&h));
}

static void test_rand_matches_torch(void **state) {
  (void)state;
  specot_array ref = load("core/torch_rand_f64.npy");
  assert_int_equal(ref.rows * ref.cols, COUNT(SEEDS) * 40);
  for (size_t s = 0; s < COUNT(SEEDS); ++s) {
    specot_torch_rng g;
    specot_torch_rng_seed(&g, SEEDS[s]);
    for (size_t i = 0; i < 40; ++i) {
      const double u = specot_torch_rng_uniform(&g);
      assert_true(u >= 0.0 && u < 1.0);
      assert_close(u, ref.data[s * 40 + i], 0.0, 0.0); /* both are k / 2^53: exact */
    }
  }
  specot_array_free(&ref);
}

/* Every (seed, size) of the reference, float64: agreement to 2 ulps (measured: 0). */
static void test_randn_f64_matches_torch(void **state) {
  (void)state;
  specot_array ref = load("core/torch_randn_f64.npy");
  double *buf = malloc(1000 * sizeof *buf);
  assert_non_null(buf);
  size_t off = 0;
  for (size_t s = 0; s < COUNT(SEEDS); ++s) {
    for (size_t k = 0; k < COUNT(SIZES); ++k) {
      specot_torch_rng g;
      specot_torch_rng_seed(&g, SEEDS[s]);
      specot_torch_rng_randn(&g, buf, SIZES[k]);
      assert_true(off + SIZES[k] <= ref.rows * ref.cols);
      assert_all_close(buf, ref.data + off, SIZES[k], 4.5e-16, 1e-300);
      off += SIZES[k];
    }
  }
  assert_int_equal(off, ref.rows * ref.cols);
  free(buf);
  specot_array_free(&ref);
}

/* float32: identical below 16 entries (the double scalar path rounded); above, torch's
 * AVX2 kernel uses its own logf/sincosf approximations: a few float ulps. */
static void test_randn_f32_matches_torch(void **state) {
  (void)state;
  specot_array ref = load("core/torch_randn_f32.npy");
  float *buf = malloc(1000 * sizeof *buf);
  double *wide = malloc(1000 * sizeof *wide);
  assert_true(buf && wide);
  size_t off = 0;
  for (size_t s = 0; s < COUNT(SEEDS); ++s) {
    for (size_t k = 0; k < COUNT(SIZES); ++k) {
      specot_torch_rng g;
      specot_torch_rng_seed(&g, SEEDS[s]);
      specot_torch_rng_randn_f32(&g, buf, SIZES[k]);
      for (size_t i = 0; i < SIZES[k]; ++i) wide[i] = buf[i];
      if (SIZES[k] < 16) /* identical here; one float ulp allows another libm's rounding */
        assert_all_close(wide, ref.data + off, SIZES[k], 0x1p-23, 0.0);
      else
        assert_all_close(wide, ref.data + off, SIZES[k], 1e-6, 1e-6);
      off += SIZES[k];
    }
  }
  assert_int_equal(off, ref.rows * ref.cols);
  free(buf);
  free(wide);
  specot_array_free(&ref);
}

/* Consecutive calls: the scalar path's cached deviate survives a >= 16 call. */
static void test_randn_sequence_matches_torch(void **state) {
  (void)state;
  specot_array ref = load("core/torch_sequence.npy");
  double buf[64];
  specot_torch_rng g;
  specot_torch_rng_seed(&g, 11);
  size_t off = 0;
  for (size_t k = 0; k < COUNT(SEQUENCE); ++k) {
    specot_torch_rng_randn(&g, buf, SEQUENCE[k]);
    assert_all_close(buf, ref.data + off, SEQUENCE[k], 4.5e-16, 1e-300);
    off += SEQUENCE[k];
  }
  assert_int_equal(off, ref.rows * ref.cols);
  /* Reseeding clears the cache: the first value repeats. */
  specot_torch_rng_seed(&g, 11);
  specot_torch_rng_randn(&g, buf, 1);
  assert_close(buf[0], ref.data[0], 4.5e-16, 1e-300);
  specot_array_free(&ref);
}

/* torch.randperm over the seeds and sizes 0, 1, 2, 7, 200, 1000. */
static void test_randperm_matches_torch(void **state) {
  (void)state;
  specot_array ref = load("core/torch_randperm.npy");
  size_t perm[1000], off = 0;
  for (size_t s = 0; s < COUNT(SEEDS); ++s)
    for (size_t k = 0; k < COUNT(PERM_SIZES); ++k) {
      specot_torch_rng g;
      specot_torch_rng_seed(&g, SEEDS[s]);
      specot_torch_rng_randperm(&g, perm, PERM_SIZES[k]);
      for (size_t i = 0; i < PERM_SIZES[k]; ++i) assert_true((double)perm[i] == ref.data[off + i]);
      off += PERM_SIZES[k];
    }
  assert_int_equal(off, ref.rows * ref.cols);
  specot_array_free(&ref);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mt19937_known_value),
      cmocka_unit_test(test_rand_matches_torch),
      cmocka_unit_test(test_randn_f64_matches_torch),
      cmocka_unit_test(test_randn_f32_matches_torch),
      cmocka_unit_test(test_randn_sequence_matches_torch),
      cmocka_unit_test(test_randperm_matches_torch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
