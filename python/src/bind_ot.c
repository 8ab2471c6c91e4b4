/* Bindings of specot/ot.h: squared distances, exact OT (network simplex, 1-D),
 * Sinkhorn and the debiased Sinkhorn divergence. */
#include <math.h>

#include "binding.h"
#include "specot/ot.h"

/* Points argument: 1-D (n points on the line) or 2-D (n x d). */
static PyArrayObject *points(PyObject *obj, const char *who, const char *name) {
  return sp_array(obj, who, name, 1, 2);
}

/* dist_sq(X, Y) -> C with C_ij = |x_i - y_j|^2 */
static PyObject *py_dist_sq(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x_obj, *y_obj;
  if (!PyArg_ParseTuple(args, "OO", &x_obj, &y_obj)) return NULL;
  PyArrayObject *X = points(x_obj, "dist", "x1"), *Y = X ? points(y_obj, "dist", "x2") : NULL;
  if (!Y) return sp_release(X, 0, 0, 0, 0, 0, 0, 0), NULL;
  if (sp_cols(X) != sp_cols(Y)) {
    sp_release(X, Y, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "dist: x1 has %zd columns, x2 has %zd",
                        (Py_ssize_t)sp_cols(X), (Py_ssize_t)sp_cols(Y));
  }
  PyArrayObject *C = sp_new(2, sp_rows(X), sp_rows(Y));
  sp_call call;
  if (!C || sp_begin(&call, 0)) return sp_release(X, Y, C, 0, 0, 0, 0, 0), NULL;
  specot_status st;
  SP_NOGIL(st = specot_ot_cost_sqeuclidean(call.ctx, (size_t)sp_rows(X), (size_t)sp_rows(Y),
                                           (size_t)sp_cols(X), sp_data(X), sp_data(Y), NULL, 0,
                                           sp_data(C)));
  sp_release(X, Y, 0, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return Py_DECREF(C), NULL;
  return (PyObject *)C;
}

/* POT's rule for histograms whose totals agree to 7 decimals (float32
 * weights): b is rescaled to the total of a (a new array replaces *b); larger
 * differences are left to the library, which reports both totals. */
static int pot_rescale(PyArrayObject *a, PyArrayObject **b) {
  if (!a || !*b) return 0;
  double sa = 0.0, sb = 0.0;
  for (npy_intp i = 0; i < PyArray_SIZE(a); ++i) sa += sp_data(a)[i];
  for (npy_intp j = 0; j < PyArray_SIZE(*b); ++j) sb += sp_data(*b)[j];
  if (sa == sb || !(fabs(sa - sb) < 1.5e-7) || !(sb > 0.0)) return 0;
  PyArrayObject *scaled = sp_new(1, PyArray_SIZE(*b), 0);
  if (!scaled) return -1;
  for (npy_intp j = 0; j < PyArray_SIZE(*b); ++j) sp_data(scaled)[j] = sp_data(*b)[j] * (sa / sb);
  Py_DECREF(*b);
  *b = scaled;
  return 0;
}

/* Reads the cost matrix M (n x m) and the weights a (n), b (m); 0 or -1. */
static int read_problem(const char *who, PyObject *a_obj, PyObject *b_obj, PyObject *m_obj,
                        PyArrayObject **a, PyArrayObject **b, PyArrayObject **M) {
  *a = *b = NULL;
  if (!(*M = sp_array(m_obj, who, "M", 2, 2))) return -1;
  if (sp_weights(a_obj, who, "a", sp_dim(*M, 0), a) ||
      sp_weights(b_obj, who, "b", sp_dim(*M, 1), b) || pot_rescale(*a, b)) {
    sp_release(*a, *b, *M, 0, 0, 0, 0, 0);
    return -1;
  }
  return 0;
}

/* emd(a, b, M, max_iter, dense, warn) -> (plan, cost, f, g, info): plan dense
 * (n x m) or the sparse triplet (rows, cols, mass); info["message"] holds a
 * warning's text (warn = 0: no UserWarning is issued). */
static PyObject *py_emd(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *a_obj, *b_obj, *m_obj;
  Py_ssize_t max_iter;
  int dense, warn;
  if (!PyArg_ParseTuple(args, "OOOnpp", &a_obj, &b_obj, &m_obj, &max_iter, &dense, &warn))
    return NULL;
  PyArrayObject *a, *b, *M;
  if (read_problem("emd", a_obj, b_obj, m_obj, &a, &b, &M)) return NULL;
  const npy_intp n = sp_dim(M, 0), m = sp_dim(M, 1);
  specot_ot_emd_opts o;
  specot_ot_emd_opts_init(&o);
  o.max_iter = max_iter > 0 ? (size_t)max_iter : 0;
  PyArrayObject *f = sp_new(1, n, 0), *g = sp_new(1, m, 0);
  PyArrayObject *P = dense ? sp_new(2, n, m) : NULL;
  PyArrayObject *rows = dense ? NULL : sp_new_index(n + m - 1);
  PyArrayObject *cols = dense ? NULL : sp_new_index(n + m - 1);
  PyArrayObject *mass = dense ? NULL : sp_new(1, n + m - 1, 0);
  sp_call call;
  if (!f || !g || (dense ? !P : (!rows || !cols || !mass)) || sp_begin(&call, 1)) {
    sp_release(a, b, M, f, g, P, rows, cols);
    Py_XDECREF(mass);
    return NULL;
  }
  specot_ot_emd_ws *ws = NULL;
  specot_ot_emd_result r = {0};
  specot_status st;
  size_t nnz = 0;
  SP_NOGIL({
    st = specot_ot_emd_ws_alloc(call.ctx, (size_t)n, (size_t)m, 0, &o, &ws);
    if (st == SPECOT_OK)
      st = specot_ot_emd_solve(call.ctx, ws, sp_data(a), sp_data(b), sp_data(M), &o, &r);
    if (st >= 0) {
      if (dense)
        specot_ot_emd_plan_dense(ws, sp_data(P));
      else
        nnz = specot_ot_emd_plan(ws, (size_t *)PyArray_DATA(rows), (size_t *)PyArray_DATA(cols),
                                 sp_data(mass));
      specot_ot_emd_potentials(ws, sp_data(f), sp_data(g));
    }
    specot_ot_emd_ws_free(ws);
  });
  sp_release(a, b, M, 0, 0, 0, 0, 0);
  call.quiet = !warn;
  PyObject *message = st > 0 ? sp_message(&call) : Py_NewRef(Py_None);
  if (!message || sp_end(&call, st)) {
    Py_XDECREF(message);
    sp_release(f, g, P, rows, cols, mass, 0, 0);
    return NULL;
  }
  PyObject *plan;
  if (dense) {
    plan = (PyObject *)P;
  } else {
    PyArray_Dims shape = {(npy_intp[]){(npy_intp)nnz}, 1};
    PyObject *r1 = PyArray_Resize(rows, &shape, 0, NPY_CORDER);
    PyObject *r2 = PyArray_Resize(cols, &shape, 0, NPY_CORDER);
    PyObject *r3 = PyArray_Resize(mass, &shape, 0, NPY_CORDER);
    Py_XDECREF(r1);
    Py_XDECREF(r2);
    Py_XDECREF(r3);
    if (!r1 || !r2 || !r3) {
      sp_release(f, g, rows, cols, mass, 0, 0, 0);
      return NULL;
    }
    plan = Py_BuildValue("NNN", rows, cols, mass);
  }
  return Py_BuildValue("NdNN{s:d,s:d,s:d,s:d,s:n,s:n,s:i,s:N}", plan, r.cost, f, g,
                       "dual_objective", r.dual_objective, "lower_bound", r.lower_bound,
                       "min_reduced_cost", r.min_reduced_cost, "marginal_error", r.marginal_error,
                       "nnz", (Py_ssize_t)r.nnz, "iterations", (Py_ssize_t)r.iterations, "status",
                       (int)st, "message", message);
}

/* emd_1d(x, a, y, b) -> ((rows, cols, mass), cost, f, g) for the squared cost */
static PyObject *py_emd_1d(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x_obj, *a_obj, *y_obj, *b_obj;
  if (!PyArg_ParseTuple(args, "OOOO", &x_obj, &a_obj, &y_obj, &b_obj)) return NULL;
  PyArrayObject *x = sp_array(x_obj, "emd_1d", "x_a", 1, 2), *y = NULL, *a = NULL, *b = NULL;
  if (!x) return NULL;
  if (!(y = sp_array(y_obj, "emd_1d", "x_b", 1, 2))) return Py_DECREF(x), NULL;
  if (sp_cols(x) != 1 || sp_cols(y) != 1) {
    sp_release(x, y, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "emd_1d: x_a and x_b must be 1-D (or one column)");
  }
  const npy_intp n = sp_rows(x), m = sp_rows(y);
  if (sp_weights(a_obj, "emd_1d", "a", n, &a) || sp_weights(b_obj, "emd_1d", "b", m, &b))
    return sp_release(x, y, a, b, 0, 0, 0, 0), NULL;
  PyArrayObject *rows = sp_new_index(n + m - 1), *cols = sp_new_index(n + m - 1);
  PyArrayObject *mass = sp_new(1, n + m - 1, 0), *f = sp_new(1, n, 0), *g = sp_new(1, m, 0);
  sp_call call;
  if (!rows || !cols || !mass || !f || !g || sp_begin(&call, 0)) {
    sp_release(x, y, a, b, rows, cols, mass, f);
    Py_XDECREF(g);
    return NULL;
  }
  specot_ot_emd_result r = {0};
  specot_status st;
  SP_NOGIL(st = specot_ot_emd_1d(call.ctx, (size_t)n, (size_t)m, sp_data(x), sp_data(a), sp_data(y),
                                 sp_data(b), NULL, &r, (size_t *)PyArray_DATA(rows),
                                 (size_t *)PyArray_DATA(cols), sp_data(mass), sp_data(f),
                                 sp_data(g)));
  sp_release(x, y, a, b, 0, 0, 0, 0);
  if (sp_end(&call, st)) {
    sp_release(rows, cols, mass, f, g, 0, 0, 0);
    return NULL;
  }
  PyArray_Dims shape = {(npy_intp[]){(npy_intp)r.nnz}, 1};
  PyObject *r1 = PyArray_Resize(rows, &shape, 0, NPY_CORDER);
  PyObject *r2 = PyArray_Resize(cols, &shape, 0, NPY_CORDER);
  PyObject *r3 = PyArray_Resize(mass, &shape, 0, NPY_CORDER);
  Py_XDECREF(r1);
  Py_XDECREF(r2);
  Py_XDECREF(r3);
  if (!r1 || !r2 || !r3) return sp_release(rows, cols, mass, f, g, 0, 0, 0), NULL;
  return Py_BuildValue("(NNN)dNN", rows, cols, mass, r.cost, f, g);
}

static PyObject *sinkhorn_info(const specot_ot_sinkhorn_result *r, specot_status st,
                               PyObject *message) {
  return Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:n,s:i,s:N}", "cost", r->cost, "regularized_cost",
                       r->regularized_cost, "dual_objective", r->dual_objective, "lower_bound",
                       r->lower_bound, "marginal_error", r->marginal_error, "iterations",
                       (Py_ssize_t)r->iterations, "status", (int)st, "message", message);
}

/* sinkhorn(a, b, M, reg, tol, max_iter, want_plan, warn) -> (plan or None, f, g, info) */
static PyObject *py_sinkhorn(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *a_obj, *b_obj, *m_obj;
  double reg, tol;
  Py_ssize_t max_iter;
  int want_plan, warn;
  if (!PyArg_ParseTuple(args, "OOOddnpp", &a_obj, &b_obj, &m_obj, &reg, &tol, &max_iter, &want_plan,
                        &warn))
    return NULL;
  if (max_iter < 1)
    return PyErr_Format(PyExc_ValueError, "sinkhorn: numItermax = %zd must be >= 1", max_iter);
  PyArrayObject *a, *b, *M;
  if (read_problem("sinkhorn", a_obj, b_obj, m_obj, &a, &b, &M)) return NULL;
  const npy_intp n = sp_dim(M, 0), m = sp_dim(M, 1);
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = tol;
  o.max_iter = (size_t)max_iter;
  PyArrayObject *f = sp_new(1, n, 0), *g = sp_new(1, m, 0), *P = want_plan ? sp_new(2, n, m) : NULL;
  sp_call call;
  if (!f || !g || (want_plan && !P) || sp_begin(&call, 1))
    return sp_release(a, b, M, f, g, P, 0, 0), NULL;
  specot_ot_sinkhorn_result r = {0};
  specot_status st;
  SP_NOGIL(st = specot_ot_sinkhorn(call.ctx, (size_t)n, (size_t)m, sp_data(a), sp_data(b),
                                   sp_data(M), reg, &o, sp_data(f), sp_data(g), sp_data(P), &r));
  sp_release(a, b, M, 0, 0, 0, 0, 0);
  call.quiet = !warn;
  PyObject *message = st > 0 ? sp_message(&call) : Py_NewRef(Py_None);
  if (!message || sp_end(&call, st)) {
    Py_XDECREF(message);
    return sp_release(f, g, P, 0, 0, 0, 0, 0), NULL;
  }
  PyObject *plan = P ? (PyObject *)P : Py_NewRef(Py_None);
  return Py_BuildValue("NNNN", plan, f, g, sinkhorn_info(&r, st, message));
}

/* divergence(X, a, Y, b, eps, scale, tol, max_iter, want_grad)
 *   -> (value, info, grad_x or None, grad_y or None) */
static PyObject *py_divergence(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x_obj, *a_obj, *y_obj, *b_obj;
  double eps, scale, tol;
  Py_ssize_t max_iter;
  int want_grad;
  if (!PyArg_ParseTuple(args, "OOOOdddnp", &x_obj, &a_obj, &y_obj, &b_obj, &eps, &scale, &tol,
                        &max_iter, &want_grad))
    return NULL;
  if (max_iter < 1)
    return PyErr_Format(PyExc_ValueError, "divergence: max_iter = %zd must be >= 1", max_iter);
  PyArrayObject *X = points(x_obj, "divergence", "X"), *Y = NULL, *a = NULL, *b = NULL;
  if (!X) return NULL;
  if (!(Y = points(y_obj, "divergence", "Y"))) return Py_DECREF(X), NULL;
  if (sp_cols(X) != sp_cols(Y)) {
    sp_release(X, Y, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "divergence: X has %zd columns, Y has %zd",
                        (Py_ssize_t)sp_cols(X), (Py_ssize_t)sp_cols(Y));
  }
  const npy_intp n = sp_rows(X), m = sp_rows(Y), d = sp_cols(X);
  if (sp_weights(a_obj, "divergence", "a", n, &a) || sp_weights(b_obj, "divergence", "b", m, &b))
    return sp_release(X, Y, a, b, 0, 0, 0, 0), NULL;
  PyArrayObject *gx = want_grad ? sp_new(2, n, d) : NULL, *gy = want_grad ? sp_new(2, m, d) : NULL;
  sp_call call;
  if ((want_grad && (!gx || !gy)) || sp_begin(&call, 1))
    return sp_release(X, Y, a, b, gx, gy, 0, 0), NULL;
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = tol;
  o.max_iter = (size_t)max_iter;
  specot_ot_divergence_result r = {0};
  specot_status st;
  SP_NOGIL(st = specot_ot_divergence(call.ctx, (size_t)n, (size_t)m, (size_t)d, sp_data(X),
                                     sp_data(a), sp_data(Y), sp_data(b), scale, eps, &o,
                                     sp_data(gx), sp_data(gy), NULL, NULL, &r));
  sp_release(X, Y, a, b, 0, 0, 0, 0);
  if (sp_end(&call, st)) return sp_release(gx, gy, 0, 0, 0, 0, 0, 0), NULL;
  PyObject *info = Py_BuildValue("{s:d,s:d,s:d,s:d,s:n,s:i}", "ot_xy", r.ot_xy, "ot_xx", r.ot_xx,
                                 "ot_yy", r.ot_yy, "marginal_error", r.marginal_error, "iterations",
                                 (Py_ssize_t)r.iterations, "status", (int)st);
  return Py_BuildValue("dNNN", r.value, info, gx ? (PyObject *)gx : Py_NewRef(Py_None),
                       gy ? (PyObject *)gy : Py_NewRef(Py_None));
}

PyMethodDef specot_py_ot_methods[] = {
    {"dist_sq", py_dist_sq, METH_VARARGS, "dist_sq(X, Y) -> C (squared Euclidean)"},
    {"emd", py_emd, METH_VARARGS,
     "emd(a, b, M, max_iter, dense, warn) -> (plan, cost, f, g, info)"},
    {"emd_1d", py_emd_1d, METH_VARARGS, "emd_1d(x, a, y, b) -> ((rows, cols, mass), cost, f, g)"},
    {"sinkhorn", py_sinkhorn, METH_VARARGS,
     "sinkhorn(a, b, M, reg, tol, max_iter, want_plan, warn) -> (plan, f, g, info)"},
    {"divergence", py_divergence, METH_VARARGS,
     "divergence(X, a, Y, b, eps, scale, tol, max_iter, want_grad) -> (value, info, gx, gy)"},
    {NULL, NULL, 0, NULL}};
