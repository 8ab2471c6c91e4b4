/* Helpers shared by the libFuzzer targets: a private scratch folder, byte buffers as files. */
#ifndef SPECOT_FUZZ_SCRATCH_H
#define SPECOT_FUZZ_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

/* Creates (once) a private folder under $TMPDIR (or /tmp), makes it the working
 * directory and returns its path. */
const char *fuzz_scratch(void);
/* Writes len bytes to name inside the scratch folder; returns the full path (static buffer). */
const char *fuzz_put(const char *name, const uint8_t *data, size_t len);
/* Removes every plain file in the scratch folder. */
void fuzz_clean(void);
/* Number of plain files in the scratch folder. */
int fuzz_count_files(void);

#endif
