//! The areas of the workspace: one entry per crate area, the single list that the
//! CLI help, `cargo xtask bench` with no argument, the workflows' dispatch and the
//! README's workflow table come from.

/// One experiment of `cargo xtask reproduce`.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// Name on the command line (`cargo xtask reproduce NAME`).
    pub name: &'static str,
    /// What it reproduces, one line.
    pub about: &'static str,
}

/// One area of the workspace (a crate and its workflows).
#[derive(Debug, Clone, Copy)]
pub struct Area {
    /// Name on the command line (`cargo xtask bench NAME`).
    pub name: &'static str,
    /// The crate it covers.
    pub crate_name: &'static str,
    /// What `cargo xtask bench NAME` compares, or `None` when the area has no
    /// benchmark yet.
    pub bench: Option<&'static str>,
    /// Whether `benches/` has a criterion benchmark of this name, run by
    /// `cargo xtask bench NAME` after the peer comparison.
    pub criterion: bool,
    /// A peer that pip cannot install, with its Debian install command: checked up
    /// front by `cargo xtask bench NAME` unless `--no-peers` is given.
    pub system_peer: Option<SystemPeer>,
    /// Whether `cargo xtask demo` has a showcase of this area.
    pub demo: bool,
    /// Its `cargo xtask reproduce` experiments.
    pub reproduce: &'static [Target],
}

/// A peer library installed from Debian rather than pip.
#[derive(Debug, Clone, Copy)]
pub struct SystemPeer {
    /// Its name (`DOLFINx`).
    pub name: &'static str,
    /// The command that installs it.
    pub install: &'static str,
    /// Commands (program and arguments) that all succeed when it is installed.
    pub probes: &'static [&'static [&'static str]],
}

const DOLFINX: SystemPeer = SystemPeer {
    name: "DOLFINx",
    install: "apt-get install -y python3-dolfinx openmpi-bin",
    probes: &[
        &["/usr/bin/python3", "-c", "import dolfinx"],
        &["mpirun", "--version"],
    ],
};

/// Every area, in the order the workflows run them.
pub const AREAS: &[Area] = &[
    Area {
        name: "core",
        crate_name: "noether-core",
        bench: Some("CG on the 2-D Laplacian vs scipy"),
        criterion: true,
        system_peer: None,
        demo: true,
        reproduce: &[Target {
            name: "krylov-laplacian",
            about: "CG iterations grow like √κ on the 2-D Laplacian (slope ½)",
        }],
    },
    Area {
        name: "diffeq",
        crate_name: "noether-diffeq",
        bench: Some("Lorenz and Robertson work-precision vs diffrax and scipy"),
        criterion: true,
        system_peer: None,
        demo: true,
        reproduce: &[],
    },
    Area {
        name: "mesh",
        crate_name: "noether-mesh",
        bench: Some("building a 10⁶-cell unit cube and its topology vs DOLFINx"),
        criterion: true,
        system_peer: Some(DOLFINX),
        demo: true,
        reproduce: &[],
    },
    Area {
        name: "fem",
        crate_name: "noether-fem",
        bench: Some("P1 stiffness assembly vs DOLFINx and scikit-fem; multigrid Poisson"),
        criterion: false,
        system_peer: Some(DOLFINX),
        demo: true,
        reproduce: &[Target {
            name: "maxwell",
            about: "Nédélec eigenvalues of the square cavity, no spurious modes",
        }],
    },
    Area {
        name: "gp",
        crate_name: "noether-gp",
        bench: Some(
            "exact Kronecker solve and log-determinant at 128³ vs numpy; a GP-HM Adam step vs the authors' log",
        ),
        criterion: true,
        system_peer: None,
        demo: true,
        reproduce: &[
            Target {
                name: "gp-hm",
                about: "GP-HM's 1-D Poisson/Allen–Cahn and 2-D Poisson tables",
            },
            Target {
                name: "gp-hm-advection",
                about: "GP-HM on the advection benchmark",
            },
        ],
    },
    Area {
        name: "neural-ode",
        crate_name: "noether-diffeq",
        bench: Some(
            "a training step of diffrax's small neural ODE (checkpointed and backsolve adjoints) vs diffrax + equinox",
        ),
        criterion: false,
        system_peer: None,
        demo: true,
        reproduce: &[
            Target {
                name: "local-reg",
                about: "local regularisation of a neural-ODE digit classifier (Pal et al. 2023): prediction NFE with and without",
            },
            Target {
                name: "fbm-vi",
                about: "the Hurst index of fractional OU data learnt by variational inference with Markov-approximate fBM (Daems et al. 2024)",
            },
        ],
    },
    Area {
        name: "flow",
        crate_name: "noether-flow",
        bench: Some(
            "Sinkhorn at n = 5000 vs POT's sinkhorn2 and sinkhorn_log; exact W₂ at n = 10⁴ vs ot.emd2",
        ),
        criterion: false,
        system_peer: None,
        demo: true,
        reproduce: &[Target {
            name: "flows-2d",
            about: "the 2-D W₂ table of [SF]²M (OT-CFM, I-CFM, SB-CFM, a stochastic interpolant) with the finite-sample floor",
        }],
    },
    Area {
        name: "kernels",
        crate_name: "noether-kernels",
        bench: None,
        criterion: false,
        system_peer: None,
        demo: false,
        reproduce: &[],
    },
];

/// The area called `name`.
pub fn area(name: &str) -> Option<&'static Area> {
    AREAS.iter().find(|a| a.name == name)
}

/// The names of the areas with a benchmark.
pub fn bench_areas() -> Vec<&'static str> {
    AREAS
        .iter()
        .filter(|a| a.bench.is_some())
        .map(|a| a.name)
        .collect()
}

/// Every reproduce target, with its area.
pub fn targets() -> impl Iterator<Item = (&'static Area, &'static Target)> {
    AREAS
        .iter()
        .flat_map(|a| a.reproduce.iter().map(move |t| (a, t)))
}

/// The README's table of areas and their workflows (Markdown).
pub fn markdown_table() -> String {
    let mut s = String::from(
        "| area | crate | `cargo xtask bench AREA` | `cargo xtask reproduce NAME` |\n|---|---|---|---|\n",
    );
    for a in AREAS {
        let bench = match (a.bench, a.system_peer) {
            (Some(b), Some(p)) => format!("{b} (needs {p}: `{}`)", p.install, p = p.name),
            (Some(b), None) => b.to_string(),
            (None, _) => "none yet".to_string(),
        };
        let reproduce = if a.reproduce.is_empty() {
            "none yet".to_string()
        } else {
            a.reproduce
                .iter()
                .map(|t| format!("`{}`: {}", t.name, t.about))
                .collect::<Vec<_>>()
                .join("; ")
        };
        s.push_str(&format!(
            "| {} | `{}` | {bench} | {reproduce} |\n",
            a.name, a.crate_name
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lowercase() {
        // lowercase letters, digits (`flows-2d`) and hyphens
        let mut names: Vec<&str> = AREAS.iter().map(|a| a.name).collect();
        names.extend(targets().map(|(_, t)| t.name));
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "an area or target name is repeated");
        assert!(names.iter().all(|n| {
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }));
    }

    #[test]
    fn readme_table_is_the_registry() {
        let readme = std::fs::read_to_string(crate::paths::root().join("README.md"))
            .expect("README.md at the workspace root");
        assert!(
            readme.contains(&markdown_table()),
            "README's area table differs from the registry; paste `cargo xtask areas`:\n{}",
            markdown_table()
        );
    }

    #[test]
    fn every_criterion_bench_is_a_bench_target() {
        let manifest = std::fs::read_to_string(crate::paths::root().join("benches/Cargo.toml"))
            .expect("benches/Cargo.toml");
        for a in AREAS.iter().filter(|a| a.criterion) {
            assert!(
                manifest.contains(&format!("name = \"{}\"", a.name)),
                "no criterion bench {}",
                a.name
            );
        }
    }

    #[test]
    fn every_crate_of_an_area_is_a_workspace_member() {
        let manifest = std::fs::read_to_string(crate::paths::root().join("Cargo.toml"))
            .expect("workspace Cargo.toml");
        for a in AREAS {
            assert!(
                manifest.contains(&format!("\"crates/{}\"", a.crate_name)),
                "{} is not a member",
                a.crate_name
            );
        }
    }
}
