/* Bindings of specot/spectral.h: certified spectral transport W_gamma^2 between
 * point clouds and between Gaussians, and displacement interpolation. */
#include <string.h>

#include "binding.h"
#include "specot/spectral.h"

_Static_assert(sizeof(size_t) == sizeof(npy_int64), "plan indices are int64 arrays");

/* gauge from (kind, p, k): kind 0 Schatten p, 1 Ky Fan k */
static specot_gauge read_gauge(int kind, double p, Py_ssize_t k) {
  return kind == 1 ? specot_gauge_kyfan(k > 0 ? (size_t)k : 0) : specot_gauge_schatten(p);
}

static PyArrayObject *copy_matrix(const double *src, npy_intp r, npy_intp c) {
  PyArrayObject *a = sp_new(2, r, c);
  if (a) memcpy(PyArray_DATA(a), src, (size_t)(r * c) * sizeof(double));
  return a;
}

static PyArrayObject *copy_vector(const double *src, npy_intp len) {
  PyArrayObject *a = sp_new(1, len, 0);
  if (a && len) memcpy(PyArray_DATA(a), src, (size_t)len * sizeof(double));
  return a;
}

static PyArrayObject *copy_index(const size_t *src, npy_intp len) {
  PyArrayObject *a = sp_new_index(len);
  if (a && len) memcpy(PyArray_DATA(a), src, (size_t)len * sizeof(size_t));
  return a;
}

/* transport(X, a, Y, b, kind, p, k, tol, max_iter, oracle, entropic_eps) -> dict */
static PyObject *py_transport(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x_obj, *a_obj, *y_obj, *b_obj;
  int kind, oracle;
  double p, tol, entropic_eps;
  Py_ssize_t k, max_iter;
  if (!PyArg_ParseTuple(args, "OOOOidndnid", &x_obj, &a_obj, &y_obj, &b_obj, &kind, &p, &k, &tol,
                        &max_iter, &oracle, &entropic_eps))
    return NULL;
  PyArrayObject *X = sp_array(x_obj, "transport", "X", 1, 2), *Y = NULL, *a = NULL, *b = NULL;
  if (!X) return NULL;
  if (!(Y = sp_array(y_obj, "transport", "Y", 1, 2))) return Py_DECREF(X), NULL;
  const npy_intp n = sp_rows(X), m = sp_rows(Y), d = sp_cols(X);
  if (sp_cols(Y) != d) {
    sp_release(X, Y, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "transport: X has %zd columns, Y has %zd", (Py_ssize_t)d,
                        (Py_ssize_t)sp_cols(Y));
  }
  if (max_iter < 1) {
    sp_release(X, Y, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "transport: max_iter = %zd must be >= 1", max_iter);
  }
  if (sp_weights(a_obj, "transport", "a", n, &a) || sp_weights(b_obj, "transport", "b", m, &b))
    return sp_release(X, Y, a, b, 0, 0, 0, 0), NULL;
  sp_call call;
  if (sp_begin(&call, 1)) return sp_release(X, Y, a, b, 0, 0, 0, 0), NULL;
  const specot_gauge gauge = read_gauge(kind, p, k);
  specot_spectral_opts o;
  specot_spectral_opts_init(&o);
  o.tol = tol;
  o.max_iter = (size_t)max_iter;
  o.oracle = (specot_spectral_oracle)oracle;
  o.entropic_eps = entropic_eps;
  specot_spectral_result r;
  memset(&r, 0, sizeof r);
  specot_spectral_ws *ws = NULL;
  specot_status st;
  SP_NOGIL({
    ws = specot_spectral_ws_alloc(call.ctx, (size_t)n, (size_t)m, (size_t)d, 0);
    st = ws ? specot_spectral_solve(call.ctx, ws, &gauge, sp_data(X), sp_data(a), sp_data(Y),
                                    sp_data(b), &o, &r)
            : (specot_ctx_status(call.ctx) < 0 ? specot_ctx_status(call.ctx) : SPECOT_ERR_NOMEM);
  });
  sp_release(X, Y, a, b, 0, 0, 0, 0);
  call.quiet = 1; /* the Python layer warns with the message */
  PyObject *message = st > 0 ? sp_message(&call) : Py_NewRef(Py_None);
  if (!message || sp_end(&call, st)) {
    Py_XDECREF(message);
    specot_spectral_ws_free(ws);
    return NULL;
  }
  const npy_intp nnz = (npy_intp)r.plan_nnz;
  PyObject *out =
      Py_BuildValue("{s:d,s:d,s:d,s:d,s:n,s:n,s:n,s:i,s:N,s:N,s:N,s:N,s:N,s:N}", "squared_cost",
                    r.squared_cost, "lower_bound", r.lower_bound, "gap", r.gap, "relative_gap",
                    r.relative_gap, "iterations", (Py_ssize_t)r.iterations, "ot_calls",
                    (Py_ssize_t)r.ot_calls, "columns", (Py_ssize_t)r.columns, "status", (int)st,
                    "message", message, "sigma", copy_matrix(r.sigma, d, d), "dual",
                    copy_matrix(r.dual, d, d), "rows", copy_index(r.plan_rows, nnz), "cols",
                    copy_index(r.plan_cols, nnz), "mass", copy_vector(r.plan_mass, nnz));
  specot_spectral_ws_free(ws);
  return out;
}

/* gaussian(m0, A, m1, B, kind, p, k, tol, max_iter) -> dict */
static PyObject *py_gaussian(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *o0, *oA, *o1, *oB;
  int kind;
  double p, tol;
  Py_ssize_t k, max_iter;
  if (!PyArg_ParseTuple(args, "OOOOidndn", &o0, &oA, &o1, &oB, &kind, &p, &k, &tol, &max_iter))
    return NULL;
  PyArrayObject *m0 = sp_array(o0, "gaussian", "m0", 1, 1), *A = NULL, *m1 = NULL, *B = NULL;
  if (!m0 || !(A = sp_array(oA, "gaussian", "A", 2, 2)) ||
      !(m1 = sp_array(o1, "gaussian", "m1", 1, 1)) || !(B = sp_array(oB, "gaussian", "B", 2, 2)))
    return sp_release(m0, A, m1, B, 0, 0, 0, 0), NULL;
  const npy_intp d = sp_dim(m0, 0);
  if (sp_dim(m1, 0) != d || sp_dim(A, 0) != d || sp_dim(A, 1) != d || sp_dim(B, 0) != d ||
      sp_dim(B, 1) != d) {
    sp_release(m0, A, m1, B, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError,
                        "gaussian: need means of length d = %zd and d x d covariances",
                        (Py_ssize_t)d);
  }
  if (max_iter < 1) {
    sp_release(m0, A, m1, B, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "gaussian: max_iter = %zd must be >= 1", max_iter);
  }
  PyArrayObject *K = sp_new(2, d, d), *S = sp_new(2, d, d), *Q = sp_new(2, d, d);
  sp_call call;
  if (!K || !S || !Q || sp_begin(&call, 1)) return sp_release(m0, A, m1, B, K, S, Q, 0), NULL;
  const specot_gauge gauge = read_gauge(kind, p, k);
  specot_spectral_opts o;
  specot_spectral_opts_init(&o);
  o.tol = tol;
  o.max_iter = (size_t)max_iter;
  specot_spectral_gaussian_result r;
  memset(&r, 0, sizeof r);
  specot_status st;
  SP_NOGIL(st = specot_spectral_gaussian(call.ctx, &gauge, (size_t)d, sp_data(m0), sp_data(A),
                                         sp_data(m1), sp_data(B), &o, &r, sp_data(K), sp_data(S),
                                         sp_data(Q)));
  sp_release(m0, A, m1, B, 0, 0, 0, 0);
  if (sp_end(&call, st)) return sp_release(K, S, Q, 0, 0, 0, 0, 0), NULL;
  return Py_BuildValue("{s:d,s:d,s:d,s:d,s:n,s:O,s:i,s:N,s:N,s:N}", "squared_cost", r.squared_cost,
                       "lower_bound", r.lower_bound, "gap", r.gap, "relative_gap", r.relative_gap,
                       "iterations", (Py_ssize_t)r.iterations, "closed_form",
                       r.closed_form ? Py_True : Py_False, "status", (int)st, "cross", K, "sigma",
                       S, "dual", Q);
}

/* geodesic(X, Y, rows, cols, mass, t) -> (Z, w) */
static PyObject *py_geodesic(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x_obj, *y_obj, *r_obj, *c_obj, *m_obj;
  double t;
  if (!PyArg_ParseTuple(args, "OOOOOd", &x_obj, &y_obj, &r_obj, &c_obj, &m_obj, &t)) return NULL;
  PyArrayObject *X = sp_array(x_obj, "geodesic", "X", 1, 2), *Y = NULL, *mass = NULL;
  PyArrayObject *rows = NULL, *cols = NULL;
  if (!X || !(Y = sp_array(y_obj, "geodesic", "Y", 1, 2)) ||
      !(mass = sp_array(m_obj, "geodesic", "mass", 1, 1)))
    return sp_release(X, Y, 0, 0, 0, 0, 0, 0), NULL;
  rows = (PyArrayObject *)PyArray_FROM_OTF(r_obj, NPY_INT64, NPY_ARRAY_IN_ARRAY);
  cols = rows ? (PyArrayObject *)PyArray_FROM_OTF(c_obj, NPY_INT64, NPY_ARRAY_IN_ARRAY) : NULL;
  const npy_intp nnz = sp_dim(mass, 0), d = sp_cols(X);
  if (!rows || !cols || PyArray_SIZE(rows) != nnz || PyArray_SIZE(cols) != nnz || sp_cols(Y) != d) {
    PyErr_Clear();
    sp_release(X, Y, mass, rows, cols, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError,
                        "geodesic: need integer rows, cols and masses of one length and X, Y "
                        "with the same number of columns");
  }
  PyArrayObject *Z = sp_new(2, nnz, d), *w = sp_new(1, nnz, 0);
  sp_call call;
  if (!Z || !w || sp_begin(&call, 0)) return sp_release(X, Y, mass, rows, cols, Z, w, 0), NULL;
  specot_status st;
  SP_NOGIL(st = specot_spectral_geodesic(
               call.ctx, sp_data(X), (size_t)sp_rows(X), sp_data(Y), (size_t)sp_rows(Y), (size_t)d,
               (const size_t *)PyArray_DATA(rows), (const size_t *)PyArray_DATA(cols),
               sp_data(mass), (size_t)nnz, t, sp_data(Z), sp_data(w)));
  sp_release(X, Y, mass, rows, cols, 0, 0, 0);
  if (sp_end(&call, st)) return sp_release(Z, w, 0, 0, 0, 0, 0, 0), NULL;
  return Py_BuildValue("NN", Z, w);
}

PyMethodDef specot_py_spectral_methods[] = {
    {"transport", py_transport, METH_VARARGS,
     "transport(X, a, Y, b, kind, p, k, tol, max_iter, oracle, entropic_eps) -> dict"},
    {"gaussian", py_gaussian, METH_VARARGS,
     "gaussian(m0, A, m1, B, kind, p, k, tol, max_iter) -> dict"},
    {"geodesic", py_geodesic, METH_VARARGS, "geodesic(X, Y, rows, cols, mass, t) -> (Z, w)"},
    {NULL, NULL, 0, NULL}};
