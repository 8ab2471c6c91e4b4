/* A minimal JSON object writer for --json outputs. */
#include <math.h>

#include "cli.h"

static void key(cli_json *j, const char *k) {
  if (!j->first) fputc(',', j->out);
  j->first = 0;
  if (k) fprintf(j->out, "\"%s\":", k);
}

static void string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; ++s) {
    const unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

static void number(FILE *out, double v) {
  if (isnan(v)) fputs("\"nan\"", out);
  else if (isinf(v)) fputs(v > 0 ? "\"inf\"" : "\"-inf\"", out);
  else fprintf(out, "%.17g", v);
}

void cli_json_begin(cli_json *j, FILE *out) {
  j->out = out;
  j->first = 1;
  j->depth = 1;
  fputc('{', out);
}

void cli_json_num(cli_json *j, const char *k, double v) {
  key(j, k);
  number(j->out, v);
}

void cli_json_int(cli_json *j, const char *k, long long v) {
  key(j, k);
  fprintf(j->out, "%lld", v);
}

void cli_json_str(cli_json *j, const char *k, const char *v) {
  key(j, k);
  string(j->out, v);
}

void cli_json_bool(cli_json *j, const char *k, int v) {
  key(j, k);
  fputs(v ? "true" : "false", j->out);
}

void cli_json_array(cli_json *j, const char *k, const double *values, size_t len) {
  key(j, k);
  fputc('[', j->out);
  for (size_t i = 0; i < len; ++i) {
    if (i) fputc(',', j->out);
    number(j->out, values[i]);
  }
  fputc(']', j->out);
}

void cli_json_begin_object(cli_json *j, const char *k) {
  key(j, k);
  fputc('{', j->out);
  j->first = 1;
  ++j->depth;
}

void cli_json_end_object(cli_json *j) {
  fputc('}', j->out);
  j->first = 0;
  --j->depth;
}

void cli_json_end(cli_json *j) {
  while (j->depth-- > 0) fputc('}', j->out);
  fputc('\n', j->out);
  fflush(j->out);
}
