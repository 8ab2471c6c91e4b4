/* Text/CSV arrays: cells separated by commas and/or whitespace, '#' comments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

typedef struct growing {
  double *data;
  size_t len;
  size_t cap;
} growing;

static int push(growing *g, double v) {
  if (g->len == g->cap) {
    const size_t cap = g->cap ? 2 * g->cap : 256;
    if (cap > SIZE_MAX / sizeof(double)) return -1;
    double *p = realloc(g->data, cap * sizeof(double));
    if (!p) return -1;
    g->data = p;
    g->cap = cap;
  }
  g->data[g->len++] = v;
  return 0;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/* Parses one line into g; returns the number of cells, or -1 (malformed) or -2
 * (out of memory) with the message set. */
static long parse_line(specot_ctx *ctx, const char *path, char *line, size_t lineno, growing *g) {
  char *hash = strchr(line, '#');
  if (hash) *hash = '\0';
  char *p = line;
  long cells = 0;
  int expect_cell = 0; /* after a comma a cell must follow */
  for (;;) {
    while (is_space(*p)) ++p;
    if (*p == '\0') {
      if (expect_cell) {
        specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: line %zu, column %ld: empty cell", path, lineno,
                     cells + 1);
        return -1;
      }
      return cells;
    }
    if (*p == ',') {
      specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: line %zu, column %ld: empty cell", path, lineno,
                   cells + 1);
      return -1;
    }
    char *end = NULL;
    errno = 0;
    const double v = strtod(p, &end);
    if (end == p || (*end && !is_space(*end) && *end != ',')) {
      char cell[32];
      size_t k = 0;
      while (p[k] && !is_space(p[k]) && p[k] != ',' && k < sizeof cell - 1) {
        cell[k] = p[k];
        ++k;
      }
      cell[k] = '\0';
      specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: line %zu, column %ld: '%s' is not a number", path,
                   lineno, cells + 1, cell);
      return -1;
    }
    if (push(g, v) != 0) {
      specot__fail(ctx, SPECOT_ERR_NOMEM, "%s: out of memory", path);
      return -2;
    }
    ++cells;
    p = end;
    while (is_space(*p)) ++p;
    expect_cell = 0;
    if (*p == ',') {
      ++p;
      expect_cell = 1;
    }
  }
}

specot_status specot__text_read(specot_ctx *ctx, const char *path, specot_array *out) {
  FILE *fp = fopen(path, "r");
  if (!fp) return specot__fail(ctx, SPECOT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  growing g = {NULL, 0, 0};
  char *line = NULL;
  size_t linecap = 0, lineno = 0, rows = 0;
  long cols = -1;
  specot_status st = SPECOT_OK;
  while (getline(&line, &linecap, fp) >= 0) {
    ++lineno;
    const long cells = parse_line(ctx, path, line, lineno, &g);
    if (cells < 0) {
      st = cells == -2 ? SPECOT_ERR_NOMEM : SPECOT_ERR_FORMAT;
      break;
    }
    if (cells == 0) continue;
    if (cols < 0) cols = cells;
    if (cells != cols) {
      st = specot__fail(ctx, SPECOT_ERR_FORMAT,
                        "%s: line %zu has %ld cells but earlier rows have %ld (ragged rows)", path,
                        lineno, cells, cols);
      break;
    }
    ++rows;
  }
  if (st == SPECOT_OK && ferror(fp))
    st = specot__fail(ctx, SPECOT_ERR_IO, "%s: read error", path);
  free(line);
  fclose(fp);
  if (st == SPECOT_OK && rows == 0)
    st = specot__fail(ctx, SPECOT_ERR_FORMAT, "%s: empty file (no numeric rows)", path);
  if (st != SPECOT_OK) {
    free(g.data);
    return st;
  }
  out->data = g.data;
  out->rows = rows;
  out->cols = (size_t)cols;
  out->ndim = 2;
  return SPECOT_OK;
}

specot_status specot__text_write(specot_ctx *ctx, const char *path, const double *data,
                                 size_t rows, size_t cols) {
  specot__atomic_file af;
  specot_status st = specot__atomic_open(ctx, path, &af);
  if (st != SPECOT_OK) return st;
  int ok = 1;
  for (size_t i = 0; ok && i < rows; ++i) {
    for (size_t j = 0; ok && j < cols; ++j)
      ok = fprintf(af.fp, j ? ",%.17g" : "%.17g", data[i * cols + j]) > 0;
    ok = ok && fputc('\n', af.fp) != EOF;
  }
  if (!ok) specot__fail(ctx, SPECOT_ERR_IO, "%s: write failed", path);
  st = specot__atomic_close(ctx, &af, ok);
  return ok ? st : SPECOT_ERR_IO;
}
