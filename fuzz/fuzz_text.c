/* libFuzzer target: the CSV/text reader.  Any input gives SPECOT_OK or an error
 * with a message; an array that was read has rows x cols >= 1 entries and
 * survives a text write + read round trip bit for bit (%.17g is exact). */
#include <stdlib.h>
#include <string.h>

#include "scratch.h"
#include "specot/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static specot_ctx *ctx;
  if (!ctx) ctx = specot_ctx_alloc();
  const char *path = fuzz_put("in.csv", data, size);
  specot_io_read_opts o;
  specot_io_read_opts_init(&o);
  o.require_finite = 0;
  specot_array a;
  const specot_status st = specot_io_read(ctx, path, &o, &a);
  if (st != SPECOT_OK) {
    if (st > 0 || a.data || !specot_ctx_errmsg(ctx)[0]) abort();
    return 0;
  }
  if (a.rows == 0 || a.cols == 0 || a.ndim != 2) abort();
  if (specot_io_write(ctx, "copy.csv", a.data, a.rows, a.cols, 2) != SPECOT_OK) abort();
  specot_array b;
  if (specot_io_read(ctx, "copy.csv", &o, &b) != SPECOT_OK) abort();
  const size_t len = a.rows * a.cols;
  if (b.rows != a.rows || b.cols != a.cols) abort();
  for (size_t k = 0; k < len; ++k) /* NaN payloads and signs may differ in text: compare values */
    if (!(a.data[k] == b.data[k] || (a.data[k] != a.data[k] && b.data[k] != b.data[k]))) abort();
  specot_array_free(&a);
  specot_array_free(&b);
  return 0;
}
