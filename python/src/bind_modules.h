/* The binding's method tables, one per library module: X(name) refers to
 * `specot_py_<name>_methods` defined in bind_<name>.c.  To bind a new module
 * (e.g. the SHK sampler): write bind_shk.c with its PyMethodDef table and add
 * one line X(shk) here; python/CMakeLists.txt picks up bind_*.c by glob. */
X(linalg)
X(ot)
X(spectral)
X(flows)
X(shk)
X(memory)
X(sdot)
X(rng)
