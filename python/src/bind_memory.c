/* Bindings of specot/memory.h: the Sinkhorn associative memory (a capsule
 * owning a specot_amem, read-only after storing, shared by calls), energy
 * evaluations, retrieval (with the per-step energy trace) and the Euclidean
 * Hopfield baselines.  Retrieval does not poll the cancel flag: Ctrl-C is
 * raised when it returns. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "specot/memory.h"

static const char *const capsule_name = "specot.memory";

static void memory_destroy(PyObject *cap) {
  specot_amem_free(PyCapsule_GetPointer(cap, capsule_name));
}

static PyObject *wrap(specot_amem *mem) {
  PyObject *cap = PyCapsule_New(mem, capsule_name, memory_destroy);
  if (!cap) specot_amem_free(mem);
  return cap;
}

static int sinkhorn_opts(PyObject *kw, specot_ot_sinkhorn_opts *o) {
  specot_amem_sinkhorn_defaults(o);
  return sp_opt_double(kw, "Memory", "sinkhorn_tol", &o->tol) ||
         sp_opt_size(kw, "Memory", "sinkhorn_max_iter", &o->max_iter);
}

/* memory_store(Y (sum n_k x d), sizes, b or None, eps, beta, opts) -> capsule */
static PyObject *py_memory_store(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *y_obj, *sizes_obj, *b_obj, *kw;
  double eps, beta;
  if (!PyArg_ParseTuple(args, "OOOddO", &y_obj, &sizes_obj, &b_obj, &eps, &beta, &kw)) return NULL;
  specot_ot_sinkhorn_opts so;
  if (sinkhorn_opts(kw, &so)) return NULL;
  PyArrayObject *Y = sp_array(y_obj, "Memory", "patterns", 2, 2), *b = NULL;
  if (!Y) return NULL;
  PyArrayObject *S = (PyArrayObject *)PyArray_FROMANY(sizes_obj, NPY_INTP, 1, 1,
                                                      NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
  if (!S) return Py_DECREF(Y), NULL;
  const npy_intp K = PyArray_SIZE(S);
  const npy_intp *sz = PyArray_DATA(S);
  npy_intp total = 0;
  for (npy_intp k = 0; k < K; ++k) total += sz[k] > 0 ? sz[k] : 0;
  if (total != sp_rows(Y) || sp_weights(b_obj, "Memory", "weights", total, &b)) {
    if (!PyErr_Occurred())
      PyErr_Format(PyExc_ValueError, "Memory: pattern sizes add up to %zd, got %zd points",
                   (Py_ssize_t)total, (Py_ssize_t)sp_rows(Y));
    return sp_release(Y, S, 0, 0, 0, 0, 0, 0), NULL;
  }
  size_t *nk = malloc((K ? (size_t)K : 1) * sizeof *nk);
  sp_call call;
  if (!nk || sp_begin(&call, 0)) {
    free(nk);
    if (!PyErr_Occurred()) PyErr_NoMemory();
    return sp_release(Y, S, b, 0, 0, 0, 0, 0), NULL;
  }
  for (npy_intp k = 0; k < K; ++k) nk[k] = sz[k] > 0 ? (size_t)sz[k] : 0;
  specot_amem *mem = NULL;
  specot_status st;
  SP_NOGIL(st = specot_amem_alloc(call.ctx, (size_t)K, nk, (size_t)sp_cols(Y), sp_data(Y),
                                  sp_data(b), eps, beta, &so, &mem));
  free(nk);
  sp_release(Y, S, b, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return specot_amem_free(mem), NULL;
  return wrap(mem);
}

static specot_amem *get(PyObject *cap) {
  return PyCapsule_GetPointer(cap, capsule_name);
}

/* memory_info(cap) -> (K, d, eps, beta) */
static PyObject *py_memory_info(PyObject *self, PyObject *cap) {
  (void)self;
  const specot_amem *mem = get(cap);
  if (!mem) return NULL;
  size_t K, d;
  double eps, beta;
  specot_amem_info(mem, &K, &d, &eps, &beta);
  return Py_BuildValue("nndd", (Py_ssize_t)K, (Py_ssize_t)d, eps, beta);
}

/* memory_pattern(cap, k) -> (points (n x d) copy, weights copy, self_term) */
static PyObject *py_memory_pattern(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *cap;
  Py_ssize_t k;
  if (!PyArg_ParseTuple(args, "On", &cap, &k)) return NULL;
  const specot_amem *mem = get(cap);
  if (!mem) return NULL;
  size_t K, d, n;
  specot_amem_info(mem, &K, &d, NULL, NULL);
  const double *Y, *b;
  double self_term;
  if (k < 0 || (size_t)k >= K ||
      specot_amem_pattern(mem, (size_t)k, &n, &Y, &b, &self_term) != SPECOT_OK)
    return PyErr_Format(PyExc_IndexError, "Memory: pattern %zd out of range (K = %zu)", k, K);
  PyArrayObject *P = sp_new(2, (npy_intp)n, (npy_intp)d), *w = sp_new(1, (npy_intp)n, 0);
  if (!P || !w) return sp_release(P, w, 0, 0, 0, 0, 0, 0), NULL;
  memcpy(sp_data(P), Y, n * d * sizeof *Y);
  memcpy(sp_data(w), b, n * sizeof *b);
  return Py_BuildValue("NNd", P, w, self_term);
}

/* memory_save(cap, dir) */
static PyObject *py_memory_save(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *cap;
  const char *dir;
  if (!PyArg_ParseTuple(args, "Os", &cap, &dir)) return NULL;
  const specot_amem *mem = get(cap);
  sp_call call;
  if (!mem || sp_begin(&call, 0)) return NULL;
  specot_status st;
  SP_NOGIL(st = specot_amem_save(call.ctx, mem, dir));
  if (st == SPECOT_ERR_IO) {
    PyErr_SetString(PyExc_OSError, specot_ctx_errmsg(call.ctx));
    sp_end(&call, SPECOT_OK);
    return NULL;
  }
  if (sp_end(&call, st)) return NULL;
  Py_RETURN_NONE;
}

/* memory_load(dir, opts) -> capsule */
static PyObject *py_memory_load(PyObject *self, PyObject *args) {
  (void)self;
  const char *dir;
  PyObject *kw;
  if (!PyArg_ParseTuple(args, "sO", &dir, &kw)) return NULL;
  specot_ot_sinkhorn_opts so;
  const int custom = kw != Py_None && PyDict_Check(kw) && PyDict_Size(kw) > 0;
  if (custom && sinkhorn_opts(kw, &so)) return NULL;
  sp_call call;
  if (sp_begin(&call, 0)) return NULL;
  specot_amem *mem = NULL;
  specot_status st;
  SP_NOGIL(st = specot_amem_load(call.ctx, dir, custom ? &so : NULL, &mem));
  if (st == SPECOT_ERR_IO || st == SPECOT_ERR_FORMAT) {
    /* A missing or malformed memory directory is an OSError-like bad input. */
    PyErr_SetString(st == SPECOT_ERR_IO ? PyExc_OSError : PyExc_ValueError,
                    specot_ctx_errmsg(call.ctx));
    sp_end(&call, SPECOT_OK);
    return NULL;
  }
  if (sp_end(&call, st)) return specot_amem_free(mem), NULL;
  return wrap(mem);
}

/* The query (a, X) as fresh copies (retrieval works in place). */
static int query(PyObject *a_obj, PyObject *x_obj, size_t d, PyArrayObject **a, PyArrayObject **X) {
  PyArrayObject *X0 = sp_array(x_obj, "Memory", "query", 2, 2);
  if (!X0) return -1;
  if (sp_cols(X0) != (npy_intp)d) {
    PyErr_Format(PyExc_ValueError, "Memory: query has %zd columns, the memory's dimension is %zu",
                 (Py_ssize_t)sp_cols(X0), d);
    return Py_DECREF(X0), -1;
  }
  const npy_intp m = sp_rows(X0);
  *X = (PyArrayObject *)PyArray_NewCopy(X0, NPY_CORDER);
  Py_DECREF(X0);
  PyArrayObject *a0 = NULL;
  if (!*X || sp_weights(a_obj, "Memory", "query weights", m, &a0)) {
    Py_CLEAR(*X);
    return -1;
  }
  if (a0) {
    *a = (PyArrayObject *)PyArray_NewCopy(a0, NPY_CORDER);
    Py_DECREF(a0);
  } else if ((*a = sp_new(1, m, 0))) {
    for (npy_intp i = 0; i < m; ++i) sp_data(*a)[i] = 1.0 / (double)m;
  }
  if (!*a) {
    Py_CLEAR(*X);
    return -1;
  }
  return 0;
}

/* memory_energy(cap, a, X, gamma) -> dict (energy, attention, index, iterations, S, w, v, phi) */
static PyObject *py_memory_energy(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *cap, *a_obj, *x_obj;
  double gamma;
  if (!PyArg_ParseTuple(args, "OOOd", &cap, &a_obj, &x_obj, &gamma)) return NULL;
  const specot_amem *mem = get(cap);
  if (!mem) return NULL;
  size_t K, d;
  specot_amem_info(mem, &K, &d, NULL, NULL);
  PyArrayObject *a = NULL, *X = NULL;
  if (query(a_obj, x_obj, d, &a, &X)) return NULL;
  const npy_intp m = sp_rows(X);
  PyArrayObject *S = sp_new(1, (npy_intp)K, 0), *w = sp_new(1, (npy_intp)K, 0),
                *v = sp_new(2, m, (npy_intp)d), *phi = sp_new(1, m, 0);
  sp_call call;
  if (!S || !w || !v || !phi || sp_begin(&call, 0))
    return sp_release(a, X, S, w, v, phi, 0, 0), NULL;
  specot_amem_eval ev;
  memset(&ev, 0, sizeof ev);
  specot_status st;
  SP_NOGIL({
    specot_amem_ws *ws = NULL;
    st = specot_amem_ws_alloc(call.ctx, mem, (size_t)m, d, &ws);
    if (st == SPECOT_OK)
      st = specot_amem_energy(call.ctx, ws, sp_data(a), sp_data(X), gamma, sp_data(S), sp_data(w),
                              sp_data(v), sp_data(phi), &ev);
    specot_amem_ws_free(ws);
  });
  sp_release(a, X, 0, 0, 0, 0, 0, 0);
  if (sp_end(&call, st)) return sp_release(S, w, v, phi, 0, 0, 0, 0), NULL;
  return Py_BuildValue("{s:d,s:d,s:n,s:n,s:N,s:N,s:N,s:N}", "energy", ev.energy, "attention",
                       ev.attention, "index", (Py_ssize_t)ev.index, "iterations",
                       (Py_ssize_t)ev.iterations, "S", S, "w", w, "v", v, "phi", phi);
}

/* Energy trace of a retrieval (on_step runs without the GIL: plain C). */
typedef struct trace {
  double *energy;
  size_t len, cap;
} trace;
static void on_step(void *user, const specot_amem_step *s) {
  trace *t = user;
  if (t->len < t->cap) t->energy[t->len++] = s->energy;
}

static const char *const stop_names[3] = {"tol", "max_steps", "stationary"};

/* memory_retrieve(cap, a, X, opts) -> dict */
static PyObject *py_memory_retrieve(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *cap, *a_obj, *x_obj, *kw;
  if (!PyArg_ParseTuple(args, "OOOO", &cap, &a_obj, &x_obj, &kw)) return NULL;
  const specot_amem *mem = get(cap);
  if (!mem) return NULL;
  specot_amem_opts o;
  specot_amem_opts_init(&o);
  const char *w_ = "Memory.retrieve";
  if (sp_opt_double(kw, w_, "tau", &o.tau) || sp_opt_double(kw, w_, "eta", &o.eta) ||
      sp_opt_size(kw, w_, "max_steps", &o.max_steps) ||
      sp_opt_size(kw, w_, "max_halvings", &o.max_halvings) ||
      sp_opt_double(kw, w_, "tol_energy", &o.tol_energy) ||
      sp_opt_double(kw, w_, "gamma", &o.gamma) ||
      sp_opt_double(kw, w_, "attention_warn", &o.attention_warn))
    return NULL;
  if (o.max_steps > 100000000)
    return PyErr_Format(PyExc_ValueError, "Memory.retrieve: max_steps too large");
  size_t K, d;
  specot_amem_info(mem, &K, &d, NULL, NULL);
  PyArrayObject *a = NULL, *X = NULL;
  if (query(a_obj, x_obj, d, &a, &X)) return NULL;
  const npy_intp m = sp_rows(X);
  PyArrayObject *S0 = sp_new(1, (npy_intp)K, 0), *S = sp_new(1, (npy_intp)K, 0),
                *w = sp_new(1, (npy_intp)K, 0);
  trace tr = {malloc((o.max_steps + 1) * sizeof(double)), 0, o.max_steps + 1};
  o.on_step = on_step;
  o.user = &tr;
  sp_call call;
  if (!S0 || !S || !w || !tr.energy || sp_begin(&call, 0)) {
    free(tr.energy);
    if (!PyErr_Occurred()) PyErr_NoMemory();
    return sp_release(a, X, S0, S, w, 0, 0, 0), NULL;
  }
  specot_amem_result r;
  memset(&r, 0, sizeof r);
  specot_status st;
  SP_NOGIL({
    specot_amem_ws *ws = NULL;
    st = specot_amem_ws_alloc(call.ctx, mem, (size_t)m, d, &ws);
    if (st == SPECOT_OK)
      st = specot_amem_retrieve(call.ctx, ws, &o, sp_data(a), sp_data(X), sp_data(S0), sp_data(S),
                                sp_data(w), &r);
    specot_amem_ws_free(ws);
  });
  PyArrayObject *E = sp_new(1, (npy_intp)tr.len, 0);
  if (E) memcpy(sp_data(E), tr.energy, tr.len * sizeof(double));
  free(tr.energy);
  if (sp_end(&call, st) || !E) return sp_release(a, X, S0, S, w, E, 0, 0), NULL;
  return Py_BuildValue("{s:N,s:N,s:N,s:N,s:N,s:N,s:n,s:n,s:d,s:d,s:d,s:d,s:n,s:n,s:n,s:n,s:s,s:i}",
                       "weights", a, "points", X, "S_start", S0, "S", S, "w", w, "energy_trace", E,
                       "index", (Py_ssize_t)r.index, "index_start", (Py_ssize_t)r.index_start,
                       "energy_start", r.energy_start, "energy", r.energy, "attention_start",
                       r.attention_start, "attention", r.attention, "steps", (Py_ssize_t)r.steps,
                       "halvings", (Py_ssize_t)r.halvings, "evaluations", (Py_ssize_t)r.evaluations,
                       "sinkhorn_iterations", (Py_ssize_t)r.sinkhorn_iterations, "stop",
                       stop_names[r.stop <= 2 ? r.stop : 0], "status_code", (int)st);
}

/* hopfield_flatten(X, sorted) -> xi */
static PyObject *py_hopfield_flatten(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x_obj;
  int sorted;
  if (!PyArg_ParseTuple(args, "Op", &x_obj, &sorted)) return NULL;
  PyArrayObject *X = sp_array(x_obj, "hopfield_flatten", "X", 2, 2);
  if (!X) return NULL;
  const npy_intp n = sp_rows(X), d = sp_cols(X);
  PyArrayObject *xi = sp_new(1, n * d, 0);
  sp_call call;
  if (!xi || sp_begin(&call, 0)) return sp_release(X, xi, 0, 0, 0, 0, 0, 0), NULL;
  const specot_status st =
      specot_hopfield_flatten(call.ctx, (size_t)n, (size_t)d, sp_data(X),
                              sorted ? SPECOT_HOPFIELD_SORTED : SPECOT_HOPFIELD_RAW, sp_data(xi));
  Py_DECREF(X);
  if (sp_end(&call, st)) return Py_DECREF(xi), NULL;
  return (PyObject *)xi;
}

/* hopfield_retrieve(Xi (K x D), xi (D), beta, mode, max_iter, tol) -> (xi, p, index, iters) */
static PyObject *py_hopfield_retrieve(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *Xi_obj, *xi_obj;
  double beta, tol;
  int mode;
  Py_ssize_t max_iter;
  if (!PyArg_ParseTuple(args, "OOdind", &Xi_obj, &xi_obj, &beta, &mode, &max_iter, &tol))
    return NULL;
  if (max_iter < 1) return PyErr_Format(PyExc_ValueError, "hopfield: max_iter must be >= 1");
  PyArrayObject *Xi = sp_array(Xi_obj, "hopfield", "stored", 2, 2), *x0 = NULL;
  if (!Xi || !(x0 = sp_array(xi_obj, "hopfield", "xi", 1, 1)))
    return sp_release(Xi, 0, 0, 0, 0, 0, 0, 0), NULL;
  const npy_intp K = sp_rows(Xi), D = sp_cols(Xi);
  if (sp_dim(x0, 0) != D) {
    sp_release(Xi, x0, 0, 0, 0, 0, 0, 0);
    return PyErr_Format(PyExc_ValueError, "hopfield: xi has length %zd, stored vectors %zd",
                        (Py_ssize_t)PyArray_SIZE(x0), (Py_ssize_t)D);
  }
  PyArrayObject *xi = (PyArrayObject *)PyArray_NewCopy(x0, NPY_CORDER), *p = sp_new(1, K, 0);
  Py_DECREF(x0);
  sp_call call;
  if (!xi || !p || sp_begin(&call, 0)) return sp_release(Xi, xi, p, 0, 0, 0, 0, 0), NULL;
  size_t index = 0, iters = 0;
  specot_status st;
  SP_NOGIL(st = specot_hopfield_retrieve(call.ctx, sp_data(Xi), (size_t)K, (size_t)D, beta,
                                         (specot_hopfield_mode)mode, (size_t)max_iter, tol,
                                         sp_data(xi), sp_data(p), &index, &iters));
  Py_DECREF(Xi);
  if (sp_end(&call, st)) return sp_release(xi, p, 0, 0, 0, 0, 0, 0), NULL;
  return Py_BuildValue("NNnn", xi, p, (Py_ssize_t)index, (Py_ssize_t)iters);
}

PyMethodDef specot_py_memory_methods[] = {
    {"memory_store", py_memory_store, METH_VARARGS,
     "memory_store(Y, sizes, b, eps, beta, opts) -> memory"},
    {"memory_info", py_memory_info, METH_O, "memory_info(memory) -> (K, d, eps, beta)"},
    {"memory_pattern", py_memory_pattern, METH_VARARGS,
     "memory_pattern(memory, k) -> (points, weights, self_term)"},
    {"memory_save", py_memory_save, METH_VARARGS, "memory_save(memory, dir)"},
    {"memory_load", py_memory_load, METH_VARARGS, "memory_load(dir, opts) -> memory"},
    {"memory_energy", py_memory_energy, METH_VARARGS, "memory_energy(memory, a, X, gamma) -> dict"},
    {"memory_retrieve", py_memory_retrieve, METH_VARARGS,
     "memory_retrieve(memory, a, X, opts) -> dict"},
    {"hopfield_flatten", py_hopfield_flatten, METH_VARARGS, "hopfield_flatten(X, sorted) -> xi"},
    {"hopfield_retrieve", py_hopfield_retrieve, METH_VARARGS,
     "hopfield_retrieve(Xi, xi, beta, mode, max_iter, tol) -> (xi, p, index, iters)"},
    {NULL, NULL, 0, NULL}};
