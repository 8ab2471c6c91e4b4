/*
 * specot/io.h — reading and writing dense arrays (.npy and text/CSV).
 *
 * Formats, chosen by the file extension (case-insensitive):
 *   .npy                NumPy format versions 1.0, 2.0 and 3.0; dtypes float64,
 *                       float32, int32, int64 (little or big endian), converted to
 *                       double; C order only; 0-, 1- and 2-D arrays.  Writing
 *                       produces version 1.0 little-endian float64 ('<f8').
 *   .csv .txt .tsv .dat text: one row per line, cells separated by commas and/or
 *                       whitespace; '#' starts a comment to the end of the line;
 *                       blank lines are skipped; every row must have the same
 *                       number of cells.  Writing uses commas and %.17g (exact
 *                       round trip of every double).
 *
 * Shapes: a 2-D array has rows x cols; a 1-D array of length n is returned as
 * rows = n, cols = 1, ndim = 1; a 0-D array as 1 x 1, ndim = 0.  Text files
 * are always 2-D (a single column gives n x 1).
 *
 * Writes are atomic: data go to a temporary file in the destination folder,
 * which is fsync'ed and renamed over the destination; on any error the
 * temporary is removed and an existing destination is left untouched.
 *
 * Errors: SPECOT_ERR_IO (cannot open/read/write), SPECOT_ERR_FORMAT (bad
 * magic or header, unsupported dtype, Fortran order, truncated data,
 * non-numeric CSV cell with its line and column, ragged rows, empty file),
 * SPECOT_ERR_INVALID (unknown extension, NULL arguments, non-finite values
 * where finite ones are required), SPECOT_ERR_TOO_LARGE (size overflow),
 * SPECOT_ERR_NOMEM.
 */
#ifndef SPECOT_IO_H
#define SPECOT_IO_H

#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct specot_array {
  double *data; /* rows*cols doubles, row-major; owned: release with specot_array_free */
  size_t rows;
  size_t cols;
  int ndim; /* dimensions as stored in the file: 0, 1 or 2 */
} specot_array;

/* Options of specot_io_read; NULL means defaults. */
typedef struct specot_io_read_opts {
  int require_finite; /* 1: NaN/Inf is an error naming the first bad entry. Default 1. */
} specot_io_read_opts;

SPECOT_API void specot_io_read_opts_init(specot_io_read_opts *opts);

/* Reads the array in `path` (format by extension) into *out (zeroed first;
 * on error *out holds no allocation). */
SPECOT_API specot_status specot_io_read(specot_ctx *ctx, const char *path,
                                        const specot_io_read_opts *opts, specot_array *out);

/* Writes rows x cols doubles (row-major) to `path` (format by extension),
 * atomically.  ndim (0, 1 or 2) selects the .npy shape: 1 writes (rows*cols,),
 * 0 requires rows = cols = 1.  Text files are always written as a matrix. */
SPECOT_API specot_status specot_io_write(specot_ctx *ctx, const char *path, const double *data,
                                         size_t rows, size_t cols, int ndim);

/* Frees the data of an array and zeroes it (NULL-safe). */
SPECOT_API void specot_array_free(specot_array *array);

/* SPECOT_OK when every entry is finite, otherwise SPECOT_ERR_INVALID with a
 * message naming `what` and the first bad (row, col). */
SPECOT_API specot_status specot_array_check_finite(specot_ctx *ctx, const specot_array *array,
                                                   const char *what);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_IO_H */
