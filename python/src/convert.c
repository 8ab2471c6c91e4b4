/* Array conversion, status mapping and the SIGINT cancel hook of the binding. */
#include <string.h>

#include "binding.h"

PyArrayObject *sp_array(PyObject *obj, const char *who, const char *name, int min_nd, int max_nd) {
  if (obj == NULL || obj == Py_None) {
    PyErr_Format(PyExc_ValueError, "%s: %s is required (got None)", who, name);
    return NULL;
  }
  /* Zero copy for aligned C-contiguous float64; a converted copy otherwise. */
  PyArrayObject *a =
      (PyArrayObject *)PyArray_FROM_OTF(obj, NPY_DOUBLE, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
  if (!a) {
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s: %s must be a real numeric array", who, name);
    return NULL;
  }
  const int nd = PyArray_NDIM(a);
  if (nd < min_nd || nd > max_nd) {
    if (min_nd == max_nd)
      PyErr_Format(PyExc_ValueError, "%s: %s must be %d-D, got %d-D", who, name, min_nd, nd);
    else
      PyErr_Format(PyExc_ValueError, "%s: %s must be %d-D to %d-D, got %d-D", who, name, min_nd,
                   max_nd, nd);
    Py_DECREF(a);
    return NULL;
  }
  if (PyArray_SIZE(a) == 0) {
    PyErr_Format(PyExc_ValueError, "%s: %s is empty", who, name);
    Py_DECREF(a);
    return NULL;
  }
  return a;
}

int sp_weights(PyObject *obj, const char *who, const char *name, npy_intp len,
               PyArrayObject **out) {
  *out = NULL;
  if (obj == NULL || obj == Py_None) return 0;
  PyArrayObject *a =
      (PyArrayObject *)PyArray_FROM_OTF(obj, NPY_DOUBLE, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
  if (!a) {
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s: %s must be a real numeric vector", who, name);
    return -1;
  }
  if (PyArray_SIZE(a) == 0) { /* POT: an empty list means uniform weights */
    Py_DECREF(a);
    return 0;
  }
  if (PyArray_NDIM(a) != 1 || PyArray_DIM(a, 0) != len) {
    PyErr_Format(PyExc_ValueError, "%s: %s must be a vector of length %zd, got shape %s%zd%s", who,
                 name, (Py_ssize_t)len, PyArray_NDIM(a) == 1 ? "(" : "(ndim ",
                 PyArray_NDIM(a) == 1 ? (Py_ssize_t)PyArray_DIM(a, 0) : (Py_ssize_t)PyArray_NDIM(a),
                 PyArray_NDIM(a) == 1 ? ",)" : ")");
    Py_DECREF(a);
    return -1;
  }
  *out = a;
  return 0;
}

PyArrayObject *sp_new(int nd, npy_intp d0, npy_intp d1) {
  npy_intp dims[2] = {d0, d1};
  return (PyArrayObject *)PyArray_ZEROS(nd, dims, NPY_DOUBLE, 0);
}

PyArrayObject *sp_new_index(npy_intp len) {
  npy_intp dims[1] = {len};
  return (PyArrayObject *)PyArray_ZEROS(1, dims, NPY_INT64, 0);
}

void sp_release(PyArrayObject *a, PyArrayObject *b, PyArrayObject *c, PyArrayObject *d,
                PyArrayObject *e, PyArrayObject *f, PyArrayObject *g, PyArrayObject *h) {
  Py_XDECREF(a);
  Py_XDECREF(b);
  Py_XDECREF(c);
  Py_XDECREF(d);
  Py_XDECREF(e);
  Py_XDECREF(f);
  Py_XDECREF(g);
  Py_XDECREF(h);
}

int sp_check(const specot_ctx *ctx, specot_status status) {
  const char *msg = specot_ctx_errmsg(ctx);
  if (!msg || !*msg) msg = specot_strerror(status);
  if (status > 0) return PyErr_WarnEx(PyExc_UserWarning, msg, 1) < 0 ? -1 : 0;
  switch (status) {
    case SPECOT_OK:
      return 0;
    case SPECOT_ERR_NUMERICAL:
      PyErr_SetString(specot_py_numerical_error, msg);
      break;
    case SPECOT_ERR_NOMEM:
      PyErr_SetString(PyExc_MemoryError, msg);
      break;
    case SPECOT_ERR_CANCELLED:
      /* Runs the Python-level SIGINT handler (KeyboardInterrupt by default). */
      if (PyErr_CheckSignals() < 0) return -1;
      PyErr_SetString(PyExc_KeyboardInterrupt, msg);
      break;
    default:
      PyErr_SetString(PyExc_ValueError, msg);
      break; /* INVALID, INFEASIBLE, TOO_LARGE, ... */
  }
  return -1;
}

/* ------------------------------------------------------------ Ctrl-C hook */

/* One flag per process: the hook is only installed on the main thread, which
 * runs one solve at a time. */
static volatile sig_atomic_t sp_interrupted = 0;
_Static_assert(sizeof(sig_atomic_t) == sizeof(int), "the cancel flag is an int");
static struct sigaction sp_chained; /* Python's own handler, called after ours */

static void sp_on_sigint(int sig, siginfo_t *info, void *uctx) {
  sp_interrupted = 1;
  /* Chain to Python's C-level handler so that it also records the signal
   * (PyErr_CheckSignals then runs the Python handler). */
  if (sp_chained.sa_flags & SA_SIGINFO) {
    if (sp_chained.sa_sigaction) sp_chained.sa_sigaction(sig, info, uctx);
  } else if (sp_chained.sa_handler != SIG_DFL && sp_chained.sa_handler != SIG_IGN) {
    sp_chained.sa_handler(sig);
  }
}

static unsigned long sp_main_thread = 0;

void specot_py_record_main_thread(unsigned long ident) {
  sp_main_thread = ident;
}

int sp_begin(sp_call *call, int hook) {
  memset(call, 0, sizeof *call);
  call->ctx = specot_ctx_alloc();
  if (!call->ctx) {
    PyErr_NoMemory();
    return -1;
  }
  if (!hook || sp_main_thread == 0 || PyThread_get_thread_ident() != sp_main_thread) return 0;
  struct sigaction current;
  if (sigaction(SIGINT, NULL, &current) != 0) return 0;
  /* Only when Python handles SIGINT (not ignored, not the default action). */
  if (!(current.sa_flags & SA_SIGINFO) &&
      (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN))
    return 0;
  struct sigaction mine;
  memset(&mine, 0, sizeof mine);
  mine.sa_sigaction = sp_on_sigint;
  mine.sa_flags = SA_SIGINFO;
  sigemptyset(&mine.sa_mask);
  sp_chained = current;
  sp_interrupted = 0;
  if (sigaction(SIGINT, &mine, &call->previous) != 0) return 0;
  specot_ctx_set_cancel(call->ctx, (volatile const int *)&sp_interrupted);
  call->hooked = 1;
  return 0;
}

PyObject *sp_message(const sp_call *call) {
  return PyUnicode_FromString(specot_ctx_errmsg(call->ctx));
}

int sp_end(sp_call *call, specot_status status) {
  if (call->hooked) {
    sigaction(SIGINT, &call->previous, NULL);
    call->hooked = 0;
  }
  const int rc = (status > 0 && call->quiet) ? 0 : sp_check(call->ctx, status);
  specot_ctx_free(call->ctx);
  call->ctx = NULL;
  return rc;
}
