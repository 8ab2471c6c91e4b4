/* The table of `specot` subcommands: X(name, function, one-line summary).
 * Each command lives in cli/cmd_<name>.c and has the signature
 * int cmd_<name>(int argc, char **argv) with argv[0] the command name. */
X("version", cmd_version, "print the library version")
X("demo", cmd_demo, "run the built-in demonstration, writing results under out/")
X("convert", cmd_convert, "convert an array between .npy and CSV/text")
