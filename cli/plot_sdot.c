/* Scatter panels and image grids through PLplot's pngcairo device, written to
 * a temporary file and renamed (no half-written picture). */
#include "plot_sdot.h"

#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot.h"

/* Opens a page with the shared colours; 2 and 3 are the back (grey) and
 * front (blue) points here. */
static void start(const char *tmp, int width, int height) {
  cli_plot_begin(tmp, width, height);
  plscol0(2, 190, 190, 190);
  plscol0(3, 31, 119, 180);
}

/* Closes the page, renames it to path and frees tmp. */
static int end(char *tmp, const char *path) {
  const int rc = cli_plot_finish(tmp, path);
  free(tmp);
  return rc;
}

static void points(const double *xy, size_t n, int colour, double *xs, double *ys) {
  for (size_t i = 0; i < n; ++i) xs[i] = xy[2 * i], ys[i] = xy[2 * i + 1];
  plcol0(colour);
  plssym(0.0, colour == 2 ? 0.6 : 0.45);
  plpoin((PLINT)n, xs, ys, 1);
}

int cli_plot_scatter_panels(const char *path, const char *title, const cli_scatter_panel *panels,
                            int npanels) {
  double lo = INFINITY, hi = -INFINITY;
  size_t maxn = 1;
  for (int p = 0; p < npanels; ++p) {
    for (size_t i = 0; i < 2 * panels[p].nb; ++i)
      if (isfinite(panels[p].back[i]))
        lo = fmin(lo, panels[p].back[i]), hi = fmax(hi, panels[p].back[i]);
    for (size_t i = 0; i < 2 * panels[p].nf; ++i)
      if (isfinite(panels[p].front[i]))
        lo = fmin(lo, panels[p].front[i]), hi = fmax(hi, panels[p].front[i]);
    if (panels[p].nb > maxn) maxn = panels[p].nb;
    if (panels[p].nf > maxn) maxn = panels[p].nf;
  }
  if (!(lo < hi)) lo = -1.0, hi = 1.0;
  const double pad = 0.05 * (hi - lo);
  char *tmp = cli_plot_tmp_name(path);
  double *xs = malloc(maxn * sizeof *xs), *ys = malloc(maxn * sizeof *ys);
  if (!tmp || !xs || !ys) {
    free(tmp), free(xs), free(ys);
    return cli_out_of_memory("plot");
  }
  start(tmp, 420 * npanels, 470);
  plssub(npanels, 1);
  for (int p = 0; p < npanels; ++p) {
    pladv(p + 1);
    plvpor(0.08, 0.97, 0.08, 0.88);
    plwind(lo - pad, hi + pad, lo - pad, hi + pad);
    plcol0(1);
    plbox("bcnst", 0.0, 0, "bcnstv", 0.0, 0);
    pllab("", "", panels[p].title);
    points(panels[p].back, panels[p].nb, 2, xs, ys);
    points(panels[p].front, panels[p].nf, 3, xs, ys);
  }
  (void)title;
  free(xs), free(ys);
  return end(tmp, path);
}

int cli_plot_image_grid(const char *path, const char *title, const double *images, size_t count,
                        size_t side, size_t cols, double lo, double hi) {
  const size_t rows = (count + cols - 1) / cols, cell = side + 1;
  const size_t nx = cols * cell + 1, ny = rows * cell + 1;
  char *tmp = cli_plot_tmp_name(path);
  PLFLT **z = NULL;
  if (tmp) plAlloc2dGrid(&z, (PLINT)nx, (PLINT)ny);
  if (!tmp || !z) {
    free(tmp);
    return cli_out_of_memory("plot");
  }
  for (size_t x = 0; x < nx; ++x)
    for (size_t y = 0; y < ny; ++y) z[x][y] = lo;
  for (size_t s = 0; s < count; ++s) {
    const size_t gx = (s % cols) * cell + 1, gy = (rows - 1 - s / cols) * cell + 1;
    for (size_t r = 0; r < side; ++r)
      for (size_t c = 0; c < side; ++c) {
        const double v = images[s * side * side + r * side + c];
        z[gx + c][gy + side - 1 - r] = v < lo ? lo : v > hi ? hi : v;
      }
  }
  start(tmp, 60 * (int)cols + 40, 60 * (int)rows + 70);
  PLFLT pos[2] = {0, 1}, grey[2] = {1, 0};
  plscmap1l(1, 2, pos, grey, grey, grey, NULL);
  pladv(0);
  plvpor(0.02, 0.98, 0.02, 0.92);
  plwind(0, (double)nx, 0, (double)ny);
  plcol0(1);
  pllab("", "", title);
  plimage((const PLFLT *const *)z, (PLINT)nx, (PLINT)ny, 0, (double)nx, 0, (double)ny, lo, hi, 0,
          (double)nx, 0, (double)ny);
  plFree2dGrid(z, (PLINT)nx, (PLINT)ny);
  return end(tmp, path);
}
