/* Scratch folder helpers of the fuzz targets (see scratch.h). */
#include "scratch.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *mkdtemp(char *tmpl);

static char scratch[512];

static int for_each_file(int remove_them);

static void remove_scratch(void) {
  (void)for_each_file(1);
  (void)rmdir(scratch);
}

const char *fuzz_scratch(void) {
  if (scratch[0]) return scratch;
  const char *tmp = getenv("TMPDIR");
  snprintf(scratch, sizeof scratch, "%s/specot-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(scratch) || chdir(scratch) != 0) {
    perror("specot fuzz: scratch folder");
    abort();
  }
  atexit(remove_scratch);
  return scratch;
}

const char *fuzz_put(const char *name, const uint8_t *data, size_t len) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/%s", fuzz_scratch(), name);
  FILE *fp = fopen(path, "wb");
  if (!fp || (len && fwrite(data, 1, len, fp) != len) || fclose(fp) != 0) {
    perror("specot fuzz: write");
    abort();
  }
  return path;
}

static int for_each_file(int remove_them) {
  DIR *d = opendir(fuzz_scratch());
  if (!d) abort();
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && !e->d_name[2])))
      continue;
    ++count;
    if (remove_them) {
      char path[1024];
      snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
      if (unlink(path) != 0) rmdir(path);
    }
  }
  closedir(d);
  return count;
}

void fuzz_clean(void) { (void)for_each_file(1); }
int fuzz_count_files(void) { return for_each_file(0); }
