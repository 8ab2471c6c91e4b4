#!/usr/bin/env python3
"""`specot paper mmd --quick` against the paper's torch notebook (see paper_support.py).
argv[1] is the specot CLI."""
import paper_support as ps

if __name__ == "__main__":
    ps.main([ps.test_mmd])
