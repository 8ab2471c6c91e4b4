/*
 * Saving and loading a memory: a directory with manifest.json (format name,
 * version, sizes, parameters) and one pattern_NNNN.npy / weights_NNNN.npy
 * pair per pattern.  The manifest is written last and parsed strictly
 * (a small JSON reader for this one layout: an object of numbers, strings
 * and arrays of numbers).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "memory_internal.h"
#include "specot/io.h"

#define AMEM_FORMAT "specot-memory"
#define AMEM_VERSION 1

static int path_of(char *buf, size_t len, const char *dir, const char *name, size_t k) {
  int w = k == (size_t)-1 ? snprintf(buf, len, "%s/%s", dir, name)
                          : snprintf(buf, len, "%s/%s_%04zu.npy", dir, name, k);
  return w > 0 && (size_t)w < len;
}

specot_status specot_amem_save(specot_ctx *ctx, const specot_amem *mem, const char *dir) {
  specot__ctx_reset(ctx);
  if (!mem || !dir || !*dir)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: save needs a memory and a directory");
  struct stat sb;
  if (stat(dir, &sb) == 0) {
    if (!S_ISDIR(sb.st_mode))
      return specot__fail(ctx, SPECOT_ERR_IO, "memory: %s exists and is not a directory", dir);
  } else if (mkdir(dir, 0777) != 0) {
    return specot__fail(ctx, SPECOT_ERR_IO, "memory: cannot create directory %s: %s", dir,
                        strerror(errno));
  }
  char path[4096];
  specot_status st;
  for (size_t k = 0; k < mem->K; ++k) {
    if (!path_of(path, sizeof path, dir, "pattern", k))
      return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: directory name too long");
    if ((st = specot_io_write(ctx, path, mem->Y + mem->off[k] * mem->d, mem->n[k], mem->d, 2)))
      return st;
    path_of(path, sizeof path, dir, "weights", k);
    if ((st = specot_io_write(ctx, path, mem->b + mem->off[k], mem->n[k], 1, 1))) return st;
  }
  if (!path_of(path, sizeof path, dir, "manifest.json", (size_t)-1))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: directory name too long");
  specot__atomic_file af;
  if ((st = specot__atomic_open(ctx, path, &af))) return st;
  FILE *fp = af.fp;
  fprintf(fp, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n", AMEM_FORMAT, AMEM_VERSION);
  fprintf(fp, "  \"K\": %zu,\n  \"d\": %zu,\n  \"eps\": %.17g,\n  \"beta\": %.17g,\n", mem->K,
          mem->d, mem->eps, mem->beta);
  fprintf(fp, "  \"cost\": \"0.5*|x-y|^2\",\n  \"sizes\": [");
  for (size_t k = 0; k < mem->K; ++k) fprintf(fp, "%s%zu", k ? ", " : "", mem->n[k]);
  fprintf(fp, "],\n  \"self_terms\": [");
  for (size_t k = 0; k < mem->K; ++k) fprintf(fp, "%s%.17g", k ? ", " : "", mem->self[k]);
  fprintf(fp, "],\n  \"sinkhorn_tol\": %.17g,\n  \"sinkhorn_max_iter\": %zu\n}\n", mem->sk.tol,
          mem->sk.max_iter);
  return specot__atomic_close(ctx, &af, !ferror(fp));
}

/* ---- manifest reader ---------------------------------------------------- */

typedef struct manifest {
  char format[64];
  double version, K, d, eps, beta, tol, max_iter;
  double *sizes;
  size_t nsizes;
  int have; /* bit mask of the keys seen */
} manifest;

enum { HAVE_FORMAT = 1, HAVE_VERSION = 2, HAVE_K = 4, HAVE_D = 8, HAVE_EPS = 16,
       HAVE_BETA = 32, HAVE_SIZES = 64, HAVE_TOL = 128, HAVE_MAXIT = 256 };

static const char *skip_ws(const char *s) {
  while (isspace((unsigned char)*s)) ++s;
  return s;
}

/* String without escapes into buf; returns the position after it or NULL. */
static const char *read_string(const char *s, char *buf, size_t len) {
  if (*s != '"') return NULL;
  ++s;
  size_t k = 0;
  while (*s && *s != '"') {
    if (*s == '\\' || k + 1 >= len) return NULL;
    buf[k++] = *s++;
  }
  if (*s != '"') return NULL;
  buf[k] = '\0';
  return s + 1;
}

static const char *read_number(const char *s, double *out) {
  char *end;
  errno = 0;
  *out = strtod(s, &end);
  if (end == s || errno == ERANGE || !isfinite(*out)) return NULL;
  return end;
}

/* Array of numbers; *out is malloc'ed (may be NULL for "[]"). */
static const char *read_numbers(const char *s, double **out, size_t *count) {
  size_t cap = 0, n = 0;
  double *v = NULL;
  s = skip_ws(s + 1);
  if (*s == ']') {
    *out = NULL;
    *count = 0;
    return s + 1;
  }
  for (;;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 16;
      double *nv = realloc(v, cap * sizeof(double));
      if (!nv) break;
      v = nv;
    }
    s = read_number(skip_ws(s), &v[n]);
    if (!s) break;
    ++n;
    s = skip_ws(s);
    if (*s == ']') {
      *out = v;
      *count = n;
      return s + 1;
    }
    if (*s != ',') break;
    ++s;
  }
  free(v);
  return NULL;
}

/* Parses the manifest text; returns NULL on success or a static reason. */
static const char *parse_manifest(const char *s, manifest *mf) {
  char key[64], sval[64];
  s = skip_ws(s);
  if (*s != '{') return "it does not start with '{'";
  s = skip_ws(s + 1);
  if (*s == '}') return "it is empty";
  for (;;) {
    if (!(s = read_string(s, key, sizeof key))) return "a key is not a plain string";
    s = skip_ws(s);
    if (*s != ':') return "':' expected after a key";
    s = skip_ws(s + 1);
    if (*s == '"') {
      if (!(s = read_string(s, sval, sizeof sval))) return "bad string value";
      if (!strcmp(key, "format")) {
        memcpy(mf->format, sval, sizeof mf->format);
        mf->have |= HAVE_FORMAT;
      }
    } else if (*s == '[') {
      double *v;
      size_t n;
      if (!(s = read_numbers(s, &v, &n))) return "bad array (numbers expected)";
      if (!strcmp(key, "sizes") && !(mf->have & HAVE_SIZES)) {
        mf->sizes = v;
        mf->nsizes = n;
        mf->have |= HAVE_SIZES;
      } else {
        free(v);
      }
    } else {
      double x;
      if (!(s = read_number(s, &x))) return "bad value (number, string or array expected)";
      static const struct { const char *name; int bit; size_t at; } keys[] = {
          {"version", HAVE_VERSION, offsetof(manifest, version)},
          {"K", HAVE_K, offsetof(manifest, K)},
          {"d", HAVE_D, offsetof(manifest, d)},
          {"eps", HAVE_EPS, offsetof(manifest, eps)},
          {"beta", HAVE_BETA, offsetof(manifest, beta)},
          {"sinkhorn_tol", HAVE_TOL, offsetof(manifest, tol)},
          {"sinkhorn_max_iter", HAVE_MAXIT, offsetof(manifest, max_iter)}};
      for (size_t q = 0; q < sizeof keys / sizeof keys[0]; ++q)
        if (!strcmp(key, keys[q].name)) {
          *(double *)(void *)((char *)mf + keys[q].at) = x;
          mf->have |= keys[q].bit;
        }
    }
    s = skip_ws(s);
    if (*s == '}') break;
    if (*s != ',') return "',' or '}' expected";
    s = skip_ws(s + 1);
  }
  if (*skip_ws(s + 1)) return "trailing characters after the object";
  return NULL;
}

static int whole(double x) { return x >= 0 && x == floor(x) && x < 9e15; }

/* Reads the whole file (NUL-terminated) or NULL with errno. */
static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n - 1, fp);
    if (n < cap - 1) break;
    char *nb = cap < (1u << 26) ? realloc(buf, 2 * cap) : NULL;
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  fclose(fp);
  if (buf) buf[n] = '\0';
  return buf;
}

static specot_status read_manifest(specot_ctx *ctx, const char *dir, manifest *mf) {
  char path[4096];
  if (!path_of(path, sizeof path, dir, "manifest.json", (size_t)-1))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: directory name too long");
  char *text = slurp(path);
  if (!text)
    return specot__fail(ctx, SPECOT_ERR_IO, "memory: %s is not a specot memory (no readable %s)",
                        dir, path);
  const char *why = parse_manifest(text, mf);
  free(text);
  if (why) return specot__fail(ctx, SPECOT_ERR_FORMAT, "memory: %s: malformed manifest: %s", path, why);
  const int need = HAVE_FORMAT | HAVE_VERSION | HAVE_K | HAVE_D | HAVE_EPS | HAVE_BETA | HAVE_SIZES;
  if (!(mf->have & HAVE_FORMAT) || strcmp(mf->format, AMEM_FORMAT))
    return specot__fail(ctx, SPECOT_ERR_FORMAT, "memory: %s: format is not \"%s\"", path,
                        AMEM_FORMAT);
  if ((mf->have & need) != need)
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "memory: %s: a key is missing (version, K, d, eps, beta, sizes)", path);
  if (mf->version != AMEM_VERSION)
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "memory: %s: version %g is not supported (this library reads %d)", path,
                        mf->version, AMEM_VERSION);
  if (!whole(mf->K) || !whole(mf->d) || mf->K < 1 || mf->d < 1 || mf->nsizes != (size_t)mf->K)
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "memory: %s: K = %g, d = %g and %zu sizes are inconsistent", path, mf->K,
                        mf->d, mf->nsizes);
  for (size_t k = 0; k < mf->nsizes; ++k)
    if (!whole(mf->sizes[k]) || mf->sizes[k] < 1)
      return specot__fail(ctx, SPECOT_ERR_FORMAT, "memory: %s: size %zu = %g is not a count >= 1",
                          path, k, mf->sizes[k]);
  return SPECOT_OK;
}

/* Reads pattern k's points and weights into Y / b at its offset, checking shapes. */
static specot_status read_pattern(specot_ctx *ctx, const char *dir, size_t k, size_t n, size_t d,
                                  double *Y, double *b) {
  char path[4096];
  specot_array arr;
  specot_status st;
  path_of(path, sizeof path, dir, "pattern", k);
  if ((st = specot_io_read(ctx, path, NULL, &arr))) return st;
  if (arr.rows != n || arr.cols != d) {
    const size_t rows = arr.rows, cols = arr.cols;
    specot_array_free(&arr);
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "memory: %s has shape %zu x %zu, the manifest says %zu x %zu", path, rows,
                        cols, n, d);
  }
  memcpy(Y, arr.data, n * d * sizeof(double));
  specot_array_free(&arr);
  path_of(path, sizeof path, dir, "weights", k);
  if ((st = specot_io_read(ctx, path, NULL, &arr))) return st;
  if (arr.rows * arr.cols != n || (arr.rows != 1 && arr.cols != 1)) {
    const size_t count = arr.rows * arr.cols;
    specot_array_free(&arr);
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "memory: %s holds %zu weights, the manifest says %zu", path, count, n);
  }
  memcpy(b, arr.data, n * sizeof(double));
  specot_array_free(&arr);
  return SPECOT_OK;
}

specot_status specot_amem_load(specot_ctx *ctx, const char *dir,
                               const specot_ot_sinkhorn_opts *sinkhorn, specot_amem **out) {
  specot__ctx_reset(ctx);
  if (!out || !dir)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: load needs a directory and an output");
  *out = NULL;
  manifest mf;
  memset(&mf, 0, sizeof mf);
  specot_status st = read_manifest(ctx, dir, &mf);
  size_t K = 0, d = 0, N = 0;
  size_t *n = NULL;
  double *Y = NULL, *b = NULL;
  if (!st) {
    K = (size_t)mf.K;
    d = (size_t)mf.d;
    n = malloc(K * sizeof(size_t));
    for (size_t k = 0; n && k < K; ++k) {
      n[k] = (size_t)mf.sizes[k];
      N += n[k];
    }
    if (N > SIZE_MAX / d / 2) st = specot__fail(ctx, SPECOT_ERR_FORMAT, "memory: sizes overflow");
  }
  if (!st) {
    Y = specot__alloc_doubles(N * d);
    b = specot__alloc_doubles(N);
    if (!n || !Y || !b) st = specot__fail(ctx, SPECOT_ERR_NOMEM, "memory: out of memory");
  }
  for (size_t k = 0, off = 0; !st && k < K; off += n[k], ++k)
    st = read_pattern(ctx, dir, k, n[k], d, Y + off * d, b + off);
  specot_ot_sinkhorn_opts saved;
  specot_amem_sinkhorn_defaults(&saved);
  if ((mf.have & HAVE_TOL) && mf.tol > 0.0) saved.tol = mf.tol;
  if ((mf.have & HAVE_MAXIT) && whole(mf.max_iter) && mf.max_iter >= 1)
    saved.max_iter = (size_t)mf.max_iter;
  if (!st) st = specot_amem_alloc(ctx, K, n, d, Y, b, mf.eps, mf.beta, sinkhorn ? sinkhorn : &saved, out);
  free(mf.sizes);
  free(n);
  specot__free(Y);
  specot__free(b);
  return st;
}
