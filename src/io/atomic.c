/* Atomic file writing: temporary file in the destination folder, fsync, rename. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_internal.h"

specot_status specot__atomic_open(specot_ctx *ctx, const char *path, specot__atomic_file *af) {
  const size_t len = strlen(path);
  af->tmp = malloc(len + 16);
  af->fp = NULL;
  af->path = path;
  if (!af->tmp) return specot__fail(ctx, SPECOT_ERR_NOMEM, "io: out of memory");
  memcpy(af->tmp, path, len);
  memcpy(af->tmp + len, ".tmp.XXXXXX", 12);
  const int fd = mkstemp(af->tmp);
  if (fd < 0) {
    const int err = errno;
    free(af->tmp);
    af->tmp = NULL;
    return specot__fail(ctx, SPECOT_ERR_IO, "io: cannot create '%s': %s", path, strerror(err));
  }
  af->fp = fdopen(fd, "wb");
  if (!af->fp) {
    close(fd);
    unlink(af->tmp);
    free(af->tmp);
    af->tmp = NULL;
    return specot__fail(ctx, SPECOT_ERR_IO, "io: cannot open '%s' for writing", path);
  }
  return SPECOT_OK;
}

specot_status specot__atomic_close(specot_ctx *ctx, specot__atomic_file *af, int ok) {
  specot_status st = SPECOT_OK;
  if (af->fp) {
    int failed = ferror(af->fp) != 0;
    failed |= fflush(af->fp) != 0;
    failed |= fsync(fileno(af->fp)) != 0;
    failed |= fclose(af->fp) != 0;
    af->fp = NULL;
    if (ok && failed) {
      st = specot__fail(ctx, SPECOT_ERR_IO, "io: error while writing '%s' (disk full?)", af->path);
      ok = 0;
    }
  }
  if (ok && rename(af->tmp, af->path) != 0) {
    st = specot__fail(ctx, SPECOT_ERR_IO, "io: cannot rename temporary file onto '%s': %s",
                      af->path, strerror(errno));
    ok = 0;
  }
  if (!ok) unlink(af->tmp);
  free(af->tmp);
  af->tmp = NULL;
  return st;
}
