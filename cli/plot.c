/* PNG pictures through PLplot's pngcairo device, written atomically. */
#include "plot.h"

#include <float.h>
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { PLOT_WIDTH = 1000, PLOT_HEIGHT = 700 };

/* Distinct line colours (cmap0 entries 2..). */
static const int palette[][3] = {{31, 119, 180}, {214, 39, 40},  {44, 160, 44},  {255, 127, 14},
                                 {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {23, 190, 207}};
enum { NPALETTE = sizeof palette / sizeof palette[0] };

char *cli_plot_tmp_name(const char *path) {
  const size_t len = strlen(path);
  char *tmp = malloc(len + 16);
  if (tmp) snprintf(tmp, len + 16, "%s.tmp%d.png", path, (int)(rand() % 100000));
  return tmp;
}

void cli_plot_begin(const char *tmp, int width, int height) {
  plsdev("pngcairo");
  plsfnam(tmp);
  char geometry[64];
  snprintf(geometry, sizeof geometry, "%dx%d", width, height);
  plsetopt("geometry", geometry);
  plscol0(0, 255, 255, 255); /* background */
  plscol0(1, 0, 0, 0);       /* axes and text */
  for (int i = 0; i < NPALETTE; ++i) plscol0(2 + i, palette[i][0], palette[i][1], palette[i][2]);
  plscol0(15, 160, 160, 160);
  plinit();
}

int cli_plot_finish(const char *tmp, const char *path) {
  plend();
  if (rename(tmp, path) != 0) {
    remove(tmp);
    fprintf(stderr, "specot: error: cannot write picture '%s'\n", path);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

static void range_of(const double *v, size_t n, int logy, double *lo, double *hi) {
  for (size_t i = 0; i < n; ++i) {
    double y = v[i];
    if (!isfinite(y) || (logy && y <= 0)) continue;
    if (logy) y = log10(y);
    if (y < *lo) *lo = y;
    if (y > *hi) *hi = y;
  }
}

int cli_plot_lines(const char *path, const char *title, const char *xlabel, const char *ylabel,
                   const cli_series *series, int nseries, int logy) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  size_t maxn = 0;
  for (int s = 0; s < nseries; ++s) {
    range_of(series[s].x, series[s].n, 0, &xlo, &xhi);
    range_of(series[s].y, series[s].n, logy, &ylo, &yhi);
    if (series[s].n > maxn) maxn = series[s].n;
  }
  /* No finite point at all (e.g. empty series): a unit box, since PLplot
   * loops forever on infinite window limits. */
  if (!(xlo <= xhi)) xlo = 0.0, xhi = 1.0;
  if (!(ylo <= yhi)) ylo = 0.0, yhi = 1.0;
  if (!(xlo < xhi)) xlo -= 0.5, xhi += 0.5;
  if (!(ylo < yhi)) ylo -= 0.5, yhi += 0.5;
  /* spans beyond DBL_MAX (values near +-1e308) would overflow the window too */
  xlo = fmax(xlo, -0.25 * DBL_MAX), xhi = fmin(xhi, 0.25 * DBL_MAX);
  ylo = fmax(ylo, -0.25 * DBL_MAX), yhi = fmin(yhi, 0.25 * DBL_MAX);
  const double pad = 0.05 * (yhi - ylo);
  char *tmp = cli_plot_tmp_name(path);
  double *xs = malloc((maxn + 1) * sizeof *xs), *ys = malloc((maxn + 1) * sizeof *ys);
  if (!tmp || !xs || !ys) {
    free(tmp), free(xs), free(ys);
    return CLI_EXIT_NUMERICAL;
  }
  cli_plot_begin(tmp, PLOT_WIDTH, PLOT_HEIGHT);
  pladv(0);
  plvpor(0.1, 0.95, 0.1, 0.9);
  plwind(xlo, xhi, ylo - pad, yhi + pad);
  plcol0(1);
  plbox("bcnst", 0.0, 0, logy ? "bcnstvl" : "bcnstv", 0.0, 0);
  pllab(xlabel, ylabel, title);
  for (int s = 0; s < nseries; ++s) {
    PLINT k = 0;
    for (size_t i = 0; i < series[s].n; ++i) {
      const double y = series[s].y[i];
      if (!isfinite(y) || (logy && y <= 0)) continue;
      xs[k] = series[s].x[i];
      ys[k] = logy ? log10(y) : y;
      ++k;
    }
    plcol0(2 + s % NPALETTE);
    plwidth(2.0);
    plline(k, xs, ys);
    if (series[s].label) { /* legend: a short line and the label, top right */
      const double lx = xlo + 0.70 * (xhi - xlo), ly = yhi + pad - (s + 1) * 0.06 * (yhi - ylo + 2 * pad);
      pljoin(lx, ly, lx + 0.05 * (xhi - xlo), ly);
      plcol0(1);
      plptex(lx + 0.06 * (xhi - xlo), ly, 1.0, 0.0, 0.0, series[s].label);
    }
  }
  free(xs), free(ys);
  const int rc = cli_plot_finish(tmp, path);
  free(tmp);
  return rc;
}

static void set_diverging_cmap(void) {
  PLFLT pos[3] = {0.0, 0.5, 1.0};
  PLFLT r[3] = {0.13, 1.0, 0.70}, g[3] = {0.40, 1.0, 0.09}, b[3] = {0.67, 1.0, 0.17};
  plscmap1l(1, 3, pos, r, g, b, NULL);
}

int cli_plot_heatmaps(const char *path, const char *title, const cli_heatmap *maps, int nmaps) {
  double vmax = 0.0;
  for (int k = 0; k < nmaps; ++k)
    for (size_t i = 0; i < maps[k].rows * maps[k].cols; ++i)
      if (fabs(maps[k].values[i]) > vmax) vmax = fabs(maps[k].values[i]);
  if (vmax == 0.0) vmax = 1.0;
  char *tmp = cli_plot_tmp_name(path);
  if (!tmp) return CLI_EXIT_NUMERICAL;
  const int ncols = nmaps < 4 ? nmaps : 4, nrows = (nmaps + ncols - 1) / ncols;
  cli_plot_begin(tmp, 300 * ncols, 330 * nrows + 40);
  set_diverging_cmap();
  plssub(ncols, nrows);
  for (int k = 0; k < nmaps; ++k) {
    const cli_heatmap *h = &maps[k];
    pladv(k + 1);
    plvpor(0.08, 0.92, 0.08, 0.85);
    plwind(0, (double)h->cols, 0, (double)h->rows);
    for (size_t i = 0; i < h->rows; ++i)
      for (size_t j = 0; j < h->cols; ++j) { /* one filled cell per entry, row 0 on top */
        const double top = (double)(h->rows - i), left = (double)j;
        PLFLT cx[4] = {left, left + 1, left + 1, left}, cy[4] = {top - 1, top - 1, top, top};
        plcol1(0.5 + 0.5 * h->values[i * h->cols + j] / vmax);
        plfill(4, cx, cy);
      }
    plcol0(1);
    plbox("bc", 0.0, 0, "bc", 0.0, 0);
    plmtex("t", 1.0, 0.5, 0.5, h->title ? h->title : "");
  }
  (void)title;
  const int rc = cli_plot_finish(tmp, path);
  free(tmp);
  return rc;
}

int cli_plot_coupling(const char *path, const char *title, const double *x, size_t n,
                      const double *y, size_t m, const size_t *rows, const size_t *cols,
                      const double *mass, size_t nnz) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY, mmax = 0.0;
  for (size_t i = 0; i < n; ++i) {
    xlo = fmin(xlo, x[2 * i]), xhi = fmax(xhi, x[2 * i]);
    ylo = fmin(ylo, x[2 * i + 1]), yhi = fmax(yhi, x[2 * i + 1]);
  }
  for (size_t j = 0; j < m; ++j) {
    xlo = fmin(xlo, y[2 * j]), xhi = fmax(xhi, y[2 * j]);
    ylo = fmin(ylo, y[2 * j + 1]), yhi = fmax(yhi, y[2 * j + 1]);
  }
  for (size_t k = 0; k < nnz; ++k) mmax = fmax(mmax, mass[k]);
  const double span = fmax(xhi - xlo, yhi - ylo), pad = 0.08 * (span > 0 ? span : 1.0);
  const double cx = 0.5 * (xlo + xhi), cy = 0.5 * (ylo + yhi), half = 0.5 * span + pad;
  char *tmp = cli_plot_tmp_name(path);
  if (!tmp) return CLI_EXIT_NUMERICAL;
  cli_plot_begin(tmp, 800, 800);
  pladv(0);
  plvpor(0.1, 0.95, 0.08, 0.92);
  plwind(cx - half, cx + half, cy - half, cy + half);
  plcol0(1);
  plbox("bcnst", 0.0, 0, "bcnstv", 0.0, 0);
  pllab("", "", title);
  for (size_t k = 0; k < nnz; ++k) {
    if (!(mass[k] > 1e-12 * mmax)) continue;
    const double w = mass[k] / mmax;
    const int grey = (int)(200.0 * (1.0 - w));
    plscol0(15, grey, grey, grey);
    plcol0(15);
    plwidth(0.5 + 3.0 * w);
    pljoin(x[2 * rows[k]], x[2 * rows[k] + 1], y[2 * cols[k]], y[2 * cols[k] + 1]);
  }
  plwidth(1.0);
  plssym(0.0, n + m > 400 ? 0.6 : 1.6);
  plcol0(2);
  for (size_t i = 0; i < n; ++i) plpoin(1, &x[2 * i], &x[2 * i + 1], 17);
  plcol0(3);
  for (size_t j = 0; j < m; ++j) plpoin(1, &y[2 * j], &y[2 * j + 1], 17);
  const int rc = cli_plot_finish(tmp, path);
  free(tmp);
  return rc;
}
