/* Aligned allocation and small array checks. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

double *specot__alloc_doubles(size_t len) {
  size_t bytes;
  if (specot__mul_size(len ? len : 1, sizeof(double), &bytes) != 0) return NULL;
  /* aligned_alloc requires a size that is a multiple of the alignment. */
  bytes = (bytes + 63u) & ~(size_t)63u;
  if (bytes == 0) return NULL;
  return aligned_alloc(64, bytes);
}

void specot__free(void *p) { free(p); }

int specot__all_finite(const double *x, size_t len) {
  for (size_t i = 0; i < len; ++i)
    if (!isfinite(x[i])) return 0;
  return 1;
}
