#!/usr/bin/env python3
"""`specot paper mmd` and `specot paper mlp` against the paper's torch notebooks (see paper_support.py).
argv[1] is the specot CLI; optional further arguments select test functions by name."""
import paper_support as ps

if __name__ == "__main__":
    ps.main([ps.test_mmd, ps.test_mlp])
