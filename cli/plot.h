/* PNG pictures for the command line (PLplot, pngcairo device).  Each function
 * writes `path` atomically (temporary file + rename) and returns an exit code
 * (0 ok, CLI_EXIT_INPUT when the file cannot be written). */
#ifndef SPECOT_CLI_PLOT_H
#define SPECOT_CLI_PLOT_H

#include <stddef.h>

/* One curve: n points (x[i], y[i]); label shown in the legend (may be NULL). */
typedef struct cli_series {
  const double *x;
  const double *y;
  size_t n;
  const char *label;
} cli_series;

/* Line plot of several series on common axes; logy = 1 for a log10 y axis
 * (non-positive values are skipped). */
int cli_plot_lines(const char *path, const char *title, const char *xlabel, const char *ylabel,
                   const cli_series *series, int nseries, int logy);

/* One heatmap panel: rows x cols row-major values, with a title. */
typedef struct cli_heatmap {
  const double *values;
  size_t rows;
  size_t cols;
  const char *title;
} cli_heatmap;

/* A row of heatmap panels sharing one symmetric colour scale (blue < 0 < red). */
int cli_plot_heatmaps(const char *path, const char *title, const cli_heatmap *maps, int nmaps);

/* A 2-D coupling: source points x (n x 2) in blue, target points y (m x 2) in
 * red, and a segment x_i -> y_j for each of the nnz entries (rows[k], cols[k],
 * mass[k]) with width and darkness growing with the mass. */
int cli_plot_coupling(const char *path, const char *title, const double *x, size_t n,
                      const double *y, size_t m, const size_t *rows, const size_t *cols,
                      const double *mass, size_t nnz);

/* The steps every picture shares, for the command's other drawing files:
 * cli_plot_tmp_name gives a malloc'ed temporary file name beside `path` (NULL
 * when out of memory); cli_plot_begin opens a width x height pngcairo page on
 * it with the shared colours (0 white background, 1 black, 2..9 the line
 * palette, 15 grey; callers may redefine entries after it); cli_plot_finish
 * closes the page and renames the file to `path` (exit code as above). */
char *cli_plot_tmp_name(const char *path);
void cli_plot_begin(const char *tmp, int width, int height);
int cli_plot_finish(const char *tmp, const char *path);

#endif
