/* NumPy .npy reader (v1/v2/v3; f8, f4, i4, i8 in either byte order; C order)
 * and writer (v1.0, '<f8'). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

typedef enum { KIND_FLOAT, KIND_INT } value_kind;

typedef struct npy_header {
  value_kind kind;
  size_t itemsize;
  int big_endian;
  int ndim;
  size_t shape[2];
} npy_header;

static int host_is_big_endian(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 0;
}

/* Finds the value text after 'key': in the header dict. */
static const char *find_key(const char *hdr, const char *key) {
  char pattern[32];
  snprintf(pattern, sizeof pattern, "'%s'", key);
  const char *p = strstr(hdr, pattern);
  if (!p) {
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    p = strstr(hdr, pattern);
  }
  if (!p) return NULL;
  p += strlen(pattern);
  while (*p == ' ') ++p;
  if (*p != ':') return NULL;
  ++p;
  while (*p == ' ') ++p;
  return p;
}

static specot_status parse_descr(specot_ctx *ctx, const char *path, const char *p, npy_header *h) {
  if (*p != '\'' && *p != '"')
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "%s: structured dtype in .npy header is not supported (need a plain numeric "
                        "dtype)", path);
  const char quote = *p++;
  char descr[16];
  size_t len = 0;
  while (p[len] && p[len] != quote && len < sizeof descr - 1) {
    descr[len] = p[len];
    ++len;
  }
  descr[len] = '\0';
  if (len < 2) return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: bad dtype in .npy header", path);
  const char order = descr[0];
  const char *code = descr + 1;
  if (order == '|' && (strcmp(code, "O") == 0 || code[0] == 'O'))
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "%s: object dtype (Python objects) cannot be read; save a numeric array",
                        path);
  if (order != '<' && order != '>' && order != '=' && order != '|')
    return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: bad dtype '%s' in .npy header", path, descr);
  h->big_endian = order == '>' || (order == '=' && host_is_big_endian());
  if (strcmp(code, "f8") == 0) h->kind = KIND_FLOAT, h->itemsize = 8;
  else if (strcmp(code, "f4") == 0) h->kind = KIND_FLOAT, h->itemsize = 4;
  else if (strcmp(code, "i8") == 0) h->kind = KIND_INT, h->itemsize = 8;
  else if (strcmp(code, "i4") == 0) h->kind = KIND_INT, h->itemsize = 4;
  else
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "%s: unsupported dtype '%s' (supported: float64, float32, int32, int64)",
                        path, descr);
  return SPECOT_OK;
}

static specot_status parse_shape(specot_ctx *ctx, const char *path, const char *p, npy_header *h) {
  if (*p != '(') return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: bad shape in .npy header", path);
  ++p;
  h->ndim = 0;
  for (;;) {
    while (*p == ' ' || *p == ',') ++p;
    if (*p == ')') break;
    if (!isdigit((unsigned char)*p))
      return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: bad shape in .npy header", path);
    errno = 0;
    char *end = NULL;
    const unsigned long long v = strtoull(p, &end, 10);
    if (errno == ERANGE)
      return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "%s: shape entry too large", path);
    if (h->ndim >= 2)
      return specot__fail(ctx, SPECOT_ERR_FORMAT,
                          "%s: arrays with more than 2 dimensions are not supported", path);
    h->shape[h->ndim++] = (size_t)v;
    p = end;
    while (*p == 'L') ++p; /* Python 2 long suffix */
  }
  return SPECOT_OK;
}

static specot_status parse_header(specot_ctx *ctx, const char *path, const char *hdr,
                                  npy_header *h) {
  const char *descr = find_key(hdr, "descr");
  const char *fortran = find_key(hdr, "fortran_order");
  const char *shape = find_key(hdr, "shape");
  if (!descr || !fortran || !shape)
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "%s: .npy header lacks 'descr', 'fortran_order' or 'shape'", path);
  specot_status st = parse_descr(ctx, path, descr, h);
  if (st != SPECOT_OK) return st;
  if (strncmp(fortran, "True", 4) == 0)
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "%s: Fortran-ordered array; save it in C order (numpy.ascontiguousarray)",
                        path);
  if (strncmp(fortran, "False", 5) != 0)
    return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: bad fortran_order in .npy header", path);
  return parse_shape(ctx, path, shape, h);
}

static double decode(const unsigned char *src, const npy_header *h, int swap) {
  unsigned char b[8];
  for (size_t i = 0; i < h->itemsize; ++i) b[i] = swap ? src[h->itemsize - 1 - i] : src[i];
  if (h->kind == KIND_FLOAT) {
    if (h->itemsize == 8) {
      double v;
      memcpy(&v, b, 8);
      return v;
    }
    float f;
    memcpy(&f, b, 4);
    return (double)f;
  }
  if (h->itemsize == 8) {
    int64_t v;
    memcpy(&v, b, 8);
    return (double)v;
  }
  int32_t v;
  memcpy(&v, b, 4);
  return (double)v;
}

static specot_status read_header(specot_ctx *ctx, const char *path, FILE *fp, npy_header *h) {
  unsigned char pre[10];
  if (fread(pre, 1, 8, fp) != 8 || memcmp(pre, npy_magic, 6) != 0)
    return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: not a .npy file (bad magic string)", path);
  const int major = pre[6];
  size_t hlen;
  if (major == 1) {
    if (fread(pre, 1, 2, fp) != 2)
      return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: truncated .npy header", path);
    hlen = (size_t)pre[0] | ((size_t)pre[1] << 8);
  } else if (major == 2 || major == 3) {
    if (fread(pre, 1, 4, fp) != 4)
      return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: truncated .npy header", path);
    hlen = (size_t)pre[0] | ((size_t)pre[1] << 8) | ((size_t)pre[2] << 16) | ((size_t)pre[3] << 24);
  } else {
    return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: unsupported .npy version %d.%d", path,
                        major, pre[7]);
  }
  if (hlen > (1u << 24))
    return specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: implausible .npy header length", path);
  char *hdr = malloc(hlen + 1);
  if (!hdr) return specot__fail(ctx, SPECOT_ERR_NOMEM, "%s: out of memory", path);
  specot_status st = SPECOT_OK;
  if (fread(hdr, 1, hlen, fp) != hlen) {
    st = specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: truncated .npy header", path);
  } else {
    hdr[hlen] = '\0';
    st = parse_header(ctx, path, hdr, h);
  }
  free(hdr);
  return st;
}

/* Bytes from the current position to the end of the file; SIZE_MAX when the
 * stream cannot seek (then the reader's own truncation check applies). */
static size_t bytes_left(FILE *fp) {
  const long here = ftell(fp);
  if (here < 0 || fseek(fp, 0, SEEK_END) != 0) return SIZE_MAX;
  const long end = ftell(fp);
  if (end < 0 || fseek(fp, here, SEEK_SET) != 0) return SIZE_MAX;
  return end >= here ? (size_t)(end - here) : 0;
}

specot_status specot__npy_read(specot_ctx *ctx, const char *path, specot_array *out) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return specot__fail(ctx, SPECOT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  npy_header h;
  memset(&h, 0, sizeof h);
  specot_status st = read_header(ctx, path, fp, &h);
  if (st != SPECOT_OK) {
    fclose(fp);
    return st;
  }
  const size_t rows = h.ndim == 0 ? 1 : h.shape[0];
  const size_t cols = h.ndim == 2 ? h.shape[1] : 1;
  size_t len, bytes, out_bytes;
  if (specot__mul_size(rows, cols, &len) != 0 || specot__mul_size(len, h.itemsize, &bytes) != 0 ||
      specot__mul_size(len, sizeof(double), &out_bytes) != 0) {
    fclose(fp);
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "%s: array too large", path);
  }
  /* A corrupt or hostile header may announce far more data than the file
   * holds: compare with the file size before allocating (seekable files). */
  const size_t avail = bytes_left(fp);
  if (avail < bytes) {
    fclose(fp);
    return specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "%s: truncated data: header announces %zu values, file holds %zu", path,
                        len, avail / h.itemsize);
  }
  double *data = malloc(len ? len * sizeof(double) : 1);
  if (!data) {
    fclose(fp);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "%s: out of memory for %zu values", path, len);
  }
  const int swap = h.big_endian != host_is_big_endian();
  unsigned char buf[8 * 512];
  const size_t per = sizeof buf / h.itemsize;
  size_t done = 0;
  while (done < len) {
    const size_t want = len - done < per ? len - done : per;
    const size_t got = fread(buf, h.itemsize, want, fp);
    for (size_t k = 0; k < got; ++k) data[done + k] = decode(buf + k * h.itemsize, &h, swap);
    done += got;
    if (got < want) {
      free(data);
      fclose(fp);
      return specot__fail(ctx, SPECOT_ERR_FORMAT,
                          "%s: truncated data: header announces %zu values, file holds %zu", path,
                          len, done);
    }
  }
  fclose(fp);
  out->data = data;
  out->rows = rows;
  out->cols = cols;
  out->ndim = h.ndim;
  return SPECOT_OK;
}

specot_status specot__npy_write(specot_ctx *ctx, const char *path, const double *data, size_t rows,
                                size_t cols, int ndim) {
  char dict[160];
  if (ndim == 2)
    snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }",
             rows, cols);
  else if (ndim == 1)
    snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu,), }",
             rows * cols);
  else
    snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }");
  /* Pad with spaces so that magic + 4 + header (ending in '\n') is a multiple of 64. */
  const size_t dlen = strlen(dict);
  const size_t total = ((10 + dlen + 1 + 63) / 64) * 64;
  const size_t hlen = total - 10;
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
  pre[8] = (unsigned char)(hlen & 0xff);
  pre[9] = (unsigned char)(hlen >> 8);
  specot__atomic_file af;
  specot_status st = specot__atomic_open(ctx, path, &af);
  if (st != SPECOT_OK) return st;
  int ok = fwrite(pre, 1, 10, af.fp) == 10 && fwrite(dict, 1, dlen, af.fp) == dlen;
  for (size_t i = dlen; ok && i + 1 < hlen; ++i) ok = fputc(' ', af.fp) != EOF;
  ok = ok && fputc('\n', af.fp) != EOF;
  const size_t len = rows * cols;
  if (ok && !host_is_big_endian()) {
    ok = fwrite(data, sizeof(double), len, af.fp) == len;
  } else {
    for (size_t k = 0; ok && k < len; ++k) {
      unsigned char b[8], r[8];
      memcpy(b, &data[k], 8);
      for (int i = 0; i < 8; ++i) r[i] = b[7 - i];
      ok = fwrite(r, 1, 8, af.fp) == 8;
    }
  }
  if (!ok) specot__fail(ctx, SPECOT_ERR_IO, "%s: write failed", path);
  st = specot__atomic_close(ctx, &af, ok);
  return ok ? st : SPECOT_ERR_IO;
}
