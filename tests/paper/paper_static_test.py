#!/usr/bin/env python3
"""`specot paper` usage, gaussians, gaussian-kl, static and the libpng reader (see paper_support.py).
argv[1] is the specot CLI; optional further arguments select test functions by name."""
import paper_support as ps

if __name__ == "__main__":
    ps.main([ps.test_usage, ps.test_gaussians, ps.test_gaussian_kl, ps.test_static, ps.test_images])
