/* The 8x8 digits set of scikit-learn, read from its gzip CSV with zlib. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"
#include "specot/aeot.h"

enum { DIGITS_COLS = 65, LINE_MAX_LEN = 4096 };

int specot_aeot_digits_find(char *buf, size_t len) {
  static const char *const paths[] = {SPECOT_AEOT_DIGITS_PATHS};
  const char *env = getenv("SPECOT_DIGITS");
  if (buf && len) buf[0] = '\0';
  const char *cands[8];
  size_t nc = 0;
  if (env && *env) cands[nc++] = env;
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; ++i) cands[nc++] = paths[i];
  for (size_t i = 0; i < nc; ++i) {
    FILE *f = fopen(cands[i], "rb");
    if (!f) continue;
    fclose(f);
    if (buf && len) snprintf(buf, len, "%s", cands[i]);
    return 1;
  }
  return 0;
}

/* Parses one line of 65 integers; returns the count parsed or -1 on a bad cell. */
static int parse_row(char *line, double *row) {
  int count = 0;
  char *p = line;
  while (*p && *p != '\n' && *p != '\r') {
    if (count == DIGITS_COLS) return -1;
    char *end;
    errno = 0;
    const double v = strtod(p, &end);
    if (end == p || errno) return -1;
    row[count++] = v;
    p = end;
    while (*p == ' ' || *p == '\t') ++p;
    if (*p == ',') ++p;
  }
  return count;
}

specot_status specot_aeot_digits_load(specot_ctx *ctx, const char *path, specot_array *X,
                                      specot_array *labels) {
  specot__ctx_reset(ctx);
  if (!path || !X || !labels) return specot__fail(ctx, SPECOT_ERR_INVALID, "digits: NULL argument");
  memset(X, 0, sizeof *X), memset(labels, 0, sizeof *labels);
  gzFile gz = gzopen(path, "rb");
  if (!gz) return specot__fail(ctx, SPECOT_ERR_IO, "digits: cannot open '%s'", path);
  size_t cap = 2048, rows = 0;
  double *pix = malloc(cap * 64 * sizeof *pix), *lab = malloc(cap * sizeof *lab);
  char *line = malloc(LINE_MAX_LEN);
  specot_status st = SPECOT_OK;
  if (!pix || !lab || !line) st = specot__fail(ctx, SPECOT_ERR_NOMEM, "digits: out of memory");
  double row[DIGITS_COLS];
  while (!st && gzgets(gz, line, LINE_MAX_LEN)) {
    int zcheck = Z_OK;
    gzerror(gz, &zcheck);
    if (zcheck != Z_OK && zcheck != Z_STREAM_END) break; /* a partial last line: reported below */
    if (line[0] == '\n' || line[0] == '\0') continue;
    const int c = parse_row(line, row);
    if (c != DIGITS_COLS) {
      st = specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "digits '%s': line %zu has %s (expected 65 numbers: 64 pixels and a label)",
                        path, rows + 1,
                        c < 0 ? "a non-numeric cell or too many cells" : "too few cells");
      break;
    }
    for (int k = 0; k < 64 && !st; ++k)
      if (!(row[k] >= 0 && row[k] <= 16))
        st = specot__fail(ctx, SPECOT_ERR_FORMAT,
                          "digits '%s': line %zu pixel %d = %g outside 0..16", path, rows + 1, k,
                          row[k]);
    if (!st && !(row[64] >= 0 && row[64] <= 9 && row[64] == (double)(int)row[64]))
      st = specot__fail(ctx, SPECOT_ERR_FORMAT, "digits '%s': line %zu label %g is not 0..9", path,
                        rows + 1, row[64]);
    if (st) break;
    if (rows == cap) {
      cap *= 2;
      double *p2 = realloc(pix, cap * 64 * sizeof *pix),
             *l2 = p2 ? realloc(lab, cap * sizeof *lab) : NULL;
      if (p2) pix = p2;
      if (l2) lab = l2;
      if (!p2 || !l2) {
        st = specot__fail(ctx, SPECOT_ERR_NOMEM, "digits: out of memory");
        break;
      }
    }
    memcpy(pix + rows * 64, row, 64 * sizeof *pix);
    lab[rows++] = row[64];
  }
  int zerr = Z_OK;
  const char *zmsg = gzerror(gz, &zerr);
  if (!st && zerr != Z_OK && zerr != Z_STREAM_END)
    st = specot__fail(ctx, SPECOT_ERR_FORMAT,
                      "digits '%s': corrupt or truncated gzip after %zu rows (zlib: %s)", path,
                      rows, zmsg ? zmsg : "error");
  gzclose(gz);
  if (!st && rows == 0)
    st = specot__fail(ctx, SPECOT_ERR_FORMAT, "digits '%s': no data rows", path);
  free(line);
  if (st) {
    free(pix), free(lab);
    return st;
  }
  X->data = pix, X->rows = rows, X->cols = 64, X->ndim = 2;
  labels->data = lab, labels->rows = rows, labels->cols = 1, labels->ndim = 1;
  return SPECOT_OK;
}
