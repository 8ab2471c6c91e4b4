/* The table of `specot` subcommands: X(name, function, one-line summary).
 * Each command lives in cli/cmd_<name>.c and has the signature
 * int cmd_<name>(int argc, char **argv) with argv[0] the command name. */
X("version", cmd_version, "print the library version")
X("demo", cmd_demo, "run the built-in demonstration, writing results under out/")
X("convert", cmd_convert, "convert an array between .npy and CSV/text")
X("lmo", cmd_lmo, "Schatten steepest-descent direction J_p of a matrix/particles/blocks")
X("polar", cmd_polar, "polar factor: exact (SVD/Gram), Newton–Schulz, or regularized O_eps")
X("norm", cmd_norm, "Schatten norm of a matrix")
X("gauge", cmd_gauge, "Schatten gauge gamma_p of a PSD matrix")
X("ot", cmd_ot, "exact (network simplex) or entropic (Sinkhorn) optimal transport")
X("divergence", cmd_divergence, "debiased Sinkhorn divergence and its gradients")
X("transport", cmd_transport, "certified spectral transport W_gamma^2 between point clouds")
X("gaussian", cmd_gaussian, "certified spectral transport W_gamma^2 between two Gaussians")
X("geodesic", cmd_geodesic, "displacement interpolation mu_t along a spectral geodesic")
X("flow", cmd_flow, "spectral particle flows (Euler / momentum / regularized-Muon Hamiltonian)")
X("muon-step", cmd_muon_step, "one discrete Muon optimizer step (KJ / torch / Moonlight conventions)")
X("paper", cmd_paper, "regenerate an experiment of the paper: figures + summary.json (paper list)")
