/* Private helpers of the io module. */
#ifndef SPECOT_IO_INTERNAL_H
#define SPECOT_IO_INTERNAL_H

#include <stdio.h>

#include "internal.h"
#include "specot/io.h"

specot_status specot__npy_read(specot_ctx *ctx, const char *path, specot_array *out);
specot_status specot__npy_write(specot_ctx *ctx, const char *path, const double *data, size_t rows,
                                size_t cols, int ndim);
specot_status specot__text_read(specot_ctx *ctx, const char *path, specot_array *out);
specot_status specot__text_write(specot_ctx *ctx, const char *path, const double *data,
                                 size_t rows, size_t cols);

#endif
