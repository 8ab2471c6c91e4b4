/* `specot` command-line entry point: dispatches to the subcommands listed in commands.h. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
#define X(name, fn, summary) {name, fn, summary},
#include "commands.h"
#undef X
};

static void print_usage(FILE *out) {
  fprintf(out,
          "usage: specot <command> [options]\n"
          "Spectral optimal transport and Muon-type gradient flows (specot %s).\n\n"
          "Commands:\n",
          specot_version());
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
    fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\nRun 'specot <command> --help' for the options of a command.\n"
          "Exit status: 0 ok, 2 usage error, 3 bad input, 4 numerical failure.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
    print_usage(stdout);
    return CLI_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) return cmd_version(argc - 1, argv + 1);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "specot: unknown command '%s' (run 'specot --help' for the list)\n", argv[1]);
  return CLI_EXIT_USAGE;
}

int cmd_version(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: specot version\nPrints the library version.\n");
    return CLI_EXIT_OK;
  }
  if (argc > 1) return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
  printf("specot %s\n", specot_version());
  return CLI_EXIT_OK;
}
