/* Private helpers of the io module. */
#ifndef SPECOT_IO_INTERNAL_H
#define SPECOT_IO_INTERNAL_H

#include <stdio.h>

#include "internal.h"
#include "specot/io.h"

typedef struct specot__atomic_file {
  FILE *fp;
  char *tmp;
  const char *path;
} specot__atomic_file;

/* Opens a temporary file beside `path`. */
specot_status specot__atomic_open(specot_ctx *ctx, const char *path, specot__atomic_file *af);
/* Closes it; when ok, flushes, syncs and renames onto `path`, else removes it.
 * Returns the first error. */
specot_status specot__atomic_close(specot_ctx *ctx, specot__atomic_file *af, int ok);

specot_status specot__npy_read(specot_ctx *ctx, const char *path, specot_array *out);
specot_status specot__npy_write(specot_ctx *ctx, const char *path, const double *data, size_t rows,
                                size_t cols, int ndim);
specot_status specot__text_read(specot_ctx *ctx, const char *path, specot_array *out);
specot_status specot__text_write(specot_ctx *ctx, const char *path, const double *data,
                                 size_t rows, size_t cols);

#endif
