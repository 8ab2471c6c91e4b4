/* Scatter panels and particle tracks for `specot paper` (PLplot pngcairo). */
#include "paper_plot.h"

#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot.h"

/* Opens a page with the shared colours plus 14, the grey of faded tracks. */
static void begin(const char *tmp, int width, int height) {
  cli_plot_begin(tmp, width, height);
  plscol0(14, 170, 170, 170);
}

typedef struct box {
  double xlo, xhi, ylo, yhi;
} box;

static void grow(box *b, const double *xy, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double x = xy[2 * i], y = xy[2 * i + 1];
    if (!isfinite(x) || !isfinite(y)) continue;
    b->xlo = fmin(b->xlo, x), b->xhi = fmax(b->xhi, x);
    b->ylo = fmin(b->ylo, y), b->yhi = fmax(b->yhi, y);
  }
}

/* Equal-aspect window around the box with a 6 % margin (unit box when empty). */
static void window(const box *b) {
  double xlo = b->xlo, xhi = b->xhi, ylo = b->ylo, yhi = b->yhi;
  if (!(xlo <= xhi)) xlo = 0, xhi = 1;
  if (!(ylo <= yhi)) ylo = 0, yhi = 1;
  const double span = fmax(fmax(xhi - xlo, yhi - ylo), 1e-12), pad = 0.06 * span;
  const double cx = 0.5 * (xlo + xhi), cy = 0.5 * (ylo + yhi), half = 0.5 * span + pad;
  plwind(cx - half, cx + half, cy - half, cy + half);
}

static void draw_points(const paper_points *s, double *xs, double *ys) {
  plscol0(15, s->r, s->g, s->b);
  plcol0(15);
  plssym(0.0, s->size > 0 ? s->size : 1.0);
  PLINT k = 0;
  for (size_t i = 0; i < s->n; ++i) {
    if (!isfinite(s->xy[2 * i]) || !isfinite(s->xy[2 * i + 1])) continue;
    xs[k] = s->xy[2 * i], ys[k] = s->xy[2 * i + 1], ++k;
  }
  plpoin(k, xs, ys, 17);
}

static size_t max_points(const paper_points *sets, int nsets) {
  size_t m = 1;
  for (int s = 0; s < nsets; ++s)
    if (sets[s].n > m) m = sets[s].n;
  return m;
}

int paper_plot_panels(const char *path, const paper_panel *panels, int npanels, int width,
                      int height) {
  /* each panel is centred on its own points; all share the largest span */
  box b[16];
  double span = 1e-12;
  size_t m = 1;
  if (npanels > 16) npanels = 16;
  for (int k = 0; k < npanels; ++k) {
    b[k] = (box){INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (int s = 0; s < panels[k].nsets; ++s)
      grow(&b[k], panels[k].sets[s].xy, panels[k].sets[s].n);
    if (b[k].xlo <= b[k].xhi) span = fmax(span, fmax(b[k].xhi - b[k].xlo, b[k].yhi - b[k].ylo));
    const size_t mk = max_points(panels[k].sets, panels[k].nsets);
    if (mk > m) m = mk;
  }
  char *tmp = cli_plot_tmp_name(path);
  double *xs = malloc(m * sizeof *xs), *ys = malloc(m * sizeof *ys);
  if (!tmp || !xs || !ys) {
    free(tmp), free(xs), free(ys);
    return cli_out_of_memory("paper");
  }
  const int ncols = npanels < 5 ? npanels : 5, nrows = (npanels + ncols - 1) / ncols;
  begin(tmp, width, height);
  plssub(ncols, nrows);
  plschr(0.0, 0.8);
  for (int k = 0; k < npanels; ++k) {
    pladv(k + 1);
    plvpas(0.03, 0.97, 0.03, 0.88, 1.0);
    box wk = b[k];
    if (wk.xlo <= wk.xhi) {
      const double cx = 0.5 * (wk.xlo + wk.xhi), cy = 0.5 * (wk.ylo + wk.yhi);
      wk = (box){cx - 0.5 * span, cx + 0.5 * span, cy - 0.5 * span, cy + 0.5 * span};
    }
    window(&wk);
    plcol0(1);
    plbox("bc", 0.0, 0, "bc", 0.0, 0);
    plmtex("t", 1.0, 0.5, 0.5, panels[k].title ? panels[k].title : "");
    for (int s = 0; s < panels[k].nsets; ++s) draw_points(&panels[k].sets[s], xs, ys);
  }
  free(xs), free(ys);
  const int rc = cli_plot_finish(tmp, path);
  free(tmp);
  return rc;
}

int paper_plot_tracks(const char *path, const char *title, const double *xy, size_t nsnap, size_t n,
                      int colour_by_time, const paper_points *sets, int nsets) {
  box b = {INFINITY, -INFINITY, INFINITY, -INFINITY};
  grow(&b, xy, nsnap * n);
  for (int s = 0; s < nsets; ++s) grow(&b, sets[s].xy, sets[s].n);
  const size_t m = max_points(sets, nsets);
  char *tmp = cli_plot_tmp_name(path);
  double *xs = malloc(m * sizeof *xs), *ys = malloc(m * sizeof *ys);
  if (!tmp || !xs || !ys) {
    free(tmp), free(xs), free(ys);
    return cli_out_of_memory("paper");
  }
  begin(tmp, 900, 900);
  PLFLT pos[2] = {0.0, 1.0}, r[2] = {0.1, 0.95}, g[2] = {0.2, 0.05}, bl[2] = {0.95, 0.05};
  plscmap1l(1, 2, pos, r, g, bl, NULL);
  pladv(0);
  plvpas(0.08, 0.96, 0.06, 0.92, 1.0);
  window(&b);
  plcol0(1);
  plbox("bcnst", 0.0, 0, "bcnstv", 0.0, 0);
  pllab("", "", title);
  plwidth(colour_by_time ? 1.2 : 0.6);
  if (!colour_by_time) plcol0(14);
  for (size_t i = 0; i < n; ++i) {
    double total = 0.0, run = 0.0; /* arclength of the track (colour_by_time == 2) */
    for (size_t t = 0; colour_by_time == 2 && t + 1 < nsnap; ++t) {
      const double *a = xy + 2 * (t * n + i), *c = xy + 2 * ((t + 1) * n + i);
      const double len = hypot(c[0] - a[0], c[1] - a[1]);
      if (isfinite(len)) total += len;
    }
    for (size_t t = 0; t + 1 < nsnap; ++t) {
      const double *a = xy + 2 * (t * n + i), *c = xy + 2 * ((t + 1) * n + i);
      if (!isfinite(a[0]) || !isfinite(a[1]) || !isfinite(c[0]) || !isfinite(c[1])) continue;
      const double len = hypot(c[0] - a[0], c[1] - a[1]);
      if (colour_by_time == 2)
        plcol1(total > 0 ? (run + 0.5 * len) / total
                         : (double)t / (double)(nsnap > 2 ? nsnap - 2 : 1));
      else if (colour_by_time)
        plcol1((double)t / (double)(nsnap > 2 ? nsnap - 2 : 1));
      run += len;
      pljoin(a[0], a[1], c[0], c[1]);
    }
  }
  plwidth(1.0);
  for (int s = 0; s < nsets; ++s) draw_points(&sets[s], xs, ys);
  free(xs), free(ys);
  const int rc = cli_plot_finish(tmp, path);
  free(tmp);
  return rc;
}

static const int palette[][3] = {{31, 119, 180},  {214, 39, 40}, {44, 160, 44},   {255, 127, 14},
                                 {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {23, 190, 207}};

static double yvalue(double y, int logy) {
  return logy ? (y > 0 ? log10(y) : NAN) : y;
}

int paper_plot_curves(const char *path, const char *title, const char *xlabel, const char *ylabel,
                      const cli_series *series, const int *group, int nseries, int logy) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  size_t maxn = 1;
  for (int s = 0; s < nseries; ++s) {
    for (size_t i = 0; i < series[s].n; ++i) {
      const double x = series[s].x[i], y = yvalue(series[s].y[i], logy);
      if (!isfinite(x) || !isfinite(y)) continue;
      xlo = fmin(xlo, x), xhi = fmax(xhi, x), ylo = fmin(ylo, y), yhi = fmax(yhi, y);
    }
    if (series[s].n > maxn) maxn = series[s].n;
  }
  if (!(xlo <= xhi)) xlo = 0, xhi = 1;
  if (!(ylo <= yhi)) ylo = 0, yhi = 1;
  if (!(xlo < xhi)) xlo -= 0.5, xhi += 0.5;
  if (!(ylo < yhi)) ylo -= 0.5, yhi += 0.5;
  const double pad = 0.05 * (yhi - ylo);
  char *tmp = cli_plot_tmp_name(path);
  double *xs = malloc(maxn * sizeof *xs), *ys = malloc(maxn * sizeof *ys);
  if (!tmp || !xs || !ys) {
    free(tmp), free(xs), free(ys);
    return cli_out_of_memory("paper");
  }
  begin(tmp, 1000, 700);
  pladv(0);
  plvpor(0.1, 0.95, 0.1, 0.9);
  plwind(xlo, xhi, ylo - pad, yhi + pad);
  plcol0(1);
  plbox("bcnst", 0.0, 0, logy ? "bcnstvl" : "bcnstv", 0.0, 0);
  pllab(xlabel, ylabel, title);
  int nlegend = 0;
  for (int s = 0; s < nseries; ++s) {
    const int *c = palette[group[s] % 8];
    plscol0(15, c[0], c[1], c[2]);
    plcol0(15);
    plwidth(2.0);
    PLINT k = 0;
    for (size_t i = 0; i <= series[s].n; ++i) { /* draw runs of finite points */
      const double y = i < series[s].n ? yvalue(series[s].y[i], logy) : NAN;
      const double x = i < series[s].n ? series[s].x[i] : NAN;
      if (isfinite(x) && isfinite(y)) {
        xs[k] = x, ys[k] = y, ++k;
        continue;
      }
      if (k > 1) plline(k, xs, ys);
      k = 0;
    }
    if (series[s].label) {
      const double lx = xlo + 0.72 * (xhi - xlo);
      const double ly = yhi + pad - (nlegend + 1) * 0.06 * (yhi - ylo + 2 * pad);
      pljoin(lx, ly, lx + 0.05 * (xhi - xlo), ly);
      plcol0(1);
      plptex(lx + 0.06 * (xhi - xlo), ly, 1.0, 0.0, 0.0, series[s].label);
      ++nlegend;
    }
  }
  free(xs), free(ys);
  const int rc = cli_plot_finish(tmp, path);
  free(tmp);
  return rc;
}
