#include "paper.h"
int paper_mlp(const paper_run *run, cli_json *j) { (void)run; (void)j; return cli_usage_error("paper", "not implemented yet"); }
