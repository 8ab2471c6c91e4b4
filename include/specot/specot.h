/*
 * specot — spectral optimal transport and Muon-type gradient flows.
 *
 * Umbrella header: version, status codes, the error context, and the
 * thread-safety statement.  Module headers (rng.h, io.h, linalg.h, ...)
 * include this one; include them for the functions you use.
 *
 * Status convention (stated once, used everywhere): every fallible call
 * returns a specot_status.  0 = success; < 0 = error (outputs unspecified,
 * caller-owned buffers may have been partly written); > 0 = warning, the
 * outputs are valid (e.g. an iteration cap was reached and the best iterate
 * is returned).  specot_strerror() gives static text for a code and
 * specot_ctx_errmsg() the detailed message of the last failed call.
 *
 * Thread safety: the library has no mutable global state.  Distinct
 * contexts, workspaces and RNG states may be used concurrently from
 * different threads; one object must not be used by two threads at once.
 * Read-only inputs may be shared.  Results do not depend on the number of
 * threads except through the order of floating-point sums in multithreaded
 * kernels (OpenBLAS, OpenMP), which is documented where it applies.
 *
 * Conventions: arrays are row-major double with explicit size_t sizes;
 * inputs are const; outputs are caller-owned with their minimum length
 * documented.  The library never prints, exits or aborts on user input.
 */
#ifndef SPECOT_SPECOT_H
#define SPECOT_SPECOT_H

#include <stddef.h>
#include <stdint.h>

#if defined(SPECOT_BUILDING) && defined(__GNUC__)
#define SPECOT_API __attribute__((visibility("default")))
#else
#define SPECOT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define SPECOT_VERSION_MAJOR 0
#define SPECOT_VERSION_MINOR 1
#define SPECOT_VERSION_PATCH 0

/* Status codes.  0 ok, < 0 error, > 0 warning with valid outputs. */
typedef enum specot_status {
  SPECOT_OK = 0,
  SPECOT_WARN_MAXITER = 1,     /* iteration cap reached; outputs valid (best iterate) */
  SPECOT_WARN_INACCURATE = 2,  /* converged, but a post-check missed its tolerance */
  SPECOT_ERR_INVALID = -1,     /* bad argument: shape, range, non-finite value, ... */
  SPECOT_ERR_NOMEM = -2,       /* allocation failed */
  SPECOT_ERR_IO = -3,          /* file could not be opened, read or written */
  SPECOT_ERR_FORMAT = -4,      /* file content malformed (bad header, ragged CSV, ...) */
  SPECOT_ERR_NUMERICAL = -5,   /* numerical failure (LAPACK did not converge, NaN produced) */
  SPECOT_ERR_INFEASIBLE = -6,  /* problem has no solution (e.g. unequal masses) */
  SPECOT_ERR_TOO_LARGE = -7,   /* size overflows the index type or exceeds the memory budget */
  SPECOT_ERR_CANCELLED = -8    /* the context's cancel flag was set (specot_ctx_set_cancel) */
} specot_status;

/* Static, never-NULL description of a status code. */
SPECOT_API const char *specot_strerror(specot_status status);

/* Library version as "MAJOR.MINOR.PATCH" (static string) and as integers. */
SPECOT_API const char *specot_version(void);
SPECOT_API void specot_version_numbers(int *major, int *minor, int *patch);

/*
 * Error context: carries the detailed message of the last failed call made
 * with it.  Every fallible function takes a `specot_ctx *` as its first
 * argument; NULL is allowed (the detailed message is then discarded).
 * Not shared between threads.
 */
typedef struct specot_ctx specot_ctx;

/* Returns NULL when out of memory. */
SPECOT_API specot_ctx *specot_ctx_alloc(void);
SPECOT_API void specot_ctx_free(specot_ctx *ctx);
/* Detailed message of the last error or warning ("" when none).  Valid until
 * the next call with this context. */
SPECOT_API const char *specot_ctx_errmsg(const specot_ctx *ctx);
/* Status of the last call that set a message (SPECOT_OK when none). */
SPECOT_API specot_status specot_ctx_status(const specot_ctx *ctx);
SPECOT_API void specot_ctx_clear(specot_ctx *ctx);

/*
 * Cooperative cancellation.  `flag` (may be NULL to detach) is read, never
 * written, by the long-running solvers called with this context: the network
 * simplex (every 1024 pivots), Sinkhorn (every iteration), spectral transport
 * (every OT call) and specot_flow_step (at entry).  When *flag != 0 they stop
 * and return SPECOT_ERR_CANCELLED with a message naming where; the workspace
 * stays usable (a later solve on it starts afresh or warm as documented) and
 * a flow's state is left unchanged.  The flag may be set from another thread
 * or a signal handler (declare it volatile sig_atomic_t or an atomic int).
 * The pointer stays attached until replaced; specot_ctx_clear keeps it.
 */
SPECOT_API void specot_ctx_set_cancel(specot_ctx *ctx, volatile const int *flag);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_SPECOT_H */
