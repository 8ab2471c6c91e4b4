/* Point clouds for `specot paper static`: analytic shapes and PNG images
 * (dark pixels = mass), sampled by farthest-point sampling. */
#ifndef SPECOT_CLI_PAPER_SHAPES_H
#define SPECOT_CLI_PAPER_SHAPES_H

#include <stddef.h>

#include "specot/rng.h"

/* 1 when (x, y) lies in the named analytic shape, 0 outside, -1 for an
 * unknown name.  Shapes (before normalisation): "annulus" 1.15 <= r <= 1.55;
 * "two-disks" the disks of radius 0.68 at (4.30, 1.15) and 0.66 at
 * (5.00, -1.18) (the paper's); "cross" two bars 2 x 0.6; "heart" the curve
 * (x^2 + y^2 - 1)^3 - x^2 y^3 <= 0. */
int paper_shape_inside(const char *name, double x, double y);

/* Farthest-point sampling: picks n of the m candidates (m x 2) starting from
 * candidate `first`, each next one the farthest from those already picked
 * (ties: the lowest index), into out (n x 2).  Needs 1 <= n <= m. */
void paper_fps(const double *cand, size_t m, size_t n, size_t first, double *out);

/* Centres the cloud at its mean, divides by the largest radius, then maps
 * x -> scale x + (sx, sy). */
void paper_normalise(double *pts, size_t n, double scale, double sx, double sy);

/* n points of an analytic shape: 6 n uniform candidates in its bounding box
 * (rejection), then FPS from a random candidate; normalised as above.
 * Returns an exit code (usage error for an unknown name). */
int paper_shape_sample(const char *name, size_t n, specot_rng *rng, double scale, double sx,
                       double sy, double *out);

/* n points from the PNG image `path`: grey levels g in [0, 1] (alpha-weighted
 * pixels with alpha <= 1e-3 ignored); mass = pixels with g <= threshold,
 * the threshold chosen (513 levels) so the covered fraction is nearest 0.35
 * within [0.25, 0.50] (the paper's rule), else nearest that band; jittered
 * pixel positions (x + u, -(y + u)), up to 6 n of them at random, then FPS
 * and normalisation.  Returns an exit code with a one-line message naming
 * the file (missing, not a PNG, fewer than n dark pixels). */
int paper_image_sample(const char *path, size_t n, specot_rng *rng, double scale, double sx,
                       double sy, double *out);

#endif
