/* placeholder */
#include "binding.h"
PyMethodDef specot_py_spectral_methods[] = {{NULL, NULL, 0, NULL}};
