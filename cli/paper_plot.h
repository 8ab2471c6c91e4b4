/* Pictures of `specot paper` beyond cli/plot.h: scatter panels and particle
 * tracks (PLplot pngcairo, written atomically like cli/plot.c). */
#ifndef SPECOT_CLI_PAPER_PLOT_H
#define SPECOT_CLI_PAPER_PLOT_H

#include <stddef.h>

#include "plot.h"

/* One set of 2-D points xy (n x 2, row-major) drawn in colour (r, g, b) with
 * symbol scale `size` (1 = default dot). */
typedef struct paper_points {
  const double *xy;
  size_t n;
  int r, g, b;
  double size;
} paper_points;

/* A panel: a title and point sets drawn in order (later sets on top). */
typedef struct paper_panel {
  const char *title;
  const paper_points *sets;
  int nsets;
} paper_panel;

/* A row (up to 5 per row) of equal-aspect scatter panels sharing one window
 * (the bounding box of every set), in a width x height picture.  Returns an
 * exit code (0, or CLI_EXIT_INPUT when the file cannot be written). */
int paper_plot_panels(const char *path, const paper_panel *panels, int npanels, int width,
                      int height);

/* Particle tracks: xy holds nsnap snapshots of n points (nsnap x n x 2); each
 * particle's polyline is drawn segment by segment, coloured from blue to red
 * by snapshot index (colour_by_time = 1) or by the fraction of the track's
 * arclength travelled (2, the notebook's colouring), grey otherwise (0); then
 * the point sets on top.  Equal aspect. */
int paper_plot_tracks(const char *path, const char *title, const double *xy, size_t nsnap, size_t n,
                      int colour_by_time, const paper_points *sets, int nsets);

#endif

/* Line plot like cli_plot_lines, but series k is drawn in palette colour
 * group[k] (so several curves share the colour of one p); a legend entry is
 * drawn for each series with a label.  Non-finite points break the curve. */
int paper_plot_curves(const char *path, const char *title, const char *xlabel, const char *ylabel,
                      const cli_series *series, const int *group, int nseries, int logy);
