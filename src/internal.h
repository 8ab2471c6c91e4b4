/*
 * Hidden helpers shared across modules (specot__ prefix).  Not installed.
 */
#ifndef SPECOT_INTERNAL_H
#define SPECOT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "specot/specot.h"

#if defined(__GNUC__)
#define SPECOT__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SPECOT__PRINTF(a, b)
#endif

/* Records `status` and a printf-style detail in ctx (ctx may be NULL) and
 * returns `status`, so that callers can write `return specot__fail(...)`. */
specot_status specot__fail(specot_ctx *ctx, specot_status status, const char *fmt, ...)
    SPECOT__PRINTF(3, 4);

/* Clears the message of ctx at the start of a public call (ctx may be NULL). */
void specot__ctx_reset(specot_ctx *ctx);

/* 1 when ctx has a cancel flag (specot_ctx_set_cancel) that is set; solvers
 * poll it in their outer loops and then return SPECOT_ERR_CANCELLED. */
int specot__cancelled(const specot_ctx *ctx);

/* a*b into *out; returns 0 on success, -1 on size_t overflow. */
static inline int specot__mul_size(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a) return -1;
  *out = a * b;
  return 0;
}

/* Largest dimension accepted by LAPACK/BLAS (lapack_int is 32-bit). */
#define SPECOT__BLAS_INT_MAX ((size_t)2147483647)

/* 1 when every entry of x[0..len) is finite. */
int specot__all_finite(const double *x, size_t len);

/* Allocates len doubles (64-byte aligned); NULL on overflow or OOM.  Free
 * with specot__free.  len == 0 returns a valid unique pointer. */
double *specot__alloc_doubles(size_t len);
void specot__free(void *p);

/* Atomic file writing (src/io/atomic.c): open a temporary file beside `path`;
 * close with ok = 1 flushes, fsyncs and renames it onto `path`, ok = 0 (or any
 * write error) removes it and leaves `path` untouched.  Returns the first error. */
typedef struct specot__atomic_file {
  FILE *fp;
  char *tmp;
  const char *path;
} specot__atomic_file;
specot_status specot__atomic_open(specot_ctx *ctx, const char *path, specot__atomic_file *af);
specot_status specot__atomic_close(specot_ctx *ctx, specot__atomic_file *af, int ok);

#endif /* SPECOT_INTERNAL_H */
