/* Saving and loading a memory: round trip (patterns, weights, parameters,
 * self terms, energies) and the errors on a directory that is not a memory,
 * another version, a malformed manifest and a pattern file of the wrong
 * shape. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "specot/io.h"
#include "specot/memory.h"
#include "test_support.h"

static const double PY[] = {0, 0, 1, 0, 0, 1, 2, 2, 3, 2, 2, 3, 3.5, 3.5};
static const double PB[] = {1, 1, 2, 0.1, 0.2, 0.3, 0.4};
static const size_t PN[] = {3, 4};

static void write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static void test_round_trip(void **state) {
  (void)state;
  char dir[] = "/tmp/specot_amem_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char sub[256];
  snprintf(sub, sizeof sub, "%s/mem", dir);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_amem *mem = NULL, *back = NULL;
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, PB, 0.3, 4.0, NULL, &mem), SPECOT_OK);
  assert_int_equal(specot_amem_save(ctx, mem, sub), SPECOT_OK);
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &back), SPECOT_OK);
  size_t K, d;
  double eps, beta;
  specot_amem_info(back, &K, &d, &eps, &beta);
  assert_int_equal(K, 2);
  assert_int_equal(d, 2);
  assert_close(eps, 0.3, 0.0, 0.0);
  assert_close(beta, 4.0, 0.0, 0.0);
  for (size_t k = 0; k < 2; ++k) {
    size_t n1, n2;
    const double *Y1, *Y2, *b1, *b2;
    double s1, s2;
    specot_amem_pattern(mem, k, &n1, &Y1, &b1, &s1);
    specot_amem_pattern(back, k, &n2, &Y2, &b2, &s2);
    assert_int_equal(n1, n2);
    assert_all_close(Y2, Y1, n1 * 2, 0.0, 0.0);
    assert_all_close(b2, b1, n1, 1e-15, 0.0);
    assert_close(s2, s1, 1e-12, 1e-14);
  }
  /* the weights were normalised on store: pattern 0 is (1,1,2)/4 */
  const double *b0;
  specot_amem_pattern(back, 0, NULL, NULL, &b0, NULL);
  assert_close(b0[2], 0.5, 1e-15, 0.0);
  /* saving over an existing memory works */
  assert_int_equal(specot_amem_save(ctx, back, sub), SPECOT_OK);

  /* errors */
  specot_amem *bad = NULL;
  assert_int_equal(specot_amem_load(ctx, dir, NULL, &bad), SPECOT_ERR_IO);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "not a specot memory"));
  char path[512];
  snprintf(path, sizeof path, "%s/manifest.json", sub);
  write_text(path, "{\"format\": \"specot-memory\", \"version\": 2, \"K\": 2, \"d\": 2, "
                   "\"eps\": 0.3, \"beta\": 4, \"sizes\": [3, 4]}");
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &bad), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "version 2"));
  write_text(path, "{\"format\": \"other\", \"version\": 1}");
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &bad), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "format"));
  write_text(path, "{\"format\": \"specot-memory\", \"version\": 1, \"K\": 2 \"d\": 2}");
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &bad), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "malformed"));
  write_text(path, "{\"format\": \"specot-memory\", \"version\": 1, \"K\": 2, \"d\": 2, "
                   "\"eps\": 0.3, \"beta\": 4}");
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &bad), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "missing"));
  write_text(path, "{\"format\": \"specot-memory\", \"version\": 1, \"K\": 3, \"d\": 2, "
                   "\"eps\": 0.3, \"beta\": 4, \"sizes\": [3, 4]}");
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &bad), SPECOT_ERR_FORMAT);
  write_text(path, "{\"format\": \"specot-memory\", \"version\": 1, \"K\": 2, \"d\": 3, "
                   "\"eps\": 0.3, \"beta\": 4, \"sizes\": [3, 4]}");
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &bad), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "pattern_0000.npy has shape 3 x 2"));
  write_text(path, "{\"format\": \"specot-memory\", \"version\": 1, \"K\": 2, \"d\": 2, "
                   "\"eps\": -1, \"beta\": 4, \"sizes\": [3, 4]}");
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &bad), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "eps"));
  write_text(path, "{\"format\": \"specot-memory\", \"version\": 1, \"K\": 2, \"d\": 2, "
                   "\"eps\": 0.3, \"beta\": 4, \"sizes\": [3, 4]}");
  snprintf(path, sizeof path, "%s/weights_0001.npy", sub);
  const double w3[] = {1, 2, 3};
  assert_int_equal(specot_io_write(ctx, path, w3, 3, 1, 1), SPECOT_OK);
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &bad), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "holds 3 weights"));
  unlink(path);
  assert_int_equal(specot_amem_load(ctx, sub, NULL, &bad), SPECOT_ERR_IO);
  assert_null(bad);
  /* saving onto a regular file */
  snprintf(path, sizeof path, "%s/manifest.json", sub);
  assert_int_equal(specot_amem_save(ctx, mem, path), SPECOT_ERR_IO);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "not a directory"));
  assert_int_equal(specot_amem_save(ctx, NULL, sub), SPECOT_ERR_INVALID);
  specot_amem_free(mem);
  specot_amem_free(back);
  specot_ctx_free(ctx);
  /* clean up */
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
