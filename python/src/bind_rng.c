/* Bindings of the torch-compatible generator of specot/rng.h
 * (specot_torch_rng_*): torch.randn / torch.randperm after torch.manual_seed. */
#include <stdlib.h>

#include "binding.h"
#include "specot/rng.h"

/* torch_randn(seed, n, float32) -> 1-D array (float64, or float32 when asked) */
static PyObject *py_torch_randn(PyObject *self, PyObject *args) {
  (void)self;
  unsigned long long seed;
  Py_ssize_t n;
  int f32;
  if (!PyArg_ParseTuple(args, "Knp", &seed, &n, &f32)) return NULL;
  if (n < 0) return PyErr_Format(PyExc_ValueError, "torch_randn: n = %zd must be >= 0", n);
  npy_intp dims[1] = {n};
  PyArrayObject *out = (PyArrayObject *)PyArray_ZEROS(1, dims, f32 ? NPY_FLOAT32 : NPY_FLOAT64, 0);
  if (!out) return NULL;
  specot_torch_rng g;
  specot_torch_rng_seed(&g, (uint64_t)seed);
  SP_NOGIL({
    if (f32)
      specot_torch_rng_randn_f32(&g, (float *)PyArray_DATA(out), (size_t)n);
    else
      specot_torch_rng_randn(&g, (double *)PyArray_DATA(out), (size_t)n);
  });
  return (PyObject *)out;
}

/* torch_randperm(seed, n) -> int64 array */
static PyObject *py_torch_randperm(PyObject *self, PyObject *args) {
  (void)self;
  unsigned long long seed;
  Py_ssize_t n;
  if (!PyArg_ParseTuple(args, "Kn", &seed, &n)) return NULL;
  if (n < 0 || (unsigned long long)n >= 4294967296ULL)
    return PyErr_Format(PyExc_ValueError, "torch_randperm: n = %zd must be in [0, 2^32)", n);
  PyArrayObject *out = sp_new_index(n);
  size_t *perm = malloc((n ? (size_t)n : 1) * sizeof *perm);
  if (!out || !perm) {
    Py_XDECREF(out);
    free(perm);
    return PyErr_NoMemory();
  }
  specot_torch_rng g;
  specot_torch_rng_seed(&g, (uint64_t)seed);
  specot_torch_rng_randperm(&g, perm, (size_t)n);
  npy_int64 *o = PyArray_DATA(out);
  for (Py_ssize_t i = 0; i < n; ++i) o[i] = (npy_int64)perm[i];
  free(perm);
  return (PyObject *)out;
}

PyMethodDef specot_py_rng_methods[] = {
    {"torch_randn", py_torch_randn, METH_VARARGS, "torch_randn(seed, n, float32) -> array"},
    {"torch_randperm", py_torch_randperm, METH_VARARGS, "torch_randperm(seed, n) -> array"},
    {NULL, NULL, 0, NULL}};
