"""The names promised by the issue and POT's argument names exist."""
import inspect

import pytest

import specot

NAMES = ["emd", "emd2", "emd_1d", "emd2_1d", "sinkhorn", "sinkhorn2", "sinkhorn_divergence",
         "empirical_sinkhorn_divergence", "dist", "unif", "schatten_lmo", "particle_lmo",
         "block_lmo", "polar", "newton_schulz", "regularized_polar", "transport", "gaussian",
         "geodesic", "flow", "muon_step", "divergence", "NumericalError", "shk_sample",
         "shk_gauss_ode", "dpcert", "Memory", "RetrievalResult", "hopfield_flatten",
         "hopfield_retrieve", "sdot_solve", "sdot_map", "sdot_cells", "sdot_exact",
         "torch_randn", "torch_randperm", "attention_predict", "attention_effective_tokens",
         "sdot_generate", "precision_recall"]


@pytest.mark.parametrize("name", NAMES)
def test_name_exists(name):
    assert hasattr(specot, name)


def test_pot_signatures_match():
    ot = pytest.importorskip("ot")
    pairs = [(specot.emd, ot.emd), (specot.emd2, ot.emd2), (specot.emd_1d, ot.emd_1d),
             (specot.emd2_1d, ot.emd2_1d), (specot.sinkhorn, ot.sinkhorn),
             (specot.sinkhorn2, ot.sinkhorn2), (specot.dist, ot.dist),
             (specot.empirical_sinkhorn_divergence, ot.bregman.empirical_sinkhorn_divergence)]
    for ours, theirs in pairs:
        p_ours = list(inspect.signature(ours).parameters)
        p_theirs = [p for p in inspect.signature(theirs).parameters if p != "kwargs"]
        # POT's positional parameters come first, in POT's order, with POT's names.
        assert p_ours[:len(p_theirs)] == p_theirs, (ours.__name__, p_ours, p_theirs)


def test_version():
    assert specot.__version__.count(".") == 2
