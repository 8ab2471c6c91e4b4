#!/usr/bin/env python3
"""`specot paper attention --quick`: the published teacher token statistics and the energy
decay (see paper_support.py).  argv[1] is the specot CLI."""
import paper_support as ps

if __name__ == "__main__":
    ps.main([ps.test_attention])
