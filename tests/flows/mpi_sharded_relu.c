/*
 * The sharded ReLU flow over MPI (run by ctest with `mpiexec -np 2` when MPI
 * was found at configure time): every rank holds a contiguous block of the
 * particles, the reductions are MPI_Allreduce; after STEPS steps rank 0
 * gathers the particles and compares them, and every energy, with one
 * process's specot_flow Euler run (to 1e-10: the sums differ only in order).
 * Exit status 0 on agreement, 1 otherwise (on every rank).
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "specot/flows.h"
#include "specot/flows_sharded.h"
#include "specot/rng.h"

enum { ND = 200, DZ = 2, D = 3, N = 101, STEPS = 8 };

static int mpi_sum(double *buf, size_t len, void *user) {
  return MPI_Allreduce(MPI_IN_PLACE, buf, (int)len, MPI_DOUBLE, MPI_SUM, *(MPI_Comm *)user) !=
         MPI_SUCCESS;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm comm = MPI_COMM_WORLD;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  static double z[ND * DZ], y[ND], x0[N * D], x[N * D], e[STEPS], eref[STEPS];
  specot_rng r;
  specot_rng_seed(&r, 5);
  specot_rng_fill_normal(&r, z, ND * DZ, 0.0, 1.0);
  for (size_t j = 0; j < ND; ++j)
    y[j] = fmax(0.0, 0.8 * z[2 * j] - 0.6 * z[2 * j + 1]) - 0.5 * fmax(0.0, z[2 * j + 1]);
  specot_rng_fill_normal(&r, x0, N * D, 0.0, 0.7);
  /* Rank k holds particles [N k / size, N (k+1) / size). */
  int counts[64], displs[64];
  for (int k = 0; k < size && k < 64; ++k) {
    displs[k] = (int)((size_t)N * (size_t)k / (size_t)size) * D;
    counts[k] = (int)((size_t)N * (size_t)(k + 1) / (size_t)size) * D - displs[k];
  }
  const size_t lo = (size_t)displs[rank] / D, nloc = (size_t)counts[rank] / D;
  double *xl = malloc(nloc * D * sizeof *xl);
  memcpy(xl, x0 + lo * D, nloc * D * sizeof *xl);
  const specot_reducer red = {mpi_sum, &comm};
  specot_relu_shard *s = NULL;
  int bad = size > 64 || specot_relu_shard_alloc(NULL, z, y, ND, DZ, nloc, N, &red, &s) != 0;
  for (int k = 0; k < STEPS && !bad; ++k)
    bad = specot_relu_shard_step(NULL, s, INFINITY, 0.05, xl, &e[k]) != 0;
  MPI_Gatherv(xl, (int)(nloc * D), MPI_DOUBLE, x, counts, displs, MPI_DOUBLE, 0, comm);
  if (rank == 0 && !bad) {
    specot_flow_objective obj;
    specot_flow_opts o;
    specot_flow_opts_init(&o);
    o.p = INFINITY;
    o.dt = 0.05;
    specot_flow *fl = NULL;
    bad = specot_flow_relu_alloc(NULL, z, y, ND, DZ, &obj) ||
          specot_flow_alloc(NULL, &obj, &o, N, D, x0, NULL, &fl);
    for (int k = 0; k < STEPS && !bad; ++k) {
      specot_flow_diag dg;
      specot_flow_diag_get(fl, &dg);
      eref[k] = dg.energy;
      bad = specot_flow_step(NULL, fl, NULL) < 0;
    }
    double dx = 0.0, de = 0.0;
    if (!bad) {
      const double *xr = specot_flow_particles(fl);
      for (size_t i = 0; i < N * D; ++i) dx = fmax(dx, fabs(x[i] - xr[i]) / (1.0 + fabs(xr[i])));
      for (int k = 0; k < STEPS; ++k) de = fmax(de, fabs(e[k] - eref[k]) / fabs(eref[k]));
    }
    printf("ranks %d: max particle difference %.3g, energy %.3g (relative)\n", size, dx, de);
    bad = bad || !(dx <= 1e-10) || !(de <= 1e-11);
    specot_flow_free(fl);
    specot_flow_objective_free(&obj);
  }
  MPI_Bcast(&bad, 1, MPI_INT, 0, comm);
  specot_relu_shard_free(s);
  free(xl);
  MPI_Finalize();
  return bad ? 1 : 0;
}
