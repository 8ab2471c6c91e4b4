/*
 * mpi_relu: the ReLU teacher-student flow with the particles sharded over
 * MPI ranks (specot/flows_sharded.h), built only when MPI is found.
 *
 *   mpiexec -np R build/mpi_relu [N_PARTICLES] [STEPS] [P]
 *
 * Data as Peyre's protocol (flows.h): 2000 training points z ~ N(0, I_2),
 * labels of the 3-neuron teacher; N particles (default 10^6) ~ N(0, 1/2),
 * rank k holding the k-th contiguous block.  Prints (rank 0) one JSON object:
 * steps/s, the time per step split into compute and allreduce (measured on
 * rank 0 by timing the reductions inside the callback), and the weak-scaling
 * model  T(step) = t_compute(N/R) + t_allreduce(nd + d^2 doubles)  with an
 * allreduce of 2 log2(P) alpha + 2 (P-1)/P bytes / bw (alpha = 2 us,
 * bw = 10 GB/s, typical InfiniBand figures), evaluated for 10^8 particles on
 * 100 nodes with 10^6 particles per node at the compute rate measured here
 * (rank 0's CPU time per particle, one core per rank).
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "specot/flows_sharded.h"
#include "specot/rng.h"

typedef struct comm_timer {
  MPI_Comm comm;
  double seconds;
  size_t calls;
} comm_timer;

static int mpi_sum(double *buf, size_t len, void *user) {
  comm_timer *t = user;
  const double t0 = MPI_Wtime();
  const int rc = MPI_Allreduce(MPI_IN_PLACE, buf, (int)len, MPI_DOUBLE, MPI_SUM, t->comm);
  t->seconds += MPI_Wtime() - t0;
  ++t->calls;
  return rc != MPI_SUCCESS;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const size_t N = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
  const int steps = argc > 2 ? atoi(argv[2]) : 5;
  const double p = argc > 3 ? atof(argv[3]) : INFINITY;
  enum { ND = 2000, DZ = 2, D = 3 };
  static double z[ND * DZ], y[ND];
  specot_rng r;
  specot_rng_seed(&r, 7);
  specot_rng_fill_normal(&r, z, ND * DZ, 0.0, 1.0);
  const double th[3] = {0.38, 2.42, 4.63}, us[3] = {1.0, 1.0, -1.0};
  for (size_t j = 0; j < ND; ++j) {
    double s = 0.0;
    for (int k = 0; k < 3; ++k)
      s += us[k] * fmax(0.0, cos(th[k]) * z[2 * j] + sin(th[k]) * z[2 * j + 1]);
    y[j] = s / 3.0;
  }
  const size_t lo = N * (size_t)rank / (size_t)size, hi = N * (size_t)(rank + 1) / (size_t)size;
  /* The same N particles whatever R: every rank draws them all and keeps its block. */
  double *all = malloc(N * D * sizeof *all), *x = malloc((hi - lo) * D * sizeof *x);
  if (!all || !x) MPI_Abort(MPI_COMM_WORLD, 1);
  specot_rng_seed(&r, 1000);
  specot_rng_fill_normal(&r, all, N * D, 0.0, sqrt(0.5));
  memcpy(x, all + lo * D, (hi - lo) * D * sizeof *x);
  free(all);
  comm_timer timer = {MPI_COMM_WORLD, 0.0, 0};
  const specot_reducer red = {mpi_sum, &timer};
  specot_relu_shard *s = NULL;
  if (specot_relu_shard_alloc(NULL, z, y, ND, DZ, hi - lo, N, &red, &s))
    MPI_Abort(MPI_COMM_WORLD, 1);
  double e0 = 0.0, e = 0.0;
  (void)specot_relu_shard_step(NULL, s, p, 0.01, x, &e0); /* warm-up step, untimed */
  timer.seconds = 0.0;
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  const clock_t c0 = clock();
  for (int k = 0; k < steps; ++k)
    if (specot_relu_shard_step(NULL, s, p, 0.01, x, &e)) MPI_Abort(MPI_COMM_WORLD, 1);
  MPI_Barrier(MPI_COMM_WORLD);
  const double t = MPI_Wtime() - t0, cpu = (double)(clock() - c0) / CLOCKS_PER_SEC / steps;
  if (rank == 0) {
    const double per_step = t / steps, comm = timer.seconds / steps, compute = per_step - comm;
    /* Weak-scaling model: compute time per particle from this run. */
    /* CPU time of rank 0 (the machine is shared: wall time includes waiting). */
    const double per_particle = (cpu - comm) / (double)(hi - lo);
    const double P = 100.0, bytes = 8.0 * (ND + D * D), alpha = 2e-6, bw = 1e10;
    const double t_ar = 2.0 * log2(P) * alpha + 2.0 * (P - 1.0) / P * bytes / bw;
    const double t_model = per_particle * 1e6 + t_ar;
    printf(
        "{\"ranks\": %d, \"particles\": %zu, \"steps\": %d, \"steps_per_s\": %.4g, "
        "\"time_per_step\": %.4g, \"cpu_per_step_rank0\": %.4g, \"compute\": %.4g, "
        "\"allreduce\": %.4g, "
        "\"energy_first\": %.10g, \"energy_last\": %.10g, "
        "\"model_1e8_on_100_nodes\": {\"particles_per_node\": 1000000, "
        "\"compute\": %.4g, \"allreduce\": %.3g, \"steps_per_s\": %.4g}}\n",
        size, N, steps, 1.0 / per_step, per_step, cpu, compute, comm, e0, e, per_particle * 1e6,
        t_ar, 1.0 / t_model);
  }
  specot_relu_shard_free(s);
  free(x);
  MPI_Finalize();
  return 0;
}
