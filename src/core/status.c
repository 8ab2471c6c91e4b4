/* Status codes, version, and the error context. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SPECOT__STR2(x) #x
#define SPECOT__STR(x) SPECOT__STR2(x)

struct specot_ctx {
  specot_status status;
  char msg[1024];
  volatile const int *cancel; /* cooperative cancel flag (specot_ctx_set_cancel) */
};

const char *specot_strerror(specot_status status) {
  switch (status) {
    case SPECOT_OK: return "success";
    case SPECOT_WARN_MAXITER: return "iteration limit reached (outputs valid, not converged)";
    case SPECOT_WARN_INACCURATE: return "result less accurate than requested";
    case SPECOT_ERR_INVALID: return "invalid argument";
    case SPECOT_ERR_NOMEM: return "out of memory";
    case SPECOT_ERR_IO: return "input/output error";
    case SPECOT_ERR_FORMAT: return "malformed file";
    case SPECOT_ERR_NUMERICAL: return "numerical failure";
    case SPECOT_ERR_INFEASIBLE: return "infeasible problem";
    case SPECOT_ERR_TOO_LARGE: return "problem too large";
    case SPECOT_ERR_CANCELLED: return "cancelled by the caller";
  }
  return "unknown status code";
}

const char *specot_version(void) {
  return SPECOT__STR(SPECOT_VERSION_MAJOR) "." SPECOT__STR(SPECOT_VERSION_MINOR) "." SPECOT__STR(
      SPECOT_VERSION_PATCH);
}

void specot_version_numbers(int *major, int *minor, int *patch) {
  if (major) *major = SPECOT_VERSION_MAJOR;
  if (minor) *minor = SPECOT_VERSION_MINOR;
  if (patch) *patch = SPECOT_VERSION_PATCH;
}

specot_ctx *specot_ctx_alloc(void) {
  specot_ctx *ctx = calloc(1, sizeof *ctx);
  return ctx;
}

void specot_ctx_free(specot_ctx *ctx) { free(ctx); }

const char *specot_ctx_errmsg(const specot_ctx *ctx) { return ctx ? ctx->msg : ""; }

specot_status specot_ctx_status(const specot_ctx *ctx) { return ctx ? ctx->status : SPECOT_OK; }

void specot_ctx_clear(specot_ctx *ctx) {
  if (!ctx) return;
  ctx->status = SPECOT_OK;
  ctx->msg[0] = '\0';
}

void specot__ctx_reset(specot_ctx *ctx) { specot_ctx_clear(ctx); }

void specot_ctx_set_cancel(specot_ctx *ctx, volatile const int *flag) {
  if (ctx) ctx->cancel = flag;
}

int specot__cancelled(const specot_ctx *ctx) { return ctx && ctx->cancel && *ctx->cancel != 0; }

specot_status specot__fail(specot_ctx *ctx, specot_status status, const char *fmt, ...) {
  if (ctx) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
    ctx->status = status;
  }
  return status;
}
