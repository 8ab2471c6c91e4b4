/* Bindings of specot/sdot.h: semi-discrete OT solvers (Adam, averaged SGD,
 * damped Newton), the cell assignment, exact cells (d <= 2) and the hard /
 * soft / masked maps.  Adam and ASGD poll the cancel flag every step (Ctrl-C
 * stops them); Newton does not (a few iterations). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "specot/aeot.h"
#include "specot/sdot.h"

/* The problem's arrays: Y (n x d; 1-D = n points in d = 1) and optional nu. */
typedef struct problem {
  PyArrayObject *Y, *nu;
  specot_sdot_problem p;
} problem;

static int problem_get(problem *pr, const char *who, PyObject *y_obj, PyObject *nu_obj,
                       int source) {
  memset(pr, 0, sizeof *pr);
  if (!(pr->Y = sp_array(y_obj, who, "Y", 1, 2))) return -1;
  const npy_intp n = sp_rows(pr->Y);
  if (sp_weights(nu_obj, who, "nu", n, &pr->nu)) {
    Py_CLEAR(pr->Y);
    return -1;
  }
  pr->p = (specot_sdot_problem){(size_t)n, (size_t)sp_cols(pr->Y), sp_data(pr->Y), sp_data(pr->nu),
                                (specot_sdot_source)source};
  return 0;
}

static void problem_release(problem *pr) {
  Py_CLEAR(pr->Y);
  Py_CLEAR(pr->nu);
}

/* Heights h (length n) or NULL (zeros). */
static PyArrayObject *heights(PyObject *h_obj, const char *who, npy_intp n) {
  if (h_obj == Py_None) return sp_new(1, n, 0);
  PyArrayObject *h = sp_array(h_obj, who, "h", 1, 1);
  if (h && sp_dim(h, 0) != n) {
    Py_DECREF(h);
    PyErr_Format(PyExc_ValueError, "%s: h has length %zd, Y has %zd points", who,
                 (Py_ssize_t)PyArray_SIZE(h), (Py_ssize_t)n);
    return NULL;
  }
  return h;
}

static int read_adam(PyObject *k, specot_sdot_adam_opts *o) {
  const char *w = "sdot_solve";
  return sp_opt_double(k, w, "lr", &o->lr) || sp_opt_double(k, w, "lr_decay", &o->lr_decay) ||
         sp_opt_double(k, w, "beta1", &o->beta1) || sp_opt_double(k, w, "beta2", &o->beta2) ||
         sp_opt_double(k, w, "adam_eps", &o->adam_eps) ||
         sp_opt_int(k, w, "bias_correction", &o->bias_correction) ||
         sp_opt_size(k, w, "batch_size", &o->batch_size) ||
         sp_opt_size(k, w, "batches", &o->batches) ||
         sp_opt_size(k, w, "max_batches", &o->max_batches) ||
         sp_opt_size(k, w, "patience", &o->patience) || sp_opt_int(k, w, "qmc", &o->qmc) ||
         sp_opt_size(k, w, "average_from", &o->average_from) ||
         sp_opt_size(k, w, "max_iter", &o->max_iter) || sp_opt_double(k, w, "tol", &o->tol) ||
         sp_opt_double(k, w, "grad_tol", &o->grad_tol) ||
         sp_opt_size(k, w, "eval_samples", &o->eval_samples) ||
         sp_opt_size(k, w, "eval_every", &o->eval_every);
}

static int read_asgd(PyObject *k, specot_sdot_asgd_opts *o) {
  const char *w = "sdot_solve";
  return sp_opt_double(k, w, "lr", &o->lr) || sp_opt_double(k, w, "eps", &o->eps) ||
         sp_opt_double(k, w, "step_power", &o->step_power) ||
         sp_opt_double(k, w, "eps_power", &o->eps_power) ||
         sp_opt_size(k, w, "batch_size", &o->batch_size) ||
         sp_opt_size(k, w, "max_iter", &o->max_iter) || sp_opt_double(k, w, "tol", &o->tol) ||
         sp_opt_size(k, w, "eval_samples", &o->eval_samples) ||
         sp_opt_size(k, w, "eval_every", &o->eval_every);
}

static int read_newton(PyObject *k, specot_sdot_newton_opts *o) {
  const char *w = "sdot_solve";
  return sp_opt_double(k, w, "tol", &o->tol) || sp_opt_size(k, w, "max_iter", &o->max_iter) ||
         sp_opt_size(k, w, "max_halvings", &o->max_halvings) ||
         sp_opt_int(k, w, "warm_start", &o->warm_start);
}

/* sdot_solve(Y, nu, source, solver (0 adam, 1 asgd, 2 newton), h0, seed, opts dict)
 *   -> dict (h, iterations, max_rel_error, empty_cells, energy, w2, grad_norm, samples,
 *            status, status_code) */
static PyObject *py_sdot_solve(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *y_obj, *nu_obj, *h_obj, *kw;
  int source, solver;
  unsigned long long seed;
  if (!PyArg_ParseTuple(args, "OOiiOKO", &y_obj, &nu_obj, &source, &solver, &h_obj, &seed, &kw))
    return NULL;
  specot_sdot_adam_opts adam;
  specot_sdot_asgd_opts asgd;
  specot_sdot_newton_opts newton;
  specot_sdot_adam_opts_init(&adam);
  specot_sdot_asgd_opts_init(&asgd);
  specot_sdot_newton_opts_init(&newton);
  adam.seed = asgd.seed = (uint64_t)seed;
  if ((solver == 0 && read_adam(kw, &adam)) || (solver == 1 && read_asgd(kw, &asgd)) ||
      (solver == 2 && read_newton(kw, &newton)))
    return NULL;
  problem pr;
  if (problem_get(&pr, "sdot_solve", y_obj, nu_obj, source)) return NULL;
  PyArrayObject *h0 = heights(h_obj, "sdot_solve", (npy_intp)pr.p.n), *h = NULL;
  if (h0) h = (PyArrayObject *)PyArray_NewCopy(h0, NPY_CORDER);
  Py_XDECREF(h0);
  sp_call call; /* Ctrl-C: Adam and ASGD poll the cancel flag every step */
  if (!h || sp_begin(&call, solver != 2)) return problem_release(&pr), Py_XDECREF(h), NULL;
  specot_sdot_result res;
  memset(&res, 0, sizeof res);
  specot_status st = SPECOT_OK;
  SP_NOGIL({
    if (solver == 2) {
      st = specot_sdot_solve_newton(call.ctx, &pr.p, &newton, sp_data(h), &res);
    } else {
      specot_sdot_ws *ws = specot_sdot_check(call.ctx, &pr.p) == SPECOT_OK
                               ? specot_sdot_ws_alloc(call.ctx, pr.p.n, pr.p.d)
                               : NULL;
      if (!ws)
        st = specot_ctx_status(call.ctx);
      else if (solver == 0)
        st = specot_sdot_solve_adam(call.ctx, ws, &pr.p, &adam, sp_data(h), &res);
      else
        st = specot_sdot_solve_asgd(call.ctx, ws, &pr.p, &asgd, sp_data(h), &res);
      specot_sdot_ws_free(ws);
    }
  });
  problem_release(&pr);
  if (sp_end(&call, st)) return Py_DECREF(h), NULL;
  return Py_BuildValue(
      "{s:N,s:n,s:d,s:n,s:d,s:d,s:d,s:n,s:s,s:i}", "h", h, "iterations", (Py_ssize_t)res.iterations,
      "max_rel_error", res.max_rel_error, "empty_cells", (Py_ssize_t)res.empty_cells, "energy",
      res.energy, "w2", res.w2, "grad_norm", res.grad_norm, "samples", (Py_ssize_t)res.samples,
      "status", st == SPECOT_OK ? "converged" : "max_iter", "status_code", (int)st);
}

/* sdot_cells(Y, nu, source, h, X) -> (idx, best, gap, mass) */
static PyObject *py_sdot_cells(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *y_obj, *nu_obj, *h_obj, *x_obj;
  int source;
  if (!PyArg_ParseTuple(args, "OOiOO", &y_obj, &nu_obj, &source, &h_obj, &x_obj)) return NULL;
  problem pr;
  if (problem_get(&pr, "sdot_cells", y_obj, nu_obj, source)) return NULL;
  PyArrayObject *h = heights(h_obj, "sdot_cells", (npy_intp)pr.p.n), *X = NULL;
  if (!h || !(X = sp_array(x_obj, "sdot_cells", "X", 1, 2)))
    return problem_release(&pr), sp_release(h, 0, 0, 0, 0, 0, 0, 0), NULL;
  const npy_intp N = sp_rows(X);
  if (sp_cols(X) != (npy_intp)pr.p.d) {
    problem_release(&pr), sp_release(h, X, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "sdot_cells: X has %zd columns, Y has %zu",
                        (Py_ssize_t)sp_cols(X), pr.p.d);
  }
  PyArrayObject *idx = sp_new_index(N), *best = sp_new(1, N, 0), *gap = sp_new(1, N, 0),
                *mass = sp_new(1, (npy_intp)pr.p.n, 0);
  size_t *tmp = malloc((N ? (size_t)N : 1) * sizeof *tmp);
  sp_call call;
  if (!idx || !best || !gap || !mass || !tmp || sp_begin(&call, 0)) {
    free(tmp);
    problem_release(&pr);
    if (!PyErr_Occurred()) PyErr_NoMemory();
    return sp_release(h, X, idx, best, gap, mass, 0, 0), NULL;
  }
  specot_status st;
  SP_NOGIL({
    specot_sdot_ws *ws = specot_sdot_check(call.ctx, &pr.p) == SPECOT_OK
                             ? specot_sdot_ws_alloc(call.ctx, pr.p.n, pr.p.d)
                             : NULL;
    st = ws ? specot_sdot_cells(call.ctx, ws, &pr.p, sp_data(h), (size_t)N, sp_data(X), tmp,
                                sp_data(best), sp_data(gap), sp_data(mass))
            : specot_ctx_status(call.ctx);
    specot_sdot_ws_free(ws);
  });
  npy_int64 *ip = PyArray_DATA(idx);
  for (npy_intp k = 0; k < N && st == SPECOT_OK; ++k) ip[k] = (npy_int64)tmp[k];
  free(tmp);
  problem_release(&pr);
  sp_release(h, X, 0, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return sp_release(idx, best, gap, mass, 0, 0, 0, 0), NULL;
  return Py_BuildValue("NNNN", idx, best, gap, mass);
}

/* sdot_exact(Y, nu, source, h, hessian) -> (w, moment, H or None, energy) */
static PyObject *py_sdot_exact(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *y_obj, *nu_obj, *h_obj;
  int source, want_h;
  if (!PyArg_ParseTuple(args, "OOiOp", &y_obj, &nu_obj, &source, &h_obj, &want_h)) return NULL;
  problem pr;
  if (problem_get(&pr, "sdot_exact", y_obj, nu_obj, source)) return NULL;
  const npy_intp n = (npy_intp)pr.p.n, d = (npy_intp)pr.p.d;
  PyArrayObject *h = heights(h_obj, "sdot_exact", n);
  PyArrayObject *w = sp_new(1, n, 0), *mom = sp_new(2, n, d), *H = want_h ? sp_new(2, n, n) : NULL;
  sp_call call;
  if (!h || !w || !mom || (want_h && !H) || sp_begin(&call, 0))
    return problem_release(&pr), sp_release(h, w, mom, H, 0, 0, 0, 0), NULL;
  double energy = NAN;
  specot_status st;
  SP_NOGIL({
    st = specot_sdot_check(call.ctx, &pr.p);
    if (st == SPECOT_OK)
      st = specot_sdot_exact(call.ctx, &pr.p, sp_data(h), sp_data(w), sp_data(mom), sp_data(H),
                             &energy);
  });
  problem_release(&pr);
  Py_DECREF(h);
  if (sp_end(&call, st)) return sp_release(w, mom, H, 0, 0, 0, 0, 0), NULL;
  if (!H) {
    Py_INCREF(Py_None);
    H = (PyArrayObject *)Py_None;
  }
  return Py_BuildValue("NNNd", w, mom, H, energy);
}

/* sdot_map(Y, h, X, kind, tau, theta_max) -> (out, u_tau, neff) */
static PyObject *py_sdot_map(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *y_obj, *h_obj, *x_obj;
  int kind;
  double tau, theta_max;
  if (!PyArg_ParseTuple(args, "OOOidd", &y_obj, &h_obj, &x_obj, &kind, &tau, &theta_max))
    return NULL;
  problem pr;
  if (problem_get(&pr, "sdot_map", y_obj, Py_None, 0)) return NULL;
  PyArrayObject *h = heights(h_obj, "sdot_map", (npy_intp)pr.p.n), *X = NULL;
  if (!h || !(X = sp_array(x_obj, "sdot_map", "X", 1, 2)))
    return problem_release(&pr), sp_release(h, 0, 0, 0, 0, 0, 0, 0), NULL;
  const npy_intp N = sp_rows(X), d = (npy_intp)pr.p.d;
  if (sp_cols(X) != d) {
    problem_release(&pr), sp_release(h, X, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "sdot_map: X has %zd columns, Y has %zd",
                        (Py_ssize_t)sp_cols(X), (Py_ssize_t)d);
  }
  PyArrayObject *out = sp_new(2, N, d), *u = sp_new(1, N, 0), *neff = sp_new(1, N, 0);
  sp_call call;
  if (!out || !u || !neff || sp_begin(&call, 0))
    return problem_release(&pr), sp_release(h, X, out, u, neff, 0, 0, 0), NULL;
  specot_status st;
  SP_NOGIL({
    specot_sdot_ws *ws = specot_sdot_check(call.ctx, &pr.p) == SPECOT_OK
                             ? specot_sdot_ws_alloc(call.ctx, pr.p.n, pr.p.d)
                             : NULL;
    st = ws ? specot_sdot_map(call.ctx, ws, &pr.p, sp_data(h), (specot_sdot_map_kind)kind, tau,
                              theta_max, (size_t)N, sp_data(X), sp_data(out), sp_data(u),
                              sp_data(neff))
            : specot_ctx_status(call.ctx);
    specot_sdot_ws_free(ws);
  });
  problem_release(&pr);
  sp_release(h, X, 0, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return sp_release(out, u, neff, 0, 0, 0, 0, 0), NULL;
  return Py_BuildValue("NNN", out, u, neff);
}

/* sdot_generate(Y, h, X, count, top_k, theta_max, lambda, one_per_first, seed)
 *   -> (samples (count x d), npairs) */
static PyObject *py_sdot_generate(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *y_obj, *h_obj, *x_obj;
  Py_ssize_t count, top_k;
  double theta_max, lambda;
  int one_per_first;
  unsigned long long seed;
  if (!PyArg_ParseTuple(args, "OOOnnddpK", &y_obj, &h_obj, &x_obj, &count, &top_k, &theta_max,
                        &lambda, &one_per_first, &seed))
    return NULL;
  if (count < 0 || top_k < 0)
    return PyErr_Format(PyExc_ValueError, "sdot_generate: count and top_k must be >= 0");
  problem pr;
  if (problem_get(&pr, "sdot_generate", y_obj, Py_None, 0)) return NULL;
  PyArrayObject *h = heights(h_obj, "sdot_generate", (npy_intp)pr.p.n), *X = NULL;
  if (!h || !(X = sp_array(x_obj, "sdot_generate", "X", 1, 2)))
    return problem_release(&pr), sp_release(h, 0, 0, 0, 0, 0, 0, 0), NULL;
  const npy_intp N = sp_rows(X), d = (npy_intp)pr.p.d;
  if (sp_cols(X) != d) {
    problem_release(&pr), sp_release(h, X, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "sdot_generate: X has %zd columns, Y has %zd",
                        (Py_ssize_t)sp_cols(X), (Py_ssize_t)d);
  }
  PyArrayObject *out = sp_new(2, count, d);
  sp_call call;
  if (!out || sp_begin(&call, 0))
    return problem_release(&pr), sp_release(h, X, out, 0, 0, 0, 0, 0), NULL;
  specot_sdot_aeot_opts o;
  specot_sdot_aeot_opts_init(&o);
  o.top_k = (size_t)top_k, o.theta_max = theta_max, o.lambda = lambda;
  o.one_per_first = one_per_first;
  specot_rng rng;
  specot_rng_seed(&rng, (uint64_t)seed);
  size_t npairs = 0;
  specot_status st;
  SP_NOGIL({
    specot_sdot_ws *ws = specot_sdot_check(call.ctx, &pr.p) == SPECOT_OK
                             ? specot_sdot_ws_alloc(call.ctx, pr.p.n, pr.p.d)
                             : NULL;
    st = ws ? specot_sdot_generate_aeot(call.ctx, ws, &pr.p, sp_data(h), &o, (size_t)N, sp_data(X),
                                        &rng, (size_t)count, sp_data(out), &npairs)
            : specot_ctx_status(call.ctx);
    specot_sdot_ws_free(ws);
  });
  problem_release(&pr);
  sp_release(h, X, 0, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return Py_DECREF(out), NULL;
  return Py_BuildValue("Nn", out, (Py_ssize_t)npairs);
}

/* precision_recall(R, G, k) -> (precision, recall) */
static PyObject *py_precision_recall(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *r_obj, *g_obj;
  Py_ssize_t k;
  if (!PyArg_ParseTuple(args, "OOn", &r_obj, &g_obj, &k)) return NULL;
  if (k < 1) return PyErr_Format(PyExc_ValueError, "precision_recall: k = %zd must be >= 1", k);
  PyArrayObject *R = sp_array(r_obj, "precision_recall", "real", 2, 2), *G = NULL;
  if (!R || !(G = sp_array(g_obj, "precision_recall", "generated", 2, 2)))
    return sp_release(R, 0, 0, 0, 0, 0, 0, 0), NULL;
  if (sp_cols(R) != sp_cols(G)) {
    sp_release(R, G, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "precision_recall: real and generated dimensions differ");
  }
  sp_call call;
  if (sp_begin(&call, 0)) return sp_release(R, G, 0, 0, 0, 0, 0, 0), NULL;
  double prec = NAN, rec = NAN;
  specot_status st;
  SP_NOGIL(st = specot_aeot_precision_recall(call.ctx, (size_t)sp_rows(R), sp_data(R),
                                             (size_t)sp_rows(G), sp_data(G), (size_t)sp_cols(R),
                                             (size_t)k, &prec, &rec));
  sp_release(R, G, 0, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return NULL;
  return Py_BuildValue("dd", prec, rec);
}

PyMethodDef specot_py_sdot_methods[] = {
    {"sdot_generate", py_sdot_generate, METH_VARARGS,
     "sdot_generate(Y, h, X, count, top_k, theta_max, lambda, one_per_first, seed) -> (S, npairs)"},
    {"precision_recall", py_precision_recall, METH_VARARGS,
     "precision_recall(real, generated, k) -> (precision, recall)"},
    {"sdot_solve", py_sdot_solve, METH_VARARGS,
     "sdot_solve(Y, nu, source, solver, h0, seed, opts) -> dict"},
    {"sdot_cells", py_sdot_cells, METH_VARARGS,
     "sdot_cells(Y, nu, source, h, X) -> (idx, best, gap, mass)"},
    {"sdot_exact", py_sdot_exact, METH_VARARGS,
     "sdot_exact(Y, nu, source, h, hessian) -> (w, moment, H, energy)"},
    {"sdot_map", py_sdot_map, METH_VARARGS,
     "sdot_map(Y, h, X, kind, tau, theta_max) -> (out, u_tau, neff)"},
    {NULL, NULL, 0, NULL}};
