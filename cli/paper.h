/* `specot paper`: the experiments of Peyre (2026), one file per experiment
 * (cli/paper_<name>.c), sharing the run description and helpers below. */
#ifndef SPECOT_CLI_PAPER_H
#define SPECOT_CLI_PAPER_H

#include <stddef.h>

#include "cli.h"

enum { PAPER_MAX_IMAGES = 2 };

typedef struct paper_run {
  const char *name;                     /* experiment name */
  const char *out;                      /* output folder (exists when the experiment runs) */
  int quick;                            /* 1: reduced sizes (< 1 minute) */
  int quiet;                            /* 1: no progress lines on stderr */
  const char *images[PAPER_MAX_IMAGES]; /* static: user images (--image) */
  int nimages;
} paper_run;

/* An experiment writes its figures under run->out and its key numbers into
 * the summary object j (already opened; the caller closes it).  Returns an
 * exit code. */
typedef int (*paper_fn)(const paper_run *run, cli_json *j);

int paper_gaussians(const paper_run *run, cli_json *j);
int paper_gaussian_kl(const paper_run *run, cli_json *j);
int paper_static(const paper_run *run, cli_json *j);
int paper_mmd(const paper_run *run, cli_json *j);
int paper_mlp(const paper_run *run, cli_json *j);
int paper_attention(const paper_run *run, cli_json *j);

/* "OUT/file" into buf (truncated paths are refused by the experiments' writers). */
const char *paper_path(const paper_run *run, const char *file, char *buf, size_t len);
/* Progress line "specot paper NAME: ..." on stderr unless quiet. */
void paper_note(const paper_run *run, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Key for a p value in summary objects: "1", "2", "4", "inf". */
const char *paper_pkey(double p, char *buf, size_t len);

#endif
