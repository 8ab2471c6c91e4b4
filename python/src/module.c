/* The _specot extension module: concatenates the per-module method tables
 * (bind_modules.h) and creates specot.NumericalError. */
#define SPECOT_PY_MODULE_C
#include "binding.h"

PyObject *specot_py_numerical_error = NULL;
void specot_py_record_main_thread(unsigned long ident);

#define X(name) extern PyMethodDef specot_py_##name##_methods[];
#include "bind_modules.h"
#undef X

static PyObject *py_version(PyObject *self, PyObject *args) {
  (void)self;
  (void)args;
  return PyUnicode_FromString(specot_version());
}

static PyMethodDef core_methods[] = {
    {"version", py_version, METH_NOARGS, "version() -> str: the C library's version."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT,
                                        "_specot",
                                        "specot C extension (use the `specot` package).",
                                        -1,
                                        NULL,
                                        NULL,
                                        NULL,
                                        NULL,
                                        NULL};

PyMODINIT_FUNC PyInit__specot(void) {
  import_array();
  PyObject *m = PyModule_Create(&module_def);
  if (!m) return NULL;
  const PyMethodDef *tables[] = {
      core_methods,
#define X(name) specot_py_##name##_methods,
#include "bind_modules.h"
#undef X
  };
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; ++t) {
    if (PyModule_AddFunctions(m, (PyMethodDef *)tables[t]) < 0) goto fail;
  }
  specot_py_numerical_error =
      PyErr_NewExceptionWithDoc("specot.NumericalError",
                                "A numerical failure in the C library (non-finite result, "
                                "LAPACK did not converge); the message is the library's.",
                                PyExc_ArithmeticError, NULL);
  if (!specot_py_numerical_error) goto fail;
  Py_INCREF(specot_py_numerical_error);
  if (PyModule_AddObject(m, "NumericalError", specot_py_numerical_error) < 0) goto fail;
  /* The Ctrl-C hook is installed only by calls made on the main thread. */
  {
    PyObject *threading = PyImport_ImportModule("threading");
    PyObject *main = threading ? PyObject_CallMethod(threading, "main_thread", NULL) : NULL;
    PyObject *ident = main ? PyObject_GetAttrString(main, "ident") : NULL;
    if (ident && PyLong_Check(ident)) specot_py_record_main_thread(PyLong_AsUnsignedLong(ident));
    Py_XDECREF(ident);
    Py_XDECREF(main);
    Py_XDECREF(threading);
    if (PyErr_Occurred()) goto fail;
  }
  return m;
fail:
  Py_DECREF(m);
  return NULL;
}
