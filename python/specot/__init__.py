"""specot — spectral optimal transport and Muon-type gradient flows (Python binding).

`import specot as ot` runs POT code that uses emd, emd2, emd_1d, emd2_1d,
sinkhorn, sinkhorn2, sinkhorn_divergence, dist, unif.  specot's own functions:
schatten_lmo, particle_lmo, block_lmo, polar, newton_schulz,
regularized_polar, transport, gaussian, geodesic, divergence, flow,
muon_step, shk_sample, dpcert, Memory, hopfield_retrieve, sdot_solve,
sdot_map, sdot_generate, torch_randn.
Errors: ValueError (bad input), specot.NumericalError (numerical
failure), KeyboardInterrupt (Ctrl-C during a solve); warnings (iteration cap)
are UserWarnings.  See docs/python.md.
"""
from ._specot import NumericalError, version  # noqa: F401
from .linalg import *  # noqa: F401,F403
from .pot import *  # noqa: F401,F403
from .ot import divergence  # noqa: F401
from .spectral import *  # noqa: F401,F403
from .flows import *  # noqa: F401,F403
from .shk import *  # noqa: F401,F403
from .memory import *  # noqa: F401,F403
from .sdot import *  # noqa: F401,F403
from .rng import *  # noqa: F401,F403

__version__ = version()
