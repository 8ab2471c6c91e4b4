/*
 * specot/aeot.h — the AE-OT pipeline around semi-discrete OT (sdot.h):
 * data (the 8x8 digits set, synthetic mixtures), autoencoders (PCA and a
 * small MLP), and the metrics of mode collapse / mode mixture
 * (spec aeot.md sec. 3-4).
 *
 * Data.  Digits: scikit-learn's digits.csv.gz (Debian python3-sklearn),
 * 1797 rows of 64 pixels (8x8 row-major, 0..16) then the label 0..9, read
 * with zlib.  Toys (WGAN-GP generators as used by pyOMT): 8 Gaussians
 * (centres sqrt2 (cos, sin)(k 45 deg), sigma 0.02/1.414), 25 Gaussians
 * (centres 0.707 (i, j), i, j in -2..2, sigma 0.05/2.828), swiss roll
 * (sklearn make_swiss_roll(noise 0.25) columns 0, 2, divided by 7.5).
 *
 * Autoencoders.  PCA: centre, covariance by dsyrk, top-k eigenvectors by
 * dsyevd; z = W^T (x - m), x^ = W z + m.  MLP: dim -> hidden (tanh) -> k
 * (linear) -> hidden (tanh) -> dim (linear), mean squared error, Adam
 * (0.9, 0.999, 1e-8, bias-corrected), minibatches, dgemm forward/backward.
 *
 * Metrics.  Mixtures (VEEGAN): a sample is high quality when it lies within
 * 3 sigma of its nearest mode; modes captured = modes nearest to at least one
 * high-quality sample; per-mode mass error max_k |mass_k / w_k - 1| with
 * mass_k the fraction of samples whose nearest mode is k.  Precision/recall
 * (Kynkäänniemi et al. 2019, k = 3): radius r_i = distance of real i to its
 * k-th nearest other real; precision = fraction of generated samples inside
 * some real ball; recall = the same with the roles swapped.  k-NN labels
 * (k = 10 on the training set): class histogram, fraction with vote share
 * < 0.6 (ambiguous), median distance to the nearest training sample.
 * Distances use the dgemm form |u|^2 - 2 u.v + |v|^2 (clamped at 0), in
 * row blocks: memory O(block x n), cost O(n_a n_b dim).
 *
 * Thread safety and statuses as in specot.h: OK, ERR_INVALID, ERR_IO (file
 * missing), ERR_FORMAT (corrupt/truncated gzip, bad row), ERR_NOMEM,
 * ERR_NUMERICAL (LAPACK failure, non-finite training loss).
 */
#ifndef SPECOT_AEOT_H
#define SPECOT_AEOT_H

#include "specot/io.h"
#include "specot/rng.h"
#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- data --------------------------------------------------------------- */

/* Where the digits file is looked for, in order: $SPECOT_DIGITS, then these. */
#define SPECOT_AEOT_DIGITS_PATHS                                        \
  "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz", \
      "/usr/local/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"

/* Writes the first existing path of the search order into buf; returns 1 if
 * found, 0 if not (buf then holds ""). */
SPECOT_API int specot_aeot_digits_find(char *buf, size_t len);

/* Reads a digits CSV (gzip or plain): X (rows x 64, raw pixel values 0..16)
 * and labels (rows x 1, 0..9).  Errors name the file and the line. */
SPECOT_API specot_status specot_aeot_digits_load(specot_ctx *ctx, const char *path, specot_array *X,
                                                 specot_array *labels);

typedef enum specot_aeot_toy {
  SPECOT_AEOT_8GAUSSIANS = 0,
  SPECOT_AEOT_25GAUSSIANS = 1,
  SPECOT_AEOT_SWISSROLL = 2
} specot_aeot_toy;

/* N points (N x 2) of a toy, and labels[N] = mixture component (-1 for the
 * swiss roll); labels may be NULL.  Components are drawn uniformly. */
SPECOT_API void specot_aeot_toy_sample(specot_aeot_toy toy, specot_rng *rng, size_t N, double *X,
                                       int *labels);
/* The modes of a toy: returns their number (8, 25, 0) and writes up to that
 * many centres (x 2) when centres != NULL, and sigma. */
SPECOT_API size_t specot_aeot_toy_modes(specot_aeot_toy toy, double *centres, double *sigma);

/* ---- autoencoders ------------------------------------------------------- */

typedef struct specot_aeot_pca {
  size_t dim, k;
  double *mean;       /* dim */
  double *components; /* dim x k, columns orthonormal, variance decreasing */
  double *variance;   /* k eigenvalues of the covariance (divisor n) */
  double explained;   /* sum of the k eigenvalues / total variance */
} specot_aeot_pca;

/* Fits on X (n x dim), 1 <= k <= dim, n >= 2.  Cost O(n dim^2 + dim^3). */
SPECOT_API specot_status specot_aeot_pca_fit(specot_ctx *ctx, size_t n, size_t dim, const double *X,
                                             size_t k, specot_aeot_pca *pca);
SPECOT_API void specot_aeot_pca_free(specot_aeot_pca *pca);
/* Z (n x k) = (X - mean) W. */
SPECOT_API void specot_aeot_pca_encode(const specot_aeot_pca *pca, size_t n, const double *X,
                                       double *Z);
/* X (n x dim) = Z W^T + mean. */
SPECOT_API void specot_aeot_pca_decode(const specot_aeot_pca *pca, size_t n, const double *Z,
                                       double *X);

typedef struct specot_aeot_mlp_opts {
  size_t hidden; /* hidden width (default 64) */
  size_t epochs; /* passes over the data (default 150) */
  size_t batch;  /* minibatch size (default 64) */
  double lr;     /* Adam learning rate (default 2e-3) */
  uint64_t seed; /* initialisation and shuffling (default 1) */
} specot_aeot_mlp_opts;
SPECOT_API void specot_aeot_mlp_opts_init(specot_aeot_mlp_opts *opts);

typedef struct specot_aeot_mlp {
  size_t dim, hidden, k;
  double *w;   /* all weights and biases, one block */
  double loss; /* final mean squared error per entry on the training set */
} specot_aeot_mlp;

/* Trains on X (n x dim; scale the data to O(1) first).  Cost per epoch
 * O(n hidden (dim + k)) flops. */
SPECOT_API specot_status specot_aeot_mlp_fit(specot_ctx *ctx, size_t n, size_t dim, const double *X,
                                             size_t k, const specot_aeot_mlp_opts *opts,
                                             specot_aeot_mlp *mlp);
SPECOT_API void specot_aeot_mlp_free(specot_aeot_mlp *mlp);
/* Z (n x k) and X (n x dim); return ERR_NOMEM only. */
SPECOT_API specot_status specot_aeot_mlp_encode(specot_ctx *ctx, const specot_aeot_mlp *mlp,
                                                size_t n, const double *X, double *Z);
SPECOT_API specot_status specot_aeot_mlp_decode(specot_ctx *ctx, const specot_aeot_mlp *mlp,
                                                size_t n, const double *Z, double *X);

/* ---- metrics ------------------------------------------------------------ */

typedef struct specot_aeot_mode_stats {
  size_t modes_captured; /* modes nearest to >= 1 high-quality sample */
  double hq_fraction;    /* samples within 3 sigma of their nearest mode */
  double max_mass_error; /* max_k |mass_k / w_k - 1| (w uniform) */
} specot_aeot_mode_stats;
SPECOT_API specot_status specot_aeot_mode_metrics(specot_ctx *ctx, size_t N, const double *X,
                                                  size_t dim, size_t nmodes, const double *centres,
                                                  double sigma, specot_aeot_mode_stats *out);

/* Improved precision and recall with k nearest neighbours (k >= 1,
 * nreal, ngen > k). */
SPECOT_API specot_status specot_aeot_precision_recall(specot_ctx *ctx, size_t nreal,
                                                      const double *R, size_t ngen, const double *G,
                                                      size_t dim, size_t k, double *precision,
                                                      double *recall);

/* k-NN labels of G against the labelled training set T: hist[nclasses]
 * (fraction per class), ambiguous fraction (top vote share < 0.6), median
 * distance to the nearest training sample; optional per-sample label pred[ngen]
 * (majority, lowest class on ties) and its vote share[ngen].  labels[] in
 * 0..nclasses-1.  Any output may be NULL. */
SPECOT_API specot_status specot_aeot_knn_labels(specot_ctx *ctx, size_t ntrain, const double *T,
                                                const int *labels, size_t nclasses, size_t ngen,
                                                const double *G, size_t dim, size_t k, double *hist,
                                                double *ambiguous, double *median_nn, int *pred,
                                                double *share);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_AEOT_H */
