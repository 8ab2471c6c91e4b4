/*
 * Shared helpers of the CPython binding (_specot).  Each bind_<module>.c
 * defines one method table `specot_py_<module>_methods` (listed once in
 * bind_modules.h); module.c concatenates them.  Conventions:
 *  - Array arguments accept anything NumPy converts (lists, float32, views):
 *    C-contiguous aligned float64 arrays are used in place (zero copy), any
 *    other input is converted into a C-contiguous float64 copy.
 *  - Every solve runs with the GIL released and, on the main thread, with a
 *    SIGINT handler that sets the context's cancel flag (Ctrl-C stops the
 *    solve at its next poll; KeyboardInterrupt is raised afterwards).
 *  - Status mapping: < 0 raises (ValueError for bad input, NumericalError for
 *    numerical failures, MemoryError, KeyboardInterrupt for a cancelled
 *    solve) with the ctx message; > 0 issues a UserWarning with the message.
 */
#ifndef SPECOT_PY_BINDING_H
#define SPECOT_PY_BINDING_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#ifndef SPECOT_PY_MODULE_C
#define NO_IMPORT_ARRAY
#endif
#define PY_ARRAY_UNIQUE_SYMBOL specot_py_ARRAY_API
#include <numpy/arrayobject.h>
#include <signal.h>

#include "specot/specot.h"

/* specot.NumericalError (a subclass of ArithmeticError), created at import. */
extern PyObject *specot_py_numerical_error;

/* Converts `obj` to a C-contiguous float64 array with ndim in [min_nd, max_nd]
 * (new reference; NULL with ValueError naming `who` and `name`). */
PyArrayObject *sp_array(PyObject *obj, const char *who, const char *name, int min_nd, int max_nd);
/* Optional weights: None or an empty sequence gives *out = NULL (uniform);
 * otherwise a 1-D array of length `len`.  Returns 0, or -1 with ValueError. */
int sp_weights(PyObject *obj, const char *who, const char *name, npy_intp len, PyArrayObject **out);
/* New zeroed C-contiguous float64 array (NULL with MemoryError). */
PyArrayObject *sp_new(int nd, npy_intp d0, npy_intp d1);
/* Data pointer of a float64 array (NULL for a NULL array). */
static inline double *sp_data(PyArrayObject *a) {
  return a ? (double *)PyArray_DATA(a) : NULL;
}
static inline npy_intp sp_dim(PyArrayObject *a, int k) {
  return PyArray_DIM(a, k);
}
/* Rows and columns of a 1-D (n x 1) or 2-D array. */
static inline npy_intp sp_rows(PyArrayObject *a) {
  return PyArray_DIM(a, 0);
}
static inline npy_intp sp_cols(PyArrayObject *a) {
  return PyArray_NDIM(a) > 1 ? PyArray_DIM(a, 1) : 1;
}

/* Maps a status to Python: 0 = fine (a warning may have been issued),
 * -1 = an exception is set.  `ctx` gives the message. */
int sp_check(const specot_ctx *ctx, specot_status status);

/* A solve's context with the SIGINT cancel hook.  Usage:
 *   sp_call call; if (sp_begin(&call, 1)) return NULL;
 *   Py_BEGIN_ALLOW_THREADS st = solve(call.ctx, ...); Py_END_ALLOW_THREADS
 *   int bad = sp_end(&call, st);   // maps the status, frees the context
 */
typedef struct sp_call {
  specot_ctx *ctx;
  int hooked; /* 1 when the SIGINT handler is installed */
  int quiet;  /* 1: a warning status issues no UserWarning (caller reports it) */
  struct sigaction previous;
} sp_call;
/* hook = 1 installs the Ctrl-C hook (long solves); 0 only makes the context. */
int sp_begin(sp_call *call, int hook);
/* The context's message as a str (new reference; "" when none). */
PyObject *sp_message(const sp_call *call);
/* Restores the handler and maps `status` (sp_check); frees the context. */
int sp_end(sp_call *call, specot_status status);

/* Runs `stmt` with the GIL released. */
#define SP_NOGIL(stmt)           \
  do {                           \
    Py_BEGIN_ALLOW_THREADS stmt; \
    Py_END_ALLOW_THREADS         \
  } while (0)

/* New 1-D int64 array of length len (NULL with MemoryError). */
PyArrayObject *sp_new_index(npy_intp len);

/* Keyword options from the Python layer (options.c): reads `key` from the dict
 * when present and not None (otherwise leaves *out, the C default); 0, or -1
 * with ValueError naming `who` and `key`. */
int sp_opt_double(PyObject *dict, const char *who, const char *key, double *out);
int sp_opt_size(PyObject *dict, const char *who, const char *key, size_t *out);
int sp_opt_int(PyObject *dict, const char *who, const char *key, int *out);

/* Releases up to 8 array references (NULL allowed). */
void sp_release(PyArrayObject *a, PyArrayObject *b, PyArrayObject *c, PyArrayObject *d,
                PyArrayObject *e, PyArrayObject *f, PyArrayObject *g, PyArrayObject *h);

#endif
