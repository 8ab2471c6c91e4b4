/* Atomic checkpoint files of a flow: binary, native byte order.
 * Layout: "SPOTFLW1", 13 uint64 (version, n, d, method, step, rises,
 * violations, rng s[4], rng has_spare, reserved), 6 doubles (max_rise, dt,
 * distance, step_norm, dissipation, rng spare), X (n*d), aux (n*d), and an
 * FNV-1a 64 checksum of everything before it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow_state.h"

#define CKPT_MAGIC "SPOTFLW1"
#define CKPT_VERSION 1u
enum { CKPT_NU64 = 13, CKPT_NDBL = 6 };

static uint64_t fnv(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static int put(FILE *fp, uint64_t *h, const void *data, size_t len) {
  *h = fnv(*h, data, len);
  return fwrite(data, 1, len, fp) == len ? 0 : -1;
}

specot_status specot_flow_checkpoint_write(specot_ctx *ctx, const specot_flow *f, const char *path) {
  specot__ctx_reset(ctx);
  if (!f || !path) return specot__fail(ctx, SPECOT_ERR_INVALID, "checkpoint: NULL argument");
  const size_t len = strlen(path);
  char *tmp = malloc(len + 16);
  if (!tmp) return specot__fail(ctx, SPECOT_ERR_NOMEM, "checkpoint: out of memory");
  memcpy(tmp, path, len);
  memcpy(tmp + len, ".tmp.XXXXXX", 12);
  const int fd = mkstemp(tmp);
  if (fd < 0) {
    const int err = errno;
    free(tmp);
    return specot__fail(ctx, SPECOT_ERR_IO, "checkpoint: cannot create a temporary file for '%s': %s", path,
                        strerror(err));
  }
  FILE *fp = fdopen(fd, "wb");
  if (!fp) {
    close(fd);
    unlink(tmp);
    free(tmp);
    return specot__fail(ctx, SPECOT_ERR_IO, "checkpoint: cannot open '%s' for writing", path);
  }
  const uint64_t u[CKPT_NU64] = {CKPT_VERSION, f->n, f->d, (uint64_t)f->o.method, f->step,
                                 f->cnt.rises, f->cnt.inequality_violations, f->rng.s[0], f->rng.s[1],
                                 f->rng.s[2], f->rng.s[3], (uint64_t)f->rng.has_spare, 0};
  const double dv[CKPT_NDBL] = {f->cnt.max_rise, f->o.dt, f->distance, f->step_norm, f->dissipation,
                                f->rng.spare};
  uint64_t h = 14695981039346656037ull;
  const size_t nd = f->n * f->d;
  int bad = put(fp, &h, CKPT_MAGIC, 8);
  bad |= put(fp, &h, u, sizeof u);
  bad |= put(fp, &h, dv, sizeof dv);
  bad |= put(fp, &h, f->x, nd * sizeof(double));
  bad |= put(fp, &h, f->aux, nd * sizeof(double));
  bad |= fwrite(&h, sizeof h, 1, fp) != 1;
  bad |= fflush(fp) != 0;
  bad |= fsync(fileno(fp)) != 0;
  bad |= fclose(fp) != 0;
  if (bad || rename(tmp, path) != 0) {
    const int err = errno;
    unlink(tmp);
    free(tmp);
    return specot__fail(ctx, SPECOT_ERR_IO, "checkpoint: cannot write '%s': %s", path, strerror(err));
  }
  free(tmp);
  return SPECOT_OK;
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
  if (!fp) return specot__fail(ctx, SPECOT_ERR_IO, "checkpoint: cannot open '%s': %s", path, strerror(errno));
  char magic[8];
  uint64_t u[CKPT_NU64], h = 14695981039346656037ull, stored;
  double dv[CKPT_NDBL];
  specot_status st = SPECOT_OK;
  if (get(fp, &h, magic, 8) != 0 || memcmp(magic, CKPT_MAGIC, 8) != 0) {
    st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' is not a specot flow checkpoint", path);
  } else if (get(fp, &h, u, sizeof u) != 0 || get(fp, &h, dv, sizeof dv) != 0) {
    st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' is truncated", path);
  } else if (u[0] != CKPT_VERSION) {
    st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' has version %llu, expected %u", path,
                      (unsigned long long)u[0], CKPT_VERSION);
  } else if (u[1] != f->n || u[2] != f->d || u[3] != (uint64_t)f->o.method) {
    st = specot__fail(ctx, SPECOT_ERR_INVALID,
                      "checkpoint: '%s' holds %llu x %llu particles with method %llu; the flow has %zu x %zu, method %d",
                      path, (unsigned long long)u[1], (unsigned long long)u[2], (unsigned long long)u[3], f->n,
                      f->d, (int)f->o.method);
  } else {
    const size_t nd = f->n * f->d;
    /* Read into the candidate buffers so that a bad file leaves the flow intact. */
    if (get(fp, &h, f->xnew, nd * sizeof(double)) != 0 || get(fp, &h, f->auxnew, nd * sizeof(double)) != 0 ||
        fread(&stored, sizeof stored, 1, fp) != 1) {
      st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' is truncated", path);
    } else if (stored != h) {
      st = specot__fail(ctx, SPECOT_ERR_FORMAT, "checkpoint: '%s' fails its checksum (corrupt)", path);
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
