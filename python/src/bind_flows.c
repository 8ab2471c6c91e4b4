/* placeholder */
#include "binding.h"
PyMethodDef specot_py_flows_methods[] = {{NULL, NULL, 0, NULL}};
