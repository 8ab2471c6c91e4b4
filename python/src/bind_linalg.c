/* Bindings of specot/linalg.h: Schatten LMOs, polar factors, Newton–Schulz, O_eps, norms. */
#include "binding.h"
#include "specot/linalg.h"

/* lmo(G, p, rtol) -> (V, dual_norm) */
static PyObject *py_lmo(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *g_obj;
  double p, rtol;
  if (!PyArg_ParseTuple(args, "Odd", &g_obj, &p, &rtol)) return NULL;
  PyArrayObject *G = sp_array(g_obj, "schatten_lmo", "G", 2, 2);
  if (!G) return NULL;
  PyArrayObject *V = sp_new(2, sp_dim(G, 0), sp_dim(G, 1));
  sp_call call;
  if (!V || sp_begin(&call, 0)) return sp_release(G, V, 0, 0, 0, 0, 0, 0), NULL;
  double dual = 0.0;
  specot_status st;
  SP_NOGIL(st = specot_linalg_lmo(call.ctx, NULL, sp_data(G), (size_t)sp_dim(G, 0),
                                  (size_t)sp_dim(G, 1), p, rtol, sp_data(V), &dual));
  Py_DECREF(G);
  if (sp_end(&call, st)) return Py_DECREF(V), NULL;
  return Py_BuildValue("Nd", V, dual);
}

/* particle_lmo(G, p, w, rtol) -> (V, dual_norm) */
static PyObject *py_particle_lmo(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *g_obj, *w_obj;
  double p, rtol;
  if (!PyArg_ParseTuple(args, "OdOd", &g_obj, &p, &w_obj, &rtol)) return NULL;
  PyArrayObject *G = sp_array(g_obj, "particle_lmo", "g", 2, 2), *w = NULL;
  if (!G) return NULL;
  if (sp_weights(w_obj, "particle_lmo", "weights", sp_dim(G, 0), &w)) return Py_DECREF(G), NULL;
  PyArrayObject *V = sp_new(2, sp_dim(G, 0), sp_dim(G, 1));
  sp_call call;
  if (!V || sp_begin(&call, 0)) return sp_release(G, w, V, 0, 0, 0, 0, 0), NULL;
  double dual = 0.0;
  specot_status st;
  SP_NOGIL(st = specot_linalg_particle_lmo(call.ctx, NULL, sp_data(G), (size_t)sp_dim(G, 0),
                                           (size_t)sp_dim(G, 1), sp_data(w), p, rtol, sp_data(V),
                                           &dual));
  sp_release(G, w, 0, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return Py_DECREF(V), NULL;
  return Py_BuildValue("Nd", V, dual);
}

/* Reads a sequence of positive block widths into widths[0..*count). */
static int read_widths(PyObject *obj, size_t *widths, size_t cap, size_t *count) {
  PyObject *seq = PySequence_Fast(obj, "block_lmo: widths must be a sequence of integers");
  if (!seq) {
    PyErr_SetString(PyExc_ValueError, "block_lmo: widths must be a sequence of integers");
    return -1;
  }
  const Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  if (k < 1 || (size_t)k > cap) {
    Py_DECREF(seq);
    PyErr_Format(PyExc_ValueError, "block_lmo: need 1 to %zu block widths, got %zd", cap, k);
    return -1;
  }
  for (Py_ssize_t i = 0; i < k; ++i) {
    const long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
    if (v < 1) {
      Py_DECREF(seq);
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "block_lmo: block width %zd must be an integer >= 1", i);
      return -1;
    }
    widths[i] = (size_t)v;
  }
  *count = (size_t)k;
  Py_DECREF(seq);
  return 0;
}

/* block_lmo(G, widths, p, gauge, rtol) -> (V, dual_norm); gauge 0 = sum, 1 = max */
static PyObject *py_block_lmo(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *g_obj, *w_obj;
  double p, rtol;
  int gauge;
  if (!PyArg_ParseTuple(args, "OOdid", &g_obj, &w_obj, &p, &gauge, &rtol)) return NULL;
  size_t widths[256], nb = 0;
  if (read_widths(w_obj, widths, 256, &nb)) return NULL;
  PyArrayObject *G = sp_array(g_obj, "block_lmo", "G", 2, 2);
  if (!G) return NULL;
  PyArrayObject *V = sp_new(2, sp_dim(G, 0), sp_dim(G, 1));
  sp_call call;
  if (!V || sp_begin(&call, 0)) return sp_release(G, V, 0, 0, 0, 0, 0, 0), NULL;
  double dual = 0.0;
  specot_status st;
  SP_NOGIL(st = specot_linalg_block_lmo(call.ctx, NULL, sp_data(G), (size_t)sp_dim(G, 0),
                                        (size_t)sp_dim(G, 1), widths, nb, p,
                                        (specot_linalg_block_gauge)gauge, rtol, sp_data(V), &dual));
  Py_DECREF(G);
  if (sp_end(&call, st)) return Py_DECREF(V), NULL;
  return Py_BuildValue("Nd", V, dual);
}

/* polar(G, method, rtol) -> Q; method 0 auto, 1 svd, 2 gram */
static PyObject *py_polar(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *g_obj;
  int method;
  double rtol;
  if (!PyArg_ParseTuple(args, "Oid", &g_obj, &method, &rtol)) return NULL;
  PyArrayObject *G = sp_array(g_obj, "polar", "G", 2, 2);
  if (!G) return NULL;
  PyArrayObject *Q = sp_new(2, sp_dim(G, 0), sp_dim(G, 1));
  sp_call call;
  if (!Q || sp_begin(&call, 0)) return sp_release(G, Q, 0, 0, 0, 0, 0, 0), NULL;
  specot_linalg_polar_opts o;
  specot_linalg_polar_opts_init(&o);
  o.method = (specot_linalg_polar_method)method;
  o.rtol = rtol;
  specot_status st;
  SP_NOGIL(st = specot_linalg_polar(call.ctx, NULL, sp_data(G), (size_t)sp_dim(G, 0),
                                    (size_t)sp_dim(G, 1), &o, sp_data(Q), NULL));
  Py_DECREF(G);
  if (sp_end(&call, st)) return Py_DECREF(Q), NULL;
  return (PyObject *)Q;
}

/* newton_schulz(G, schedule, steps, norm_eps) -> Q; schedule 0 kj5, 1 polar express, 2 cubic */
static PyObject *py_newton_schulz(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *g_obj;
  int schedule;
  Py_ssize_t steps;
  double norm_eps;
  if (!PyArg_ParseTuple(args, "Oind", &g_obj, &schedule, &steps, &norm_eps)) return NULL;
  if (steps < 0)
    return PyErr_Format(PyExc_ValueError, "newton_schulz: steps = %zd must be >= 0", steps);
  PyArrayObject *G = sp_array(g_obj, "newton_schulz", "G", 2, 2);
  if (!G) return NULL;
  PyArrayObject *Q = sp_new(2, sp_dim(G, 0), sp_dim(G, 1));
  sp_call call;
  if (!Q || sp_begin(&call, 0)) return sp_release(G, Q, 0, 0, 0, 0, 0, 0), NULL;
  specot_linalg_ns_opts o;
  specot_linalg_ns_opts_init(&o);
  o.schedule = (specot_linalg_ns_schedule)schedule;
  o.steps = (size_t)steps;
  o.norm_eps = norm_eps;
  specot_status st;
  SP_NOGIL(st = specot_linalg_newton_schulz(call.ctx, NULL, sp_data(G), (size_t)sp_dim(G, 0),
                                            (size_t)sp_dim(G, 1), &o, sp_data(Q)));
  Py_DECREF(G);
  if (sp_end(&call, st)) return Py_DECREF(Q), NULL;
  return (PyObject *)Q;
}

/* reg_polar(G, eps) -> (O, phi) */
static PyObject *py_reg_polar(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *g_obj;
  double eps;
  if (!PyArg_ParseTuple(args, "Od", &g_obj, &eps)) return NULL;
  PyArrayObject *G = sp_array(g_obj, "regularized_polar", "G", 2, 2);
  if (!G) return NULL;
  PyArrayObject *O = sp_new(2, sp_dim(G, 0), sp_dim(G, 1));
  sp_call call;
  if (!O || sp_begin(&call, 0)) return sp_release(G, O, 0, 0, 0, 0, 0, 0), NULL;
  double phi = 0.0;
  specot_status st;
  SP_NOGIL(st = specot_linalg_reg_polar(call.ctx, NULL, sp_data(G), (size_t)sp_dim(G, 0),
                                        (size_t)sp_dim(G, 1), eps, sp_data(O), &phi));
  Py_DECREF(G);
  if (sp_end(&call, st)) return Py_DECREF(O), NULL;
  return Py_BuildValue("Nd", O, phi);
}

/* schatten_norm(A, r) -> float;  schatten_gauge(S, p) -> float */
static PyObject *py_schatten_norm(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *a_obj;
  double r, value = 0.0;
  if (!PyArg_ParseTuple(args, "Od", &a_obj, &r)) return NULL;
  PyArrayObject *A = sp_array(a_obj, "schatten_norm", "A", 2, 2);
  sp_call call;
  if (!A) return NULL;
  if (sp_begin(&call, 0)) return Py_DECREF(A), NULL;
  specot_status st;
  SP_NOGIL(st = specot_linalg_schatten_norm(call.ctx, NULL, sp_data(A), (size_t)sp_dim(A, 0),
                                            (size_t)sp_dim(A, 1), r, &value));
  Py_DECREF(A);
  if (sp_end(&call, st)) return NULL;
  return PyFloat_FromDouble(value);
}

static PyObject *py_schatten_gauge(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *s_obj;
  double p, value = 0.0;
  if (!PyArg_ParseTuple(args, "Od", &s_obj, &p)) return NULL;
  PyArrayObject *S = sp_array(s_obj, "schatten_gauge", "S", 2, 2);
  sp_call call;
  if (!S) return NULL;
  if (sp_dim(S, 0) != sp_dim(S, 1)) {
    Py_DECREF(S);
    return PyErr_Format(PyExc_ValueError, "schatten_gauge: S must be square");
  }
  if (sp_begin(&call, 0)) return Py_DECREF(S), NULL;
  specot_status st;
  SP_NOGIL(st = specot_linalg_schatten_gauge(call.ctx, NULL, sp_data(S), (size_t)sp_dim(S, 0), p,
                                             &value));
  Py_DECREF(S);
  if (sp_end(&call, st)) return NULL;
  return PyFloat_FromDouble(value);
}

PyMethodDef specot_py_linalg_methods[] = {
    {"lmo", py_lmo, METH_VARARGS, "lmo(G, p, rtol) -> (V, dual_norm)"},
    {"particle_lmo", py_particle_lmo, METH_VARARGS,
     "particle_lmo(g, p, w, rtol) -> (V, dual_norm)"},
    {"block_lmo", py_block_lmo, METH_VARARGS, "block_lmo(G, widths, p, gauge, rtol) -> (V, dual)"},
    {"polar", py_polar, METH_VARARGS, "polar(G, method, rtol) -> Q"},
    {"newton_schulz", py_newton_schulz, METH_VARARGS,
     "newton_schulz(G, schedule, steps, eps) -> Q"},
    {"reg_polar", py_reg_polar, METH_VARARGS, "reg_polar(G, eps) -> (O, phi)"},
    {"schatten_norm", py_schatten_norm, METH_VARARGS, "schatten_norm(A, r) -> float"},
    {"schatten_gauge", py_schatten_gauge, METH_VARARGS, "schatten_gauge(S, p) -> float"},
    {NULL, NULL, 0, NULL}};
