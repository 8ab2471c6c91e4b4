/* Format dispatch by extension, array helpers. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io_internal.h"

void specot_io_read_opts_init(specot_io_read_opts *opts) { opts->require_finite = 1; }

typedef enum { FMT_UNKNOWN, FMT_NPY, FMT_TEXT } file_format;

static file_format format_of(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(slash ? slash : path, '.');
  if (!dot) return FMT_UNKNOWN;
  if (strcasecmp(dot, ".npy") == 0) return FMT_NPY;
  if (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".txt") == 0 ||
      strcasecmp(dot, ".tsv") == 0 || strcasecmp(dot, ".dat") == 0)
    return FMT_TEXT;
  return FMT_UNKNOWN;
}

specot_status specot_io_read(specot_ctx *ctx, const char *path, const specot_io_read_opts *opts,
                             specot_array *out) {
  specot__ctx_reset(ctx);
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "io: output array is NULL");
  memset(out, 0, sizeof *out);
  if (!path || !*path) return specot__fail(ctx, SPECOT_ERR_INVALID, "io: empty file name");
  specot_io_read_opts defaults;
  if (!opts) {
    specot_io_read_opts_init(&defaults);
    opts = &defaults;
  }
  specot_status st;
  switch (format_of(path)) {
    case FMT_NPY: st = specot__npy_read(ctx, path, out); break;
    case FMT_TEXT: st = specot__text_read(ctx, path, out); break;
    default:
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "io: '%s': unknown file extension (use .npy, .csv, .txt, .tsv or .dat)",
                          path);
  }
  if (st == SPECOT_OK && opts->require_finite) {
    st = specot_array_check_finite(ctx, out, path);
    if (st != SPECOT_OK) specot_array_free(out);
  }
  return st;
}

specot_status specot_io_write(specot_ctx *ctx, const char *path, const double *data, size_t rows,
                              size_t cols, int ndim) {
  specot__ctx_reset(ctx);
  if (!path || !*path) return specot__fail(ctx, SPECOT_ERR_INVALID, "io: empty file name");
  size_t len;
  if (specot__mul_size(rows, cols, &len) != 0)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "io: %zu x %zu array is too large", rows, cols);
  if (len > 0 && !data) return specot__fail(ctx, SPECOT_ERR_INVALID, "io: data is NULL");
  if (ndim < 0 || ndim > 2)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "io: ndim = %d must be 0, 1 or 2", ndim);
  if (ndim == 0 && len != 1)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "io: a 0-d array must have exactly one entry");
  switch (format_of(path)) {
    case FMT_NPY: return specot__npy_write(ctx, path, data, rows, cols, ndim);
    case FMT_TEXT: return specot__text_write(ctx, path, data, rows, cols);
    default:
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "io: '%s': unknown file extension (use .npy, .csv, .txt, .tsv or .dat)",
                          path);
  }
}

void specot_array_free(specot_array *array) {
  if (!array) return;
  free(array->data);
  memset(array, 0, sizeof *array);
}

specot_status specot_array_check_finite(specot_ctx *ctx, const specot_array *array,
                                        const char *what) {
  if (!array) return specot__fail(ctx, SPECOT_ERR_INVALID, "io: array is NULL");
  const size_t len = array->rows * array->cols;
  for (size_t k = 0; k < len; ++k) {
    const double v = array->data[k];
    if (v - v != 0.0) /* NaN or +-Inf */
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "%s: entry (%zu, %zu) is %s; finite values are required", what,
                          k / array->cols, k % array->cols, v != v ? "NaN" : "infinite");
  }
  return SPECOT_OK;
}
