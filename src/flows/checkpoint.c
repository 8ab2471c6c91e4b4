/* Atomic checkpoint files of a flow: binary, native byte order.
 * Layout: "SPOTFLW1", 13 uint64 (version, n, d, method, step, rises,
 * violations, rng s[4], rng has_spare, options fingerprint), 6 doubles
 * (max_rise, dt, distance, step_norm, dissipation, rng spare), X (n*d), aux
 * (n*d), and an FNV-1a 64 checksum of everything before it.  The options
 * fingerprint hashes every option that shapes the trajectory, so a resume with
 * other options is refused instead of silently changing the trajectory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flow_state.h"

#define CKPT_MAGIC "SPOTFLW1"
#define CKPT_VERSION 2u
enum { CKPT_NU64 = 13, CKPT_NDBL = 6 };

static uint64_t fnv(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* FNV-1a hash of the options that determine the trajectory (not rise_rtol,
 * which only affects a diagnostic counter). */
static uint64_t options_fingerprint(const specot_flow_opts *o) {
  uint64_t h = 14695981039346656037ull;
  const uint64_t ints[4] = {(uint64_t)o->method, (uint64_t)o->gauge, (uint64_t)o->kinetic,
                            (uint64_t)o->nblocks};
  const double reals[7] = {o->p, o->dt, o->tau, o->gamma, o->eps, o->max_step, o->clamp};
  h = fnv(h, ints, sizeof ints);
  h = fnv(h, reals, sizeof reals);
  h = fnv(h, o->blocks, sizeof o->blocks);
  return fnv(h, o->block_rows, sizeof o->block_rows);
}

static int put(FILE *fp, uint64_t *h, const void *data, size_t len) {
  *h = fnv(*h, data, len);
  return fwrite(data, 1, len, fp) == len ? 0 : -1;
}

specot_status specot_flow_checkpoint_write(specot_ctx *ctx, const specot_flow *f,
                                           const char *path) {
  specot__ctx_reset(ctx);
  if (!f || !path) return specot__fail(ctx, SPECOT_ERR_INVALID, "checkpoint: NULL argument");
  specot__atomic_file af;
  const specot_status st = specot__atomic_open(ctx, path, &af);
  if (st != SPECOT_OK) return st;
  FILE *fp = af.fp;
  const uint64_t u[CKPT_NU64] = {CKPT_VERSION,
                                 f->n,
                                 f->d,
                                 (uint64_t)f->o.method,
                                 f->step,
                                 f->cnt.rises,
                                 f->cnt.inequality_violations,
                                 f->rng.s[0],
                                 f->rng.s[1],
                                 f->rng.s[2],
                                 f->rng.s[3],
                                 (uint64_t)f->rng.has_spare,
                                 options_fingerprint(&f->o)};
  const double dv[CKPT_NDBL] = {f->cnt.max_rise, f->o.dt,        f->distance,
                                f->step_norm,    f->dissipation, f->rng.spare};
  uint64_t h = 14695981039346656037ull;
  const size_t nd = f->n * f->d;
  int bad = put(fp, &h, CKPT_MAGIC, 8);
  bad |= put(fp, &h, u, sizeof u);
  bad |= put(fp, &h, dv, sizeof dv);
  bad |= put(fp, &h, f->x, nd * sizeof(double));
  bad |= put(fp, &h, f->aux, nd * sizeof(double));
  bad |= fwrite(&h, sizeof h, 1, fp) != 1;
  if (bad) specot__fail(ctx, SPECOT_ERR_IO, "checkpoint: cannot write '%s' (disk full?)", path);
  const specot_status closed = specot__atomic_close(ctx, &af, !bad);
  return bad ? SPECOT_ERR_IO : closed;
}

static int get(FILE *fp, uint64_t *h, void *data, size_t len) {
  if (fread(data, 1, len, fp) != len) return -1;
  *h = fnv(*h, data, len);
  return 0;
}

specot_status specot_flow_checkpoint_read(specot_ctx *ctx, specot_flow *f, const char *path) {
  specot__ctx_reset(ctx);
  if (!f || !path) return specot__fail(ctx, SPECOT_ERR_INVALID, "checkpoint: NULL argument");
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return specot__fail(ctx, SPECOT_ERR_IO, "checkpoint: cannot open '%s': %s", path,
                        strerror(errno));
  char magic[8];
  uint64_t u[CKPT_NU64], h = 14695981039346656037ull, stored;
  double dv[CKPT_NDBL];
  specot_status st = SPECOT_OK;
  if (get(fp, &h, magic, 8) != 0 || memcmp(magic, CKPT_MAGIC, 8) != 0) {
    st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' is not a specot flow checkpoint",
                      path);
  } else if (get(fp, &h, u, sizeof u) != 0 || get(fp, &h, dv, sizeof dv) != 0) {
    st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' is truncated", path);
  } else if (u[0] != CKPT_VERSION) {
    st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' has version %llu, expected %u",
                      path, (unsigned long long)u[0], CKPT_VERSION);
  } else if (u[1] != f->n || u[2] != f->d || u[3] != (uint64_t)f->o.method) {
    st = specot__fail(ctx, SPECOT_ERR_INVALID,
                      "checkpoint: '%s' holds %llu x %llu particles with method %llu; the flow has "
                      "%zu x %zu, method %d",
                      path, (unsigned long long)u[1], (unsigned long long)u[2],
                      (unsigned long long)u[3], f->n, f->d, (int)f->o.method);
  } else if (u[12] != options_fingerprint(&f->o)) {
    st = specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "checkpoint: '%s' was written with other flow options (p, dt, method "
        "parameters, blocks or safeguards); resume with the options of the original run",
        path);
  } else {
    const size_t nd = f->n * f->d;
    /* Read into the candidate buffers so that a bad file leaves the flow intact. */
    if (get(fp, &h, f->xnew, nd * sizeof(double)) != 0 ||
        get(fp, &h, f->auxnew, nd * sizeof(double)) != 0 ||
        fread(&stored, sizeof stored, 1, fp) != 1) {
      st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' is truncated", path);
    } else if (stored != h) {
      st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' fails its checksum (corrupt)",
                        path);
    }
  }
  fclose(fp);
  if (st) return st;
  const size_t nd = f->n * f->d;
  memcpy(f->x, f->xnew, nd * sizeof(double));
  memcpy(f->aux, f->auxnew, nd * sizeof(double));
  f->step = u[4];
  f->cnt.rises = u[5];
  f->cnt.inequality_violations = u[6];
  for (int k = 0; k < 4; ++k) f->rng.s[k] = u[7 + k];
  f->rng.has_spare = (int)u[11];
  f->cnt.max_rise = dv[0];
  f->distance = dv[2];
  f->step_norm = dv[3];
  f->dissipation = dv[4];
  f->rng.spare = dv[5];
  return flows_refresh(ctx, f);
}

specot_status specot_flow_checkpoint_info(specot_ctx *ctx, const char *path, uint64_t *step,
                                          size_t *n, size_t *d) {
  specot__ctx_reset(ctx);
  if (!path || !step) return specot__fail(ctx, SPECOT_ERR_INVALID, "checkpoint: NULL argument");
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return specot__fail(ctx, SPECOT_ERR_IO, "checkpoint: cannot open '%s': %s", path,
                        strerror(errno));
  char magic[8];
  uint64_t u[CKPT_NU64];
  const int ok = fread(magic, 1, 8, fp) == 8 && fread(u, sizeof u, 1, fp) == 1;
  fclose(fp);
  if (!ok || memcmp(magic, CKPT_MAGIC, 8) != 0)
    return specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' is not a specot flow checkpoint",
                        path);
  if (u[0] != CKPT_VERSION)
    return specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' has version %llu, expected %u",
                        path, (unsigned long long)u[0], CKPT_VERSION);
  *step = u[4];
  if (n) *n = (size_t)u[1];
  if (d) *d = (size_t)u[2];
  return SPECOT_OK;
}
