/* Keyword options passed from the Python layer as a dict: only the keys the
 * user gave are present (None counts as absent), so the C `_opts_init`
 * defaults apply to the rest. */
#include "binding.h"

static PyObject *lookup(PyObject *dict, const char *key) {
  if (!dict || dict == Py_None) return NULL;
  PyObject *v = PyDict_GetItemString(dict, key); /* borrowed */
  return v == Py_None ? NULL : v;
}

int sp_opt_double(PyObject *dict, const char *who, const char *key, double *out) {
  PyObject *v = lookup(dict, key);
  if (!v) return 0;
  const double x = PyFloat_AsDouble(v);
  if (x == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s: %s must be a number", who, key);
    return -1;
  }
  *out = x;
  return 0;
}

int sp_opt_size(PyObject *dict, const char *who, const char *key, size_t *out) {
  PyObject *v = lookup(dict, key);
  if (!v) return 0;
  const long long x = PyLong_AsLongLong(v);
  if (x < 0) {
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s: %s must be an integer >= 0", who, key);
    return -1;
  }
  *out = (size_t)x;
  return 0;
}

int sp_opt_int(PyObject *dict, const char *who, const char *key, int *out) {
  PyObject *v = lookup(dict, key);
  if (!v) return 0;
  const long x = PyLong_AsLong(v);
  if (x == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s: %s must be an integer", who, key);
    return -1;
  }
  *out = (int)x;
  return 0;
}
