/* PNG pictures of the generator (PLplot pngcairo, written atomically like plot.h):
 * side-by-side scatter panels of 2-D samples over the data, and a grid of
 * 8x8 grey images. */
#ifndef SPECOT_CLI_PLOT_SDOT_H
#define SPECOT_CLI_PLOT_SDOT_H

#include <stddef.h>

/* One panel: background points (grey) and foreground points (colour). */
typedef struct cli_scatter_panel {
  const double *back; /* nb x 2 */
  size_t nb;
  const double *front; /* nf x 2 */
  size_t nf;
  const char *title;
} cli_scatter_panel;

/* A row of scatter panels sharing the axis limits; returns an exit code. */
int cli_plot_scatter_panels(const char *path, const char *title, const cli_scatter_panel *panels,
                            int npanels);

/* count images of side x side pixels (row-major, values in [lo, hi]) on a grid
 * with `cols` columns, white = lo, black = hi; returns an exit code. */
int cli_plot_image_grid(const char *path, const char *title, const double *images, size_t count,
                        size_t side, size_t cols, double lo, double hi);

#endif
