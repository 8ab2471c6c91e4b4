/* Bindings of specot/shk.h (the SHK birth-death Langevin sampler and its
 * built-in potentials) and specot/dpcert.h (mean-field DP certificates).
 * A potential is a capsule owning a specot_shk_potential; the sampler runs
 * on a copy of the start particles with the GIL released; Ctrl-C stops it at
 * the next step (the cancel flag is polled every step). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "specot/dpcert.h"
#include "specot/shk.h"

static const char *const capsule_name = "specot.shk_potential";

static void potential_destroy(PyObject *cap) {
  specot_shk_potential *pot = PyCapsule_GetPointer(cap, capsule_name);
  if (!pot) return;
  specot_shk_potential_free(pot);
  free(pot);
}

/* Wraps a built potential (allocated by the caller) in a capsule; frees it on failure. */
static PyObject *wrap(specot_shk_potential *pot) {
  PyObject *cap = PyCapsule_New(pot, capsule_name, potential_destroy);
  if (!cap) {
    specot_shk_potential_free(pot);
    free(pot);
  }
  return cap;
}

static specot_shk_potential *new_potential(void) {
  specot_shk_potential *pot = calloc(1, sizeof *pot);
  if (!pot) PyErr_NoMemory();
  return pot;
}

/* shk_potential_mixture(weights (K), means (K x d), covs (K x d x d) or None) -> capsule */
static PyObject *py_potential_mixture(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *w_obj, *m_obj, *c_obj;
  if (!PyArg_ParseTuple(args, "OOO", &w_obj, &m_obj, &c_obj)) return NULL;
  PyArrayObject *W = sp_array(w_obj, "shk", "weights", 1, 1), *M = NULL, *C = NULL;
  if (!W || !(M = sp_array(m_obj, "shk", "means", 2, 2)))
    return sp_release(W, 0, 0, 0, 0, 0, 0, 0), NULL;
  const npy_intp K = sp_dim(W, 0), d = sp_dim(M, 1);
  if (c_obj != Py_None && !(C = sp_array(c_obj, "shk", "covs", 3, 3)))
    return sp_release(W, M, 0, 0, 0, 0, 0, 0), NULL;
  if (sp_dim(M, 0) != K || (C && (sp_dim(C, 0) != K || sp_dim(C, 1) != d || sp_dim(C, 2) != d))) {
    sp_release(W, M, C, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError,
                        "shk: mixture of %zd components needs means (%zd, d) and covs (%zd, d, d)",
                        (Py_ssize_t)K, (Py_ssize_t)K, (Py_ssize_t)K);
  }
  specot_shk_potential *pot = new_potential();
  sp_call call;
  if (!pot || sp_begin(&call, 0)) return free(pot), sp_release(W, M, C, 0, 0, 0, 0, 0), NULL;
  const specot_status st = specot_shk_potential_mixture(call.ctx, (size_t)K, (size_t)d, sp_data(W),
                                                        sp_data(M), sp_data(C), pot);
  sp_release(W, M, C, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return free(pot), NULL;
  return wrap(pot);
}

/* shk_potential_double_well(d, barrier) -> capsule */
static PyObject *py_potential_double_well(PyObject *self, PyObject *args) {
  (void)self;
  Py_ssize_t d;
  double barrier;
  if (!PyArg_ParseTuple(args, "nd", &d, &barrier)) return NULL;
  if (d < 1) return PyErr_Format(PyExc_ValueError, "shk: dim = %zd must be >= 1", d);
  specot_shk_potential *pot = new_potential();
  sp_call call;
  if (!pot || sp_begin(&call, 0)) return free(pot), NULL;
  const specot_status st = specot_shk_potential_double_well(call.ctx, (size_t)d, barrier, pot);
  if (sp_end(&call, st)) return free(pot), NULL;
  return wrap(pot);
}

/* shk_potential_expmech(loss, eps0, du, lo, hi, q, wall, data, d) -> (capsule, du, U);
 * du/wall NaN = defaults. */
static PyObject *py_potential_expmech(PyObject *self, PyObject *args) {
  (void)self;
  int loss;
  double eps0, du, lo, hi, q, wall;
  PyObject *data_obj;
  Py_ssize_t d;
  if (!PyArg_ParseTuple(args, "iddddddOn", &loss, &eps0, &du, &lo, &hi, &q, &wall, &data_obj, &d))
    return NULL;
  PyArrayObject *D = sp_array(data_obj, "shk", "data", 1, 2);
  if (!D) return NULL;
  specot_shk_expmech em;
  specot_shk_expmech_init(&em);
  em.loss = (specot_shk_loss)loss;
  em.eps0 = eps0, em.du = du, em.lo = lo, em.hi = hi, em.q = q, em.wall = wall;
  em.data = sp_data(D);
  em.d = d < 1 ? 1 : (size_t)d;
  if (em.loss == SPECOT_SHK_LOSS_LINREG) {
    if (PyArray_NDIM(D) != 2 || sp_cols(D) != (npy_intp)em.d + 1) {
      Py_DECREF(D);
      return PyErr_Format(PyExc_ValueError,
                          "shk: linreg data must be (n, d + 1) = features then response");
    }
    em.n = (size_t)sp_rows(D);
  } else if (em.loss == SPECOT_SHK_LOSS_TABLE) {
    if (PyArray_NDIM(D) != 2 || sp_rows(D) != 2) {
      Py_DECREF(D);
      return PyErr_Format(PyExc_ValueError, "shk: table data must be (2, n): grid then losses");
    }
    em.n = (size_t)sp_cols(D);
  } else {
    em.n = (size_t)PyArray_SIZE(D);
  }
  specot_shk_potential *pot = new_potential();
  sp_call call;
  if (!pot || sp_begin(&call, 0)) return free(pot), Py_DECREF(D), NULL;
  double du_used = NAN, U = NAN;
  const specot_status st = specot_shk_potential_expmech(call.ctx, &em, pot, &du_used, &U);
  Py_DECREF(D);
  if (sp_end(&call, st)) return free(pot), NULL;
  PyObject *cap = wrap(pot);
  return cap ? Py_BuildValue("Ndd", cap, du_used, U) : NULL;
}

/* shk_run(pot, X0, steps, dt, lambda, stride, bandwidth, self_term, langevin, kde, kde_m,
 *         max_events_warn, seed) -> (X, stats dict) */
static PyObject *py_shk_run(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *cap, *x_obj;
  Py_ssize_t steps, stride, kde_m;
  double dt, lambda, bandwidth, max_events;
  int self_term, langevin, kde;
  unsigned long long seed;
  if (!PyArg_ParseTuple(args, "OOnddndiiindK", &cap, &x_obj, &steps, &dt, &lambda, &stride,
                        &bandwidth, &self_term, &langevin, &kde, &kde_m, &max_events, &seed))
    return NULL;
  const specot_shk_potential *pot = PyCapsule_GetPointer(cap, capsule_name);
  if (!pot) return NULL;
  if (steps < 0 || stride < 1 || kde_m < 1)
    return PyErr_Format(PyExc_ValueError, "shk: steps must be >= 0, stride and kde_m >= 1");
  PyArrayObject *X0 = sp_array(x_obj, "shk", "x0", 2, 2);
  if (!X0) return NULL;
  PyArrayObject *X = (PyArrayObject *)PyArray_NewCopy(X0, NPY_CORDER);
  Py_DECREF(X0);
  if (!X) return NULL;
  const npy_intp N = sp_rows(X), d = sp_cols(X);
  if (pot->d && (npy_intp)pot->d != d) {
    Py_DECREF(X);
    return PyErr_Format(PyExc_ValueError,
                        "shk: x0 has %zd columns, the potential's dimension is %zu", (Py_ssize_t)d,
                        pot->d);
  }
  specot_shk_opts o;
  specot_shk_opts_init(&o);
  o.dt = dt, o.lambda = lambda, o.stride = (size_t)stride, o.bandwidth = bandwidth;
  o.kde_self_term = self_term, o.langevin = langevin, o.max_events_warn = max_events;
  o.kde = (specot_shk_kde)kde, o.kde_subsample = (size_t)kde_m;
  sp_call call;
  if (sp_begin(&call, 1)) return Py_DECREF(X), NULL; /* Ctrl-C: polled every step */
  specot_shk_stats s;
  memset(&s, 0, sizeof s);
  specot_shk_ws *ws = NULL;
  specot_rng rng;
  specot_rng_seed(&rng, (uint64_t)seed);
  specot_status st;
  SP_NOGIL({
    st = specot_shk_ws_alloc(call.ctx, (size_t)N, (size_t)d, &ws);
    if (st == SPECOT_OK)
      st = specot_shk_run(call.ctx, ws, &o, pot, &rng, (size_t)steps, sp_data(X), &s);
    specot_shk_ws_free(ws);
  });
  if (sp_end(&call, st)) return Py_DECREF(X), NULL;
  return Py_BuildValue("N{s:n,s:n,s:n,s:n,s:n,s:d,s:d,s:d}", X, "steps", (Py_ssize_t)s.steps,
                       "sweeps", (Py_ssize_t)s.sweeps, "kills", (Py_ssize_t)s.kills, "duplications",
                       (Py_ssize_t)s.duplications, "skipped", (Py_ssize_t)s.skipped,
                       "expected_events", s.expected_events, "max_rate_tau", s.max_rate_tau,
                       "bandwidth", s.bandwidth);
}

/* shk_start(seed, N, d, mean, std, lo, hi, uniform) -> N x d start particles drawn as
 * `specot shk --seed` draws them: a stream seeded with seed ^ 0x5DEECE66D, normal
 * N(mean, std^2) entries, or uniform on [lo, hi] (expmech). */
static PyObject *py_shk_start(PyObject *self, PyObject *args) {
  (void)self;
  unsigned long long seed;
  Py_ssize_t N, d;
  double mean, sd, lo, hi;
  int uniform;
  if (!PyArg_ParseTuple(args, "Knnddddp", &seed, &N, &d, &mean, &sd, &lo, &hi, &uniform))
    return NULL;
  if (N < 2 || d < 1 || !(sd >= 0) || !isfinite(mean) || (uniform && !(lo < hi)))
    return PyErr_Format(PyExc_ValueError,
                        "shk: need particles >= 2, dim >= 1, init_std >= 0, finite init_mean");
  PyArrayObject *X = sp_new(2, N, d);
  if (!X) return NULL;
  specot_rng rng;
  specot_rng_seed(&rng, (uint64_t)seed ^ 0x5DEECE66DULL);
  if (uniform)
    specot_rng_fill_uniform(&rng, sp_data(X), (size_t)(N * d), lo, hi);
  else
    specot_rng_fill_normal(&rng, sp_data(X), (size_t)(N * d), mean, sd);
  return (PyObject *)X;
}

/* shk_gauss_ode(m, s2, mean0, var0, lambda, h, langevin, t) -> (mean, var) */
static PyObject *py_shk_gauss_ode(PyObject *self, PyObject *args) {
  (void)self;
  specot_shk_gauss1d g;
  double t;
  if (!PyArg_ParseTuple(args, "ddddddid", &g.m, &g.s2, &g.mean0, &g.var0, &g.lambda, &g.h,
                        &g.langevin, &t))
    return NULL;
  sp_call call;
  if (sp_begin(&call, 0)) return NULL;
  double mean = NAN, var = NAN;
  const specot_status st = specot_shk_gauss_ode(call.ctx, &g, t, &mean, &var);
  if (sp_end(&call, st)) return NULL;
  return Py_BuildValue("dd", mean, var);
}

/* dpcert(du, eps0, lambda, t, K, U, M, monotone, reaction_only, kl_user, d, n_out) -> dict
 * of specot_dpcert's fields (NaN = not given). */
static PyObject *py_dpcert(PyObject *self, PyObject *args) {
  (void)self;
  specot_dpcert_opts o;
  specot_dpcert_opts_init(&o);
  Py_ssize_t d, n_out;
  if (!PyArg_ParseTuple(args, "dddddddppdnn", &o.du, &o.eps0, &o.lambda, &o.t, &o.K, &o.U, &o.M,
                        &o.monotone, &o.reaction_only, &o.kl_user, &d, &n_out))
    return NULL;
  if (d < 0 || n_out < 0) return PyErr_Format(PyExc_ValueError, "dpcert: d and n_out must be >= 0");
  o.d = (size_t)d, o.n_out = (size_t)n_out;
  sp_call call;
  if (sp_begin(&call, 0)) return NULL;
  specot_dpcert c;
  const specot_status st = specot_dpcert_shk(call.ctx, &o, &c);
  if (sp_end(&call, st)) return NULL;
  return Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d}", "omega", c.omega, "M", c.M,
                       "eta_A", c.eta_A, "eta_B", c.eta_B, "eta", c.eta, "eps_pure", c.eps_pure,
                       "kl", c.kl, "tv", c.tv, "sampling_error", c.sampling_error, "intrinsic",
                       c.intrinsic);
}

/* The scalar conversions of dpcert.h: dpcert_fn(which, x, y). */
static PyObject *py_dpcert_fn(PyObject *self, PyObject *args) {
  (void)self;
  int which;
  double x, y;
  if (!PyArg_ParseTuple(args, "idd", &which, &x, &y)) return NULL;
  switch (which) {
    case 0:
      return PyFloat_FromDouble(specot_dpcert_renyi(x, y));
    case 1:
      return PyFloat_FromDouble(specot_dpcert_delta_br(x, y));
    case 2:
      return PyFloat_FromDouble(specot_dpcert_eps_br(x, y));
    case 3:
      return PyFloat_FromDouble(specot_dpcert_delta_rr(x, y));
    case 4:
      return PyFloat_FromDouble(specot_dpcert_delta_pinsker(x));
    case 5:
      return PyFloat_FromDouble(specot_dpcert_delta_cks(x, y));
    default:
      return PyErr_Format(PyExc_ValueError, "dpcert: unknown conversion %d", which);
  }
}

static PyObject *py_dpcert_scope(PyObject *self, PyObject *args) {
  (void)self;
  (void)args;
  return PyUnicode_FromString(SPECOT_DPCERT_SCOPE);
}

PyMethodDef specot_py_shk_methods[] = {
    {"shk_potential_mixture", py_potential_mixture, METH_VARARGS,
     "shk_potential_mixture(weights, means, covs) -> potential"},
    {"shk_potential_double_well", py_potential_double_well, METH_VARARGS,
     "shk_potential_double_well(d, barrier) -> potential"},
    {"shk_potential_expmech", py_potential_expmech, METH_VARARGS,
     "shk_potential_expmech(loss, eps0, du, lo, hi, q, wall, data, d) -> (potential, du, U)"},
    {"shk_run", py_shk_run, METH_VARARGS, "shk_run(potential, x0, steps, ...) -> (X, stats)"},
    {"shk_start", py_shk_start, METH_VARARGS,
     "shk_start(seed, N, d, mean, std, lo, hi, uniform) -> X0"},
    {"shk_gauss_ode", py_shk_gauss_ode, METH_VARARGS,
     "shk_gauss_ode(m, s2, mean0, var0, lambda, h, langevin, t) -> (mean, var)"},
    {"dpcert", py_dpcert, METH_VARARGS, "dpcert(du, eps0, lambda, t, K, U, M, ...) -> dict"},
    {"dpcert_fn", py_dpcert_fn, METH_VARARGS, "dpcert_fn(which, x, y) -> float"},
    {"dpcert_scope", py_dpcert_scope, METH_NOARGS, "dpcert_scope() -> str"},
    {NULL, NULL, 0, NULL}};
