/* Sections of `specot demo`: X(name, function, one-line summary).  Each section
 * writes its files under `outdir`, prints a short summary on stdout and returns
 * an exit code.  `full` asks for the paper-size version of the section. */
#ifndef SPECOT_CLI_DEMO_H
#define SPECOT_CLI_DEMO_H

typedef struct demo_opts {
  const char *outdir; /* existing output folder */
  int full;           /* 1: paper-size runs (--full) */
  int quiet;          /* 1: no progress output on stderr */
} demo_opts;

/* One X(...) per line, each line ending in a backslash; keep the final comment line. */
#define DEMO_SECTIONS \
  X("directions", demo_directions, "steepest-descent directions J_p and polar/Newton–Schulz variants of a gradient") \
  X("rng", demo_rng, "reproducible random streams (seeded RNG)") \
  X("transport", demo_transport, "certified spectral transport: cross example and 2-D shapes, p = 1 vs p = inf") \
  X("flow", demo_flow, "ReLU teacher-student particle flow, p = 1 vs p = inf (energy plot)") \
  X("shk", demo_shk, "SHK birth-death Langevin on a barrier mixture vs Langevin; DP certificate of a private median") \
  X("memory", demo_memory, "Sinkhorn associative memory: SHK retrieval of a noisy permuted cloud, recovery vs Hopfield") \
  X("sdot", demo_sdot, "AE-OT generator on 8 Gaussians: hard, soft and masked maps side by side") \
  /* end of DEMO_SECTIONS */

#define X(name, fn, summary) int fn(const demo_opts *opts);
DEMO_SECTIONS
#undef X

#endif
