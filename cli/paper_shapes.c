/* Analytic shapes, PNG images (libpng) and farthest-point sampling. */
#include "paper_shapes.h"

#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int paper_shape_inside(const char *name, double x, double y) {
  if (strcmp(name, "annulus") == 0) {
    const double r2 = x * x + y * y;
    return r2 >= 1.15 * 1.15 && r2 <= 1.55 * 1.55;
  }
  if (strcmp(name, "two-disks") == 0)
    return hypot(x - 4.30, y - 1.15) <= 0.68 || hypot(x - 5.00, y + 1.18) <= 0.66;
  if (strcmp(name, "cross") == 0)
    return (fabs(x) <= 1.0 && fabs(y) <= 0.3) || (fabs(x) <= 0.3 && fabs(y) <= 1.0);
  if (strcmp(name, "heart") == 0) {
    const double a = x * x + y * y - 1.0;
    return a * a * a - x * x * y * y * y <= 0.0;
  }
  return -1;
}

/* Bounding boxes (xlo, xhi, ylo, yhi) of the analytic shapes. */
static void shape_box(const char *name, double box[4]) {
  static const double annulus[4] = {-1.55, 1.55, -1.55, 1.55}, disks[4] = {3.62, 5.66, -1.84, 1.83},
                      cross[4] = {-1, 1, -1, 1}, heart[4] = {-1.2, 1.2, -1.0, 1.3};
  const double *b = strcmp(name, "annulus") == 0     ? annulus
                    : strcmp(name, "two-disks") == 0 ? disks
                    : strcmp(name, "cross") == 0     ? cross
                                                     : heart;
  memcpy(box, b, 4 * sizeof *b);
}

void paper_fps(const double *cand, size_t m, size_t n, size_t first, double *out) {
  double *d2 = malloc(m * sizeof *d2);
  if (!d2) return;
  size_t pick = first;
  for (size_t i = 0; i < m; ++i) d2[i] = INFINITY;
  for (size_t k = 0; k < n; ++k) {
    out[2 * k] = cand[2 * pick], out[2 * k + 1] = cand[2 * pick + 1];
    size_t best = 0;
    for (size_t i = 0; i < m; ++i) {
      const double dx = cand[2 * i] - out[2 * k], dy = cand[2 * i + 1] - out[2 * k + 1];
      d2[i] = fmin(d2[i], dx * dx + dy * dy);
      if (d2[i] > d2[best]) best = i;
    }
    pick = best;
  }
  free(d2);
}

void paper_normalise(double *pts, size_t n, double scale, double sx, double sy) {
  double mx = 0.0, my = 0.0, rmax = 0.0;
  for (size_t i = 0; i < n; ++i) mx += pts[2 * i], my += pts[2 * i + 1];
  mx /= (double)n, my /= (double)n;
  for (size_t i = 0; i < n; ++i) rmax = fmax(rmax, hypot(pts[2 * i] - mx, pts[2 * i + 1] - my));
  for (size_t i = 0; i < n; ++i) {
    pts[2 * i] = scale * (pts[2 * i] - mx) / (rmax + 1e-15) + sx;
    pts[2 * i + 1] = scale * (pts[2 * i + 1] - my) / (rmax + 1e-15) + sy;
  }
}

int paper_shape_sample(const char *name, size_t n, specot_rng *rng, double scale, double sx,
                       double sy, double *out) {
  if (paper_shape_inside(name, 0, 0) < 0)
    return cli_usage_error("paper", "unknown shape '%s' (annulus, two-disks, cross, heart)", name);
  const size_t m = 6 * n;
  double *cand = malloc(2 * m * sizeof *cand), box[4];
  if (!cand) return cli_out_of_memory("paper");
  shape_box(name, box);
  for (size_t k = 0; k < m;) {
    const double x = box[0] + (box[1] - box[0]) * specot_rng_uniform(rng);
    const double y = box[2] + (box[3] - box[2]) * specot_rng_uniform(rng);
    if (paper_shape_inside(name, x, y)) cand[2 * k] = x, cand[2 * k + 1] = y, ++k;
  }
  paper_fps(cand, m, n, (size_t)specot_rng_below(rng, m), out);
  free(cand);
  paper_normalise(out, n, scale, sx, sy);
  return CLI_EXIT_OK;
}

/* Threshold on the grey levels (of the valid pixels) by the paper's occupancy rule. */
static double occupancy_threshold(const double *grey, const unsigned char *valid, size_t npix) {
  size_t hist[514] = {0}, nvalid = 0; /* pixels with grey <= k / 512 */
  for (size_t i = 0; i < npix; ++i)
    if (valid[i]) ++hist[(size_t)ceil(grey[i] * 512.0)], ++nvalid;
  double best = 0.5, best_dist = INFINITY;
  size_t cum = 0;
  for (int k = 0; k <= 512; ++k) {
    cum += hist[k];
    const double cover = nvalid ? (double)cum / (double)nvalid : 0.0;
    const double dist = (cover >= 0.25 && cover <= 0.50)
                            ? fabs(cover - 0.35) - 1.0 /* in band first */
                            : fmin(fabs(cover - 0.25), fabs(cover - 0.50));
    if (dist < best_dist) best_dist = dist, best = k / 512.0;
  }
  return best;
}

int paper_image_sample(const char *path, size_t n, specot_rng *rng, double scale, double sx,
                       double sy, double *out) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path)) {
    fprintf(stderr, "specot paper: error: cannot read image '%s': %s\n", path, img.message);
    return CLI_EXIT_INPUT;
  }
  img.format = PNG_FORMAT_GA;
  const size_t w = img.width, h = img.height, npix = w * h;
  unsigned char *pix = malloc(PNG_IMAGE_SIZE(img)), *valid = calloc(npix + 1, 1);
  double *grey = calloc(npix + 1, sizeof *grey);
  if (!pix || !valid || !grey) {
    png_image_free(&img);
    free(pix), free(valid), free(grey);
    return cli_out_of_memory("paper");
  }
  int rc = CLI_EXIT_OK;
  if (!png_image_finish_read(&img, NULL, pix, 0, NULL)) {
    fprintf(stderr, "specot paper: error: cannot read image '%s': %s\n", path, img.message);
    rc = CLI_EXIT_INPUT;
  }
  size_t dark = 0;
  double *cand = NULL;
  if (!rc) {
    for (size_t i = 0; i < npix; ++i) grey[i] = pix[2 * i] / 255.0, valid[i] = pix[2 * i + 1] > 0;
    const double thr = occupancy_threshold(grey, valid, npix);
    for (size_t i = 0; i < npix; ++i) dark += valid[i] && grey[i] <= thr;
    if (dark < n) {
      fprintf(
          stderr,
          "specot paper: error: image '%s' has %zu dark pixels, fewer than the %zu points asked\n",
          path, dark, n);
      rc = CLI_EXIT_INPUT;
    }
    if (!rc && !(cand = malloc(2 * dark * sizeof *cand))) rc = cli_out_of_memory("paper");
    if (!rc) {
      size_t k = 0;
      for (size_t i = 0; i < npix; ++i)
        if (valid[i] && grey[i] <= thr) {
          cand[2 * k] = (double)(i % w) + specot_rng_uniform(rng);
          cand[2 * k + 1] = -((double)(i / w) + specot_rng_uniform(rng));
          ++k;
        }
      /* keep a random subset of min(6 n, dark) candidates (partial Fisher-Yates) */
      const size_t m = dark < 6 * n ? dark : 6 * n;
      for (size_t i = 0; i < m; ++i) {
        const size_t r = i + (size_t)specot_rng_below(rng, dark - i);
        const double tx = cand[2 * i], ty = cand[2 * i + 1];
        cand[2 * i] = cand[2 * r], cand[2 * i + 1] = cand[2 * r + 1];
        cand[2 * r] = tx, cand[2 * r + 1] = ty;
      }
      paper_fps(cand, m, n, (size_t)specot_rng_below(rng, m), out);
      paper_normalise(out, n, scale, sx, sy);
    }
  }
  png_image_free(&img);
  free(pix), free(valid), free(grey), free(cand);
  return rc;
}
