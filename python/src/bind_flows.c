/* Bindings of specot/flows.h: spectral particle flows with the built-in
 * objectives (trajectory returned as arrays) and the discrete Muon step. */
#include <math.h>
#include <string.h>

#include "binding.h"
#include "specot/flows.h"

/* Builds the objective `model` from data1/data2 (see specot.flow). */
static specot_status make_objective(specot_ctx *ctx, const char *model, PyArrayObject *d1,
                                    PyArrayObject *d2, double model_eps, npy_intp d,
                                    specot_flow_objective *obj) {
  if (!strcmp(model, "attention")) {
    /* z, y: nseq x m x dt sequences and targets; particles are heads of d = 4 dh dt. */
    if (!d1 || !d2 || PyArray_NDIM(d1) != 3 || !PyArray_SAMESHAPE(d1, d2))
      return SPECOT_ERR_INVALID;
    const npy_intp tdim = sp_dim(d1, 2);
    if (tdim < 1 || d % (4 * tdim) != 0) return SPECOT_ERR_INVALID;
    return specot_flow_attention_alloc(ctx, sp_data(d1), sp_data(d2), (size_t)sp_dim(d1, 0),
                                       (size_t)sp_dim(d1, 1), (size_t)tdim,
                                       (size_t)(d / (4 * tdim)), obj);
  }
  if ((d1 && PyArray_NDIM(d1) > 2) || (d2 && PyArray_NDIM(d2) > 2)) return SPECOT_ERR_INVALID;
  if (!strcmp(model, "quadratic")) {
    if (!d1 || !d2 || PyArray_NDIM(d1) != 2 || sp_rows(d1) != sp_rows(d2) || sp_cols(d2) != d)
      return SPECOT_ERR_INVALID;
    return specot_flow_quadratic_alloc(ctx, sp_data(d1), sp_data(d2), (size_t)sp_rows(d1),
                                       (size_t)sp_cols(d1), (size_t)d, obj);
  }
  if (!strcmp(model, "mmd")) {
    if (!d1 || sp_cols(d1) != d || (d2 && PyArray_SIZE(d2) != sp_rows(d1)))
      return SPECOT_ERR_INVALID;
    return specot_flow_mmd_alloc(ctx, sp_data(d1), sp_data(d2), (size_t)sp_rows(d1), (size_t)d,
                                 model_eps, obj);
  }
  if (!strcmp(model, "gaussian_kl")) {
    if (!d1 || sp_rows(d1) != d || sp_cols(d1) != d) return SPECOT_ERR_INVALID;
    return specot_flow_gaussian_kl_alloc(ctx, sp_data(d1), (size_t)d, obj);
  }
  if (!strcmp(model, "relu")) {
    if (!d1 || !d2 || sp_cols(d1) + 1 != d || PyArray_SIZE(d2) != sp_rows(d1))
      return SPECOT_ERR_INVALID;
    return specot_flow_relu_alloc(ctx, sp_data(d1), sp_data(d2), (size_t)sp_rows(d1),
                                  (size_t)sp_cols(d1), obj);
  }
  return SPECOT_ERR_INVALID;
}

/* Diagnostics recorded per step: one array per field. */
enum { NFIELDS = 8 };
static const char *const field_names[NFIELDS] = {
    "t", "energy", "dissipation", "ratio", "kinetic", "hamiltonian", "distance", "step_norm"};
static void record(double **cols, size_t k, const specot_flow_diag *g) {
  const double v[NFIELDS] = {g->t,       g->energy,      g->dissipation, g->ratio,
                             g->kinetic, g->hamiltonian, g->distance,    g->step_norm};
  for (int f = 0; f < NFIELDS; ++f) cols[f][k] = v[f];
}

/* Runs `steps` steps, recording diagnostics every step and a snapshot of the
 * particles every `every` steps (and at step 0). */
static specot_status run_flow(specot_ctx *ctx, specot_flow *flow, size_t steps, size_t every,
                              size_t n, size_t d, double **cols, double *snaps, double *last) {
  specot_flow_diag g;
  specot_flow_diag_get(flow, &g);
  record(cols, 0, &g);
  memcpy(snaps, specot_flow_particles(flow), n * d * sizeof(double));
  for (size_t k = 1; k <= steps; ++k) {
    const specot_status st = specot_flow_step(ctx, flow, &g);
    if (st < 0) return st;
    record(cols, k, &g);
    if (k % every == 0)
      memcpy(snaps + (k / every) * n * d, specot_flow_particles(flow), n * d * sizeof(double));
  }
  memcpy(last, specot_flow_particles(flow), n * d * sizeof(double));
  return SPECOT_OK;
}

static int read_blocks(PyObject *obj, specot_flow_opts *o) {
  if (obj == Py_None) return 0;
  PyObject *seq = PySequence_Fast(obj, "flow: blocks must be a sequence of widths");
  if (!seq) return -1;
  const Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  if (k < 1 || k > SPECOT_FLOW_MAX_BLOCKS) {
    Py_DECREF(seq);
    PyErr_Format(PyExc_ValueError, "flow: need 1 to %d blocks, got %zd", SPECOT_FLOW_MAX_BLOCKS, k);
    return -1;
  }
  for (Py_ssize_t i = 0; i < k; ++i) {
    const long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
    if (v < 1) {
      Py_DECREF(seq);
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "flow: block width %zd must be an integer >= 1", i);
      return -1;
    }
    o->blocks[i] = (size_t)v;
  }
  o->nblocks = (size_t)k;
  Py_DECREF(seq);
  return 0;
}

/* flow(x0, w, model, data1, data2, model_eps, method, p, dt, tau, gamma, eps, kinetic, gauge,
 *      blocks, max_step, clamp, steps, every) -> dict */
static PyObject *py_flow(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x_obj, *w_obj, *d1_obj, *d2_obj, *blocks_obj;
  const char *model;
  double model_eps, p, dt, tau, gamma, eps, max_step, clamp;
  int method, kinetic, gauge;
  Py_ssize_t steps, every;
  if (!PyArg_ParseTuple(args, "OOsOOdidddddiiOddnn", &x_obj, &w_obj, &model, &d1_obj, &d2_obj,
                        &model_eps, &method, &p, &dt, &tau, &gamma, &eps, &kinetic, &gauge,
                        &blocks_obj, &max_step, &clamp, &steps, &every))
    return NULL;
  if (steps < 0 || every < 1)
    return PyErr_Format(PyExc_ValueError, "flow: steps must be >= 0 and record_every >= 1");
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.method = (specot_flow_method)method;
  o.p = p;
  o.dt = dt;
  o.tau = tau;
  o.gamma = gamma;
  o.eps = eps;
  o.kinetic = (specot_flow_kinetic)kinetic;
  o.gauge = (specot_flow_gauge)gauge;
  o.max_step = max_step;
  o.clamp = clamp;
  if (read_blocks(blocks_obj, &o)) return NULL;
  PyArrayObject *X = sp_array(x_obj, "flow", "x0", 2, 2), *w = NULL, *d1 = NULL, *d2 = NULL;
  if (!X) return NULL;
  const npy_intp n = sp_rows(X), d = sp_cols(X);
  if (sp_weights(w_obj, "flow", "weights", n, &w)) return Py_DECREF(X), NULL;
  if ((d1_obj != Py_None && !(d1 = sp_array(d1_obj, "flow", "data", 1, 3))) ||
      (d2_obj != Py_None && !(d2 = sp_array(d2_obj, "flow", "data", 1, 3))))
    return sp_release(X, w, d1, d2, 0, 0, 0, 0), NULL;
  const npy_intp rows = steps + 1, nsnap = steps / every + 1;
  npy_intp sdims[3] = {nsnap, n, d};
  PyArrayObject *cols[NFIELDS] = {0};
  PyArrayObject *snaps = (PyArrayObject *)PyArray_ZEROS(3, sdims, NPY_DOUBLE, 0);
  PyArrayObject *last = sp_new(2, n, d);
  double *colp[NFIELDS];
  int ok = snaps != NULL && last != NULL;
  for (int f = 0; f < NFIELDS && ok; ++f) {
    ok = (cols[f] = sp_new(1, rows, 0)) != NULL;
    if (ok) colp[f] = sp_data(cols[f]);
  }
  sp_call call;
  if (!ok || sp_begin(&call, 1)) {
    for (int f = 0; f < NFIELDS; ++f) Py_XDECREF(cols[f]);
    return sp_release(X, w, d1, d2, snaps, last, 0, 0), NULL;
  }
  specot_flow_objective obj;
  memset(&obj, 0, sizeof obj);
  specot_flow *flow = NULL;
  specot_flow_counters cnt;
  memset(&cnt, 0, sizeof cnt);
  specot_status st;
  SP_NOGIL({
    st = make_objective(call.ctx, model, d1, d2, model_eps, d, &obj);
    if (st == SPECOT_OK)
      st = specot_flow_alloc(call.ctx, &obj, &o, (size_t)n, (size_t)d, sp_data(X), sp_data(w),
                             &flow);
    if (st == SPECOT_OK)
      st = run_flow(call.ctx, flow, (size_t)steps, (size_t)every, (size_t)n, (size_t)d, colp,
                    (double *)PyArray_DATA(snaps), sp_data(last));
    if (flow) specot_flow_counters_get(flow, &cnt);
    specot_flow_free(flow);
    specot_flow_objective_free(&obj);
  });
  sp_release(X, w, d1, d2, 0, 0, 0, 0);
  const int bad_model = st == SPECOT_ERR_INVALID && !*specot_ctx_errmsg(call.ctx);
  if (sp_end(&call, st)) {
    if (bad_model) {
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError,
                   "flow: model %s: unknown, or data of the wrong shape for d = %zd "
                   "(see help(specot.flow))",
                   model, (Py_ssize_t)d);
    }
    for (int f = 0; f < NFIELDS; ++f) Py_XDECREF(cols[f]);
    return sp_release(snaps, last, 0, 0, 0, 0, 0, 0), NULL;
  }
  PyObject *out =
      Py_BuildValue("{s:N,s:N,s:K,s:K,s:d}", "snapshots", snaps, "particles", last, "rises",
                    (unsigned long long)cnt.rises, "inequality_violations",
                    (unsigned long long)cnt.inequality_violations, "max_rise", cnt.max_rise);
  for (int f = 0; f < NFIELDS && out; ++f) {
    if (PyDict_SetItemString(out, field_names[f], (PyObject *)cols[f]) < 0) Py_CLEAR(out);
  }
  for (int f = 0; f < NFIELDS; ++f) Py_XDECREF(cols[f]);
  return out;
}

/* muon_step(W, G, M, convention, lr, beta, nesterov, weight_decay, ortho, ns_steps, eps)
 *   -> (W_new, M_new, update); negative lr/weight_decay/beta/eps keep the convention's
 *   default. */
static PyObject *py_muon_step(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *w_obj, *g_obj, *m_obj;
  int convention, nesterov, ortho, ns_steps;
  double lr, beta, wd, eps;
  if (!PyArg_ParseTuple(args, "OOOiddidiid", &w_obj, &g_obj, &m_obj, &convention, &lr, &beta,
                        &nesterov, &wd, &ortho, &ns_steps, &eps))
    return NULL;
  PyArrayObject *W = sp_array(w_obj, "muon_step", "W", 2, 2), *G = NULL, *M = NULL;
  if (!W || !(G = sp_array(g_obj, "muon_step", "G", 2, 2)))
    return sp_release(W, 0, 0, 0, 0, 0, 0, 0), NULL;
  const npy_intp r = sp_dim(W, 0), c = sp_dim(W, 1);
  if (m_obj != Py_None && !(M = sp_array(m_obj, "muon_step", "momentum", 2, 2)))
    return sp_release(W, G, 0, 0, 0, 0, 0, 0), NULL;
  if (sp_dim(G, 0) != r || sp_dim(G, 1) != c || (M && (sp_dim(M, 0) != r || sp_dim(M, 1) != c))) {
    sp_release(W, G, M, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError,
                        "muon_step: G and momentum must have W's shape (%zd, %zd)", (Py_ssize_t)r,
                        (Py_ssize_t)c);
  }
  /* Functional step: W and M are copied, the caller's arrays are not changed. */
  PyArrayObject *Wn = (PyArrayObject *)PyArray_NewCopy(W, NPY_CORDER);
  PyArrayObject *Mn = M ? (PyArrayObject *)PyArray_NewCopy(M, NPY_CORDER) : sp_new(2, r, c);
  PyArrayObject *U = sp_new(2, r, c);
  sp_call call;
  if (!Wn || !Mn || !U || sp_begin(&call, 0)) return sp_release(W, G, M, Wn, Mn, U, 0, 0), NULL;
  specot_muon_opts o;
  specot_muon_opts_init(&o, (specot_muon_convention)convention);
  if (lr >= 0) o.lr = lr;
  if (beta >= 0) o.beta = beta;
  if (nesterov >= 0) o.nesterov = nesterov;
  if (wd >= 0) o.weight_decay = wd;
  if (ortho >= 0) o.ortho = (specot_muon_ortho)ortho;
  if (ns_steps > 0) o.ns_steps = ns_steps;
  if (eps >= 0) o.eps = eps;
  specot_muon_ws *ws = NULL;
  specot_status st;
  SP_NOGIL({
    st = specot_muon_ws_alloc(call.ctx, (size_t)r, (size_t)c, &ws);
    if (st == SPECOT_OK)
      st = specot_muon_step(call.ctx, &o, ws, (size_t)r, (size_t)c, sp_data(Wn), sp_data(Mn),
                            sp_data(G), sp_data(U));
    specot_muon_ws_free(ws);
  });
  sp_release(W, G, M, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return sp_release(Wn, Mn, U, 0, 0, 0, 0, 0), NULL;
  return Py_BuildValue("NNN", Wn, Mn, U);
}

/* attention(x, w, z, what) -> predictions (nseq x m x dt) when what = 0, else the mean
 * effective number of attended tokens; heads x are n x 4 dh dt. */
static PyObject *py_attention(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x_obj, *w_obj, *z_obj;
  int what;
  if (!PyArg_ParseTuple(args, "OOOi", &x_obj, &w_obj, &z_obj, &what)) return NULL;
  PyArrayObject *X = sp_array(x_obj, "attention", "heads", 2, 2), *Z = NULL, *w = NULL;
  if (!X || !(Z = sp_array(z_obj, "attention", "z", 3, 3)))
    return sp_release(X, 0, 0, 0, 0, 0, 0, 0), NULL;
  const npy_intp n = sp_rows(X), d = sp_cols(X), nseq = sp_dim(Z, 0), m = sp_dim(Z, 1),
                 tdim = sp_dim(Z, 2);
  if (tdim < 1 || d % (4 * tdim) != 0 || d == 0) {
    sp_release(X, Z, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError,
                        "attention: heads have %zd columns, not a multiple 4 dh dt of "
                        "4 x token dimension %zd",
                        (Py_ssize_t)d, (Py_ssize_t)tdim);
  }
  if (sp_weights(w_obj, "attention", "weights", n, &w))
    return sp_release(X, Z, 0, 0, 0, 0, 0, 0), NULL;
  npy_intp dims[3] = {nseq, m, tdim};
  PyArrayObject *out = what ? NULL : (PyArrayObject *)PyArray_ZEROS(3, dims, NPY_DOUBLE, 0);
  sp_call call;
  if ((!what && !out) || sp_begin(&call, 0)) return sp_release(X, Z, w, out, 0, 0, 0, 0), NULL;
  double mean = NAN;
  const size_t dh = (size_t)(d / (4 * tdim));
  specot_status st;
  SP_NOGIL({
    if (what)
      st = specot_flow_attention_effective_tokens(call.ctx, sp_data(X), (size_t)n, (size_t)tdim, dh,
                                                  sp_data(Z), (size_t)nseq, (size_t)m, &mean);
    else
      st = specot_flow_attention_predict(call.ctx, sp_data(X), sp_data(w), (size_t)n, (size_t)tdim,
                                         dh, sp_data(Z), (size_t)nseq, (size_t)m, sp_data(out));
  });
  sp_release(X, Z, w, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return Py_XDECREF(out), NULL;
  return what ? PyFloat_FromDouble(mean) : (PyObject *)out;
}

PyMethodDef specot_py_flows_methods[] = {
    {"attention", py_attention, METH_VARARGS,
     "attention(heads, weights, z, what) -> predictions or effective tokens"},
    {"flow", py_flow, METH_VARARGS,
     "flow(x0, w, model, data1, data2, ...) -> dict (see specot.flow)"},
    {"muon_step", py_muon_step, METH_VARARGS,
     "muon_step(W, G, M, convention, lr, beta, nesterov, wd, ortho, ns_steps, eps) -> (W, M, O)"},
    {NULL, NULL, 0, NULL}};
