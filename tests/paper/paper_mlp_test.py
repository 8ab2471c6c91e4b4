#!/usr/bin/env python3
"""`specot paper mlp --quick` against the paper's torch notebook and the spec's numbers (see
paper_support.py).  argv[1] is the specot CLI."""
import paper_support as ps

if __name__ == "__main__":
    ps.main([ps.test_mlp])
