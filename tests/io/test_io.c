/* Array I/O: round trips, shapes, exact doubles, atomic writes, every error path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "specot/io.h"
#include "test_support.h"

static char dir[256];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "io_test_%d", (int)getpid());
  return mkdir(dir, 0777);
}

static int teardown(void **state) {
  (void)state;
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static const char *path_in(char *buf, const char *name) {
  snprintf(buf, 512, "%s/%s", dir, name);
  return buf;
}

static void write_raw(const char *path, const void *bytes, size_t len) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(bytes, 1, len, fp), len);
  fclose(fp);
}

static void roundtrip(const char *name, int ndim) {
  char p[512];
  const double data[6] = {1.0 / 3.0, -2.5e-300, 1e300, 0.1, -0.0, 42};
  const size_t rows = ndim == 0 ? 1 : 2, cols = ndim == 0 ? 1 : 3;
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(specot_io_write(ctx, path_in(p, name), data, rows, cols, ndim), SPECOT_OK);
  specot_array a;
  assert_int_equal(specot_io_read(ctx, p, NULL, &a), SPECOT_OK);
  const int is_text = strstr(name, ".npy") == NULL;
  assert_int_equal(a.ndim, is_text ? 2 : ndim);
  assert_true(a.rows * a.cols == rows * cols);
  if (ndim == 2 || is_text) {
    assert_true(a.rows == rows);
    assert_true(a.cols == cols);
  }
  for (size_t k = 0; k < rows * cols; ++k) assert_true(memcmp(&a.data[k], &data[k], 8) == 0);
  specot_array_free(&a);
  assert_null(a.data);
  specot_ctx_free(ctx);
}

static void test_roundtrips(void **state) {
  (void)state;
  roundtrip("a.npy", 2);
  roundtrip("b.npy", 1);
  roundtrip("c.npy", 0);
  roundtrip("d.csv", 2);
  roundtrip("e.txt", 2);
  roundtrip("F.NPY", 2);
}

static specot_status read_text(const char *content, specot_array *a, specot_ctx *ctx) {
  char p[512];
  write_raw(path_in(p, "t.csv"), content, strlen(content));
  return specot_io_read(ctx, p, NULL, a);
}

static void test_text_parsing(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array a;
  assert_int_equal(read_text("# header\n1, 2 ,3\n\n4\t5 6 # tail\r\n  7,8,9\n", &a, ctx), SPECOT_OK);
  assert_true(a.rows == 3 && a.cols == 3);
  const double want[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  assert_all_close(a.data, want, 9, 0, 0);
  specot_array_free(&a);
  assert_int_equal(read_text("1e-3\n-2.5E+2\n", &a, ctx), SPECOT_OK);
  assert_true(a.rows == 2 && a.cols == 1);
  assert_close(a.data[1], -250, 0, 0);
  specot_array_free(&a);
  specot_ctx_free(ctx);
}

static void expect_text_error(const char *content, specot_status st, const char *fragment) {
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array a;
  assert_int_equal(read_text(content, &a, ctx), st);
  assert_null(a.data);
  if (!strstr(specot_ctx_errmsg(ctx), fragment)) fail_msg("message '%s' lacks '%s'", specot_ctx_errmsg(ctx), fragment);
  specot_ctx_free(ctx);
}

static void test_text_errors(void **state) {
  (void)state;
  expect_text_error("1,2\n3,abc\n", SPECOT_ERR_FORMAT, "line 2, column 2: 'abc' is not a number");
  expect_text_error("1,2\n3\n", SPECOT_ERR_FORMAT, "ragged");
  expect_text_error("", SPECOT_ERR_FORMAT, "empty file");
  expect_text_error("# only a comment\n\n", SPECOT_ERR_FORMAT, "empty file");
  expect_text_error("1,,2\n", SPECOT_ERR_FORMAT, "line 1, column 2: empty cell");
  expect_text_error("1,2,\n", SPECOT_ERR_FORMAT, "column 3: empty cell");
  expect_text_error("1,nan\n", SPECOT_ERR_INVALID, "entry (0, 1) is NaN");
  expect_text_error("inf\n", SPECOT_ERR_INVALID, "infinite");
  expect_text_error("1.5x\n", SPECOT_ERR_FORMAT, "'1.5x' is not a number");
}

static void test_nonfinite_allowed_by_option(void **state) {
  (void)state;
  char p[512];
  write_raw(path_in(p, "n.csv"), "nan,inf\n", 8);
  specot_io_read_opts opts;
  specot_io_read_opts_init(&opts);
  assert_int_equal(opts.require_finite, 1);
  opts.require_finite = 0;
  specot_array a;
  assert_int_equal(specot_io_read(NULL, p, &opts, &a), SPECOT_OK);
  assert_true(isnan(a.data[0]) && isinf(a.data[1]));
  specot_array_free(&a);
}

/* Builds a .npy file with the given header dict and payload. */
static void write_npy(const char *path, int major, const char *dict, const void *payload,
                      size_t len) {
  unsigned char buf[4096];
  size_t pos = 0;
  const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  memcpy(buf, magic, 6);
  buf[6] = (unsigned char)major;
  buf[7] = 0;
  pos = 8;
  const size_t hlen = strlen(dict) + 1;
  if (major == 1) {
    buf[pos++] = (unsigned char)hlen;
    buf[pos++] = 0;
  } else {
    buf[pos++] = (unsigned char)hlen;
    buf[pos++] = 0;
    buf[pos++] = 0;
    buf[pos++] = 0;
  }
  memcpy(buf + pos, dict, hlen - 1);
  pos += hlen - 1;
  buf[pos++] = '\n';
  memcpy(buf + pos, payload, len);
  write_raw(path, buf, pos + len);
}

static void test_npy_dtypes(void **state) {
  (void)state;
  char p[512];
  specot_array a;
  const float f[3] = {1.5f, -2.0f, 0.25f};
  write_npy(path_in(p, "f4.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", f, sizeof f);
  assert_int_equal(specot_io_read(NULL, p, NULL, &a), SPECOT_OK);
  assert_true(a.rows == 3 && a.cols == 1 && a.ndim == 1);
  assert_close(a.data[1], -2.0, 0, 0);
  specot_array_free(&a);
  const int32_t i4[4] = {1, -2, 3, 2147483647};
  write_npy(path_in(p, "i4.npy"), 2, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", i4, sizeof i4);
  assert_int_equal(specot_io_read(NULL, p, NULL, &a), SPECOT_OK);
  assert_true(a.rows == 2 && a.cols == 2);
  assert_close(a.data[3], 2147483647.0, 0, 0);
  specot_array_free(&a);
  const int64_t i8[2] = {-7, 1LL << 40};
  write_npy(path_in(p, "i8.npy"), 3, "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }", i8, sizeof i8);
  assert_int_equal(specot_io_read(NULL, p, NULL, &a), SPECOT_OK);
  assert_close(a.data[1], 1099511627776.0, 0, 0);
  specot_array_free(&a);
  const unsigned char be[8] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0}; /* 1.5 big-endian */
  write_npy(path_in(p, "be.npy"), 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (1, 1), }", be, 8);
  assert_int_equal(specot_io_read(NULL, p, NULL, &a), SPECOT_OK);
  assert_close(a.data[0], 1.5, 0, 0);
  specot_array_free(&a);
}

static void expect_npy_error(int major, const char *dict, const void *payload, size_t len,
                             specot_status st, const char *fragment) {
  char p[512];
  write_npy(path_in(p, "bad.npy"), major, dict, payload, len);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array a;
  assert_int_equal(specot_io_read(ctx, p, NULL, &a), st);
  assert_null(a.data);
  if (!strstr(specot_ctx_errmsg(ctx), fragment)) fail_msg("message '%s' lacks '%s'", specot_ctx_errmsg(ctx), fragment);
  specot_ctx_free(ctx);
}

static void test_npy_errors(void **state) {
  (void)state;
  const double d[4] = {1, 2, 3, 4};
  expect_npy_error(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", d, 32, SPECOT_ERR_FORMAT, "Fortran");
  expect_npy_error(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", d, 16, SPECOT_ERR_FORMAT, "object dtype");
  expect_npy_error(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", d, 32, SPECOT_ERR_FORMAT, "unsupported dtype");
  expect_npy_error(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", d, 24, SPECOT_ERR_FORMAT, "truncated data");
  expect_npy_error(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 2), }", d, 16, SPECOT_ERR_FORMAT, "more than 2");
  expect_npy_error(1, "{'descr': '<f8', 'shape': (2,), }", d, 16, SPECOT_ERR_FORMAT, "lacks");
  expect_npy_error(7, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", d, 16, SPECOT_ERR_FORMAT, "version 7");
  const double nan2[2] = {1.0, NAN};
  expect_npy_error(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", nan2, 16, SPECOT_ERR_INVALID, "NaN");
  char p[512];
  write_raw(path_in(p, "junk.npy"), "hello world", 11);
  specot_array a;
  assert_int_equal(specot_io_read(NULL, p, NULL, &a), SPECOT_ERR_FORMAT);
  write_raw(path_in(p, "short.npy"), "\x93NUMPY\x01\x00\x40", 9);
  assert_int_equal(specot_io_read(NULL, p, NULL, &a), SPECOT_ERR_FORMAT);
}

static void test_argument_and_file_errors(void **state) {
  (void)state;
  char p[512];
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array a;
  const double d[2] = {1, 2};
  assert_int_equal(specot_io_read(ctx, path_in(p, "missing.npy"), NULL, &a), SPECOT_ERR_IO);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "cannot open"));
  assert_int_equal(specot_io_read(ctx, path_in(p, "x.xlsx"), NULL, &a), SPECOT_ERR_INVALID);
  assert_int_equal(specot_io_read(ctx, "noext", NULL, &a), SPECOT_ERR_INVALID);
  assert_int_equal(specot_io_read(ctx, "", NULL, &a), SPECOT_ERR_INVALID);
  assert_int_equal(specot_io_read(ctx, "a.npy", NULL, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_io_write(ctx, path_in(p, "x.bin"), d, 1, 2, 2), SPECOT_ERR_INVALID);
  assert_int_equal(specot_io_write(ctx, path_in(p, "x.npy"), d, 1, 2, 0), SPECOT_ERR_INVALID);
  assert_int_equal(specot_io_write(ctx, path_in(p, "x.npy"), d, 1, 2, 3), SPECOT_ERR_INVALID);
  assert_int_equal(specot_io_write(ctx, path_in(p, "x.npy"), NULL, 1, 2, 2), SPECOT_ERR_INVALID);
  assert_int_equal(specot_io_write(ctx, path_in(p, "x.npy"), d, SIZE_MAX, 2, 2), SPECOT_ERR_TOO_LARGE);
  assert_int_equal(specot_io_write(ctx, "no/such/dir/x.npy", d, 1, 2, 2), SPECOT_ERR_IO);
  assert_int_equal(specot_io_write(ctx, "", d, 1, 2, 2), SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

static void test_atomic_write_keeps_destination(void **state) {
  (void)state;
  char p[512], sub[512];
  /* A destination that is a folder: the rename fails, the folder stays, no temporary remains. */
  assert_int_equal(mkdir(path_in(sub, "dest.npy"), 0777), 0);
  const double d[2] = {1, 2};
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(specot_io_write(ctx, sub, d, 1, 2, 2), SPECOT_ERR_IO);
  struct stat sb;
  assert_int_equal(stat(sub, &sb), 0);
  assert_true(S_ISDIR(sb.st_mode));
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", dir);
  assert_int_not_equal(system(cmd), 0);
  /* An existing file is replaced only by a complete new one. */
  assert_int_equal(specot_io_write(ctx, path_in(p, "keep.csv"), d, 1, 2, 2), SPECOT_OK);
  const double e[3] = {7, 8, 9};
  assert_int_equal(specot_io_write(ctx, p, e, 3, 1, 2), SPECOT_OK);
  specot_array a;
  assert_int_equal(specot_io_read(ctx, p, NULL, &a), SPECOT_OK);
  assert_true(a.rows == 3 && a.cols == 1);
  specot_array_free(&a);
  specot_ctx_free(ctx);
}

static void expect_raw_npy_error(const void *bytes, size_t len, specot_status st,
                                 const char *fragment) {
  char p[512];
  write_raw(path_in(p, "raw.npy"), bytes, len);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array a;
  assert_int_equal(specot_io_read(ctx, p, NULL, &a), st);
  assert_null(a.data);
  if (!strstr(specot_ctx_errmsg(ctx), fragment)) fail_msg("message '%s' lacks '%s'", specot_ctx_errmsg(ctx), fragment);
  specot_ctx_free(ctx);
}

/* Header corruptions not covered by test_npy_errors: each names its problem. */
static void test_npy_header_errors(void **state) {
  (void)state;
  const double d[4] = {1, 2, 3, 4};
  expect_npy_error(1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }", d, 16,
                   SPECOT_ERR_FORMAT, "structured dtype");
  expect_npy_error(1, "{'descr': 'xf8', 'fortran_order': False, 'shape': (2,), }", d, 16,
                   SPECOT_ERR_FORMAT, "bad dtype 'xf8'");
  expect_npy_error(1, "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", d, 16,
                   SPECOT_ERR_FORMAT, "bad fortran_order");
  expect_npy_error(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
                   d, 16, SPECOT_ERR_TOO_LARGE, "shape entry too large");
  /* rows * cols overflows size_t. */
  expect_npy_error(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }",
                   d, 16, SPECOT_ERR_TOO_LARGE, "array too large");
  /* A huge announced size that fits size_t: rejected against the file size
   * before any allocation (no out-of-memory, no multi-exabyte malloc). */
  expect_npy_error(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846976,), }",
                   d, 16, SPECOT_ERR_FORMAT, "file holds 2");
  expect_npy_error(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1000000), }", d, 32,
                   SPECOT_ERR_FORMAT, "header announces 3000000 values, file holds 8");
  /* Version 2 with a truncated 4-byte header length. */
  expect_raw_npy_error("\x93NUMPY\x02\x00\x10\x00", 10, SPECOT_ERR_FORMAT, "truncated .npy header");
  /* Version 3 announcing a 32 MiB header. */
  expect_raw_npy_error("\x93NUMPY\x03\x00\x00\x00\x00\x02{}", 14, SPECOT_ERR_FORMAT,
                       "implausible .npy header length");
  /* Version 1 announcing 64 header bytes, holding 10. */
  expect_raw_npy_error("\x93NUMPY\x01\x00\x40\x00{'descr': ", 20, SPECOT_ERR_FORMAT,
                       "truncated .npy header");
}

/* A .csv name that is a folder: fopen succeeds on Linux, reading fails. */
static void test_text_read_error(void **state) {
  (void)state;
  char p[512];
  assert_int_equal(mkdir(path_in(p, "folder.csv"), 0777), 0);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array a;
  const specot_status st = specot_io_read(ctx, p, NULL, &a);
  assert_int_equal(st, SPECOT_ERR_IO);
  assert_null(a.data);
  if (!strstr(specot_ctx_errmsg(ctx), "folder.csv")) fail_msg("message '%s' lacks the path", specot_ctx_errmsg(ctx));
  specot_ctx_free(ctx);
}

static int temporaries_left(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", dir);
  return system(cmd) == 0;
}

/* Writes under a file-size limit (EFBIG, as on a full disk): small arrays fail
 * at the final flush ("disk full?"), large ones inside fwrite ("write
 * failed"); either way the destination keeps its old content and no temporary
 * remains. */
static void test_write_failures_keep_destination(void **state) {
  (void)state;
  char p[512], q[512];
  specot_ctx *ctx = specot_ctx_alloc();
  const double old[1] = {5};
  assert_int_equal(specot_io_write(ctx, path_in(p, "full.npy"), old, 1, 1, 2), SPECOT_OK);
  assert_int_equal(specot_io_write(ctx, path_in(q, "full.csv"), old, 1, 1, 2), SPECOT_OK);
  enum { big = 20000 };
  double *data = calloc(big, sizeof *data);
  assert_non_null(data);
  struct rlimit saved, tiny;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
  tiny = saved;
  tiny.rlim_cur = 64;
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &tiny), 0);
  const specot_status small_npy = specot_io_write(ctx, p, data, 4, 4, 2);
  char msg_small[512];
  snprintf(msg_small, sizeof msg_small, "%s", specot_ctx_errmsg(ctx));
  const specot_status big_npy = specot_io_write(ctx, p, data, big, 1, 1);
  char msg_big[512];
  snprintf(msg_big, sizeof msg_big, "%s", specot_ctx_errmsg(ctx));
  const specot_status big_csv = specot_io_write(ctx, q, data, big, 1, 2);
  char msg_csv[512];
  snprintf(msg_csv, sizeof msg_csv, "%s", specot_ctx_errmsg(ctx));
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
  signal(SIGXFSZ, prev);
  free(data);
  assert_int_equal(small_npy, SPECOT_ERR_IO);
  if (!strstr(msg_small, "disk full")) fail_msg("message '%s' lacks 'disk full'", msg_small);
  assert_int_equal(big_npy, SPECOT_ERR_IO);
  if (!strstr(msg_big, "write failed")) fail_msg("message '%s' lacks 'write failed'", msg_big);
  assert_int_equal(big_csv, SPECOT_ERR_IO);
  if (!strstr(msg_csv, "full.csv")) fail_msg("message '%s' lacks the path", msg_csv);
  assert_false(temporaries_left());
  specot_array a;
  assert_int_equal(specot_io_read(ctx, p, NULL, &a), SPECOT_OK);
  assert_true(a.rows == 1 && a.cols == 1);
  assert_close(a.data[0], 5.0, 0, 0);
  specot_array_free(&a);
  assert_int_equal(specot_io_read(ctx, q, NULL, &a), SPECOT_OK);
  assert_close(a.data[0], 5.0, 0, 0);
  specot_array_free(&a);
  specot_ctx_free(ctx);
}

/* Arguments of specot_array_check_finite. */
static void test_check_finite_arguments(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(specot_array_check_finite(ctx, NULL, "x"), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "NULL"));
  double v[2] = {1, -INFINITY};
  specot_array a = {v, 1, 2, 2};
  assert_int_equal(specot_array_check_finite(ctx, &a, "mine"), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "mine: entry (0, 1) is infinite"));
  specot_array_free(NULL);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrips),
      cmocka_unit_test(test_text_parsing),
      cmocka_unit_test(test_text_errors),
      cmocka_unit_test(test_nonfinite_allowed_by_option),
      cmocka_unit_test(test_npy_dtypes),
      cmocka_unit_test(test_npy_errors),
      cmocka_unit_test(test_argument_and_file_errors),
      cmocka_unit_test(test_atomic_write_keeps_destination),
      cmocka_unit_test(test_npy_header_errors),
      cmocka_unit_test(test_text_read_error),
      cmocka_unit_test(test_write_failures_keep_destination),
      cmocka_unit_test(test_check_finite_arguments),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
