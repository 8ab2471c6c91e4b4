/* libFuzzer target: the .npy reader.  Any input must give SPECOT_OK or an error
 * status with a message (never a crash, leak or over-read); an array that was
 * read must survive a write + read round trip bit for bit. */
#include <stdlib.h>
#include <string.h>

#include "scratch.h"
#include "specot/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_read(specot_ctx *ctx, const char *path, const char *copy, int finite) {
  specot_io_read_opts o;
  specot_io_read_opts_init(&o);
  o.require_finite = finite;
  specot_array a;
  const specot_status st = specot_io_read(ctx, path, &o, &a);
  if (st != SPECOT_OK) {
    if (st > 0 || a.data || !specot_ctx_errmsg(ctx)[0]) abort(); /* errors say why, own nothing */
    return;
  }
  if (a.ndim < 0 || a.ndim > 2 || (a.ndim == 0 && a.rows * a.cols != 1)) abort();
  if (specot_io_write(ctx, copy, a.data, a.rows, a.cols, a.ndim) != SPECOT_OK) abort();
  specot_array b;
  if (specot_io_read(ctx, copy, &o, &b) != SPECOT_OK) abort();
  const size_t len = a.rows * a.cols;
  if (b.rows * b.cols != len || b.ndim != a.ndim ||
      (len && memcmp(a.data, b.data, len * sizeof(double)) != 0))
    abort();
  specot_array_free(&a);
  specot_array_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static specot_ctx *ctx;
  if (!ctx) ctx = specot_ctx_alloc();
  const char *path = fuzz_put("in.npy", data, size);
  check_read(ctx, path, "copy.npy", 0);
  check_read(ctx, path, "copy.npy", 1);
  return 0;
}
