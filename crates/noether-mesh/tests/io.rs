//! MSH and VTU I/O: round trips in every format, meshes written by real Gmsh, and
//! errors on malformed files.

use noether_mesh::generate::{self, Diagonal};
use noether_mesh::geometry::{simplex_volume, total_volume};
use noether_mesh::io::msh::{MshFormat, read_msh, write_msh};
use noether_mesh::io::vtu::{Field, write_vtu};
use noether_mesh::refine::refine_uniform;
use noether_mesh::{Mesh, MeshError, Topology};
use proptest::prelude::*;

const FORMATS: [MshFormat; 4] = [
    MshFormat::V41 { binary: false },
    MshFormat::V41 { binary: true },
    MshFormat::V22 { binary: false },
    MshFormat::V22 { binary: true },
];

fn with_mixed_markers(m: Mesh) -> Mesh {
    let markers: Vec<i32> = (0..m.n_cells()).map(|c| (c % 3) as i32 * 7).collect();
    m.with_cell_markers(markers).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn write_then_read_gives_the_identical_mesh(which in 0usize..6, n in 1usize..4, f in 0usize..4) {
        let mesh = match which {
            0 => generate::interval(n + 3, -2.0, 1.5).unwrap(),
            1 => generate::unit_square(n, n + 2, Diagonal::Alternating).unwrap(),
            2 => with_mixed_markers(generate::annulus(n, 9, 0.25, 1.0).unwrap()),
            3 => generate::unit_cube(n).unwrap(),
            4 => with_mixed_markers(refine_uniform(&generate::l_shape(n).unwrap()).unwrap().mesh),
            _ => with_mixed_markers(generate::disk(n + 1, 3.0).unwrap()),
        };
        let bytes = write_msh(&mesh, FORMATS[f]);
        let back = read_msh(&bytes).unwrap();
        prop_assert_eq!(back, mesh);
    }
}

#[test]
fn surface_meshes_in_3d_round_trip() {
    let coords = vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.5, 0.0, 1.0, -0.5, 1.0, 1.0, 1.0];
    let m = Mesh::new(2, 3, coords, vec![0, 1, 2, 1, 3, 2]).unwrap();
    for f in FORMATS {
        assert_eq!(read_msh(&write_msh(&m, f)).unwrap(), m);
    }
}

fn gmsh_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/gmsh/{name}",
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into())
    ))
    .unwrap()
}

#[test]
fn meshes_written_by_gmsh_are_read_correctly() {
    // plate with a hole: the same Gmsh mesh saved as MSH 4.1 ASCII and 2.2 binary
    let a = read_msh(&gmsh_file("plate_v41.msh")).unwrap();
    let b = read_msh(&gmsh_file("plate_v22_bin.msh")).unwrap();
    assert_eq!(a.n_cells(), b.n_cells());
    assert_eq!(a.cells(), b.cells());
    assert_eq!(a.coords(), b.coords());
    assert_eq!((a.dim(), a.gdim()), (2, 2));
    assert!(a.cell_markers().iter().all(|&m| m == 10));
    let t = Topology::new(&a).unwrap();
    assert_eq!(t.betti_numbers(), vec![1, 1, 0]);
    // every boundary edge is tagged, outer (1) or hole (2)
    assert_eq!(a.facet_markers().len(), t.boundary_facets().len());
    let length = |m: i32| -> f64 {
        a.tagged_facets()
            .chunks_exact(2)
            .zip(a.facet_markers())
            .filter(|(_, k)| **k == m)
            .map(|(f, _)| simplex_volume(&a, f))
            .sum()
    };
    assert!((length(1) - 6.0).abs() < 1e-12);
    let circle = 2.0 * std::f64::consts::PI * 0.2;
    // 12 chords of a circle of radius 0.2: 1.1% short
    assert!((length(2) - circle).abs() < 0.02 * circle);
    let area = 2.0 - std::f64::consts::PI * 0.04;
    assert!((total_volume(&a) - area).abs() < 0.01 * area);

    // cube: MSH 4.1 binary and 2.2 ASCII
    let c = read_msh(&gmsh_file("cube_v41_bin.msh")).unwrap();
    let d = read_msh(&gmsh_file("cube_v22.msh")).unwrap();
    assert_eq!(c.cells(), d.cells());
    assert_eq!((c.dim(), c.gdim()), (3, 3));
    assert!((total_volume(&c) - 1.0).abs() < 1e-12);
    assert!(c.cell_markers().iter().all(|&m| m == 7));
    let t = Topology::new(&c).unwrap();
    assert_eq!(t.euler_characteristic(), 1);
    assert_eq!(c.facet_markers().len(), t.boundary_facets().len());
    assert!(c.facet_markers().iter().all(|&m| m == 3));
    // and they survive our writer
    for f in FORMATS {
        assert_eq!(read_msh(&write_msh(&c, f)).unwrap(), c);
    }
}

fn parse_error(text: &str) -> (String, usize, String) {
    match read_msh(text.as_bytes()) {
        Err(MeshError::Parse {
            section,
            line,
            message,
            ..
        }) => (section, line, message),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn malformed_files_name_the_section_and_line() {
    let good = String::from_utf8(write_msh(
        &generate::unit_square(1, 1, Diagonal::Right).unwrap(),
        MshFormat::V22 { binary: false },
    ))
    .unwrap();
    // the first triangle's line: "tag 2 2 marker entity a b c"
    let tri = good
        .lines()
        .find(|l| l.split(' ').nth(1) == Some("2"))
        .unwrap()
        .to_string();
    let parts: Vec<&str> = tri.split(' ').collect();
    // an element referring to a missing node
    let bad = good.replace(&tri, &format!("{} 99", parts[..7].join(" ")));
    let (section, _, message) = parse_error(&bad);
    assert!(message.contains("node tag"), "{message}");
    assert_eq!(section, "end of file");
    // a non-numeric coordinate on line 7 of $Nodes
    let lines: Vec<&str> = good.lines().collect();
    let node_line = lines.iter().position(|l| *l == "$Nodes").unwrap() + 3;
    let mut broken: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    broken[node_line - 1] = "2 one 0 0".into();
    let (section, line, message) = parse_error(&(broken.join("\n") + "\n"));
    assert_eq!(section, "$Nodes");
    assert_eq!(line, node_line);
    assert!(message.contains("\"one\""), "{message}");
    // truncated file
    let (section, _, message) = parse_error(&good[..good.len() / 2]);
    assert!(!section.is_empty() && !message.is_empty());
    // unknown element type (a quadrangle)
    let quad = good.replace(&tri, &format!("{} 3 {} 1", parts[0], parts[2..].join(" ")));
    let (section, _, message) = parse_error(&quad);
    assert_eq!(section, "$Elements");
    assert!(message.contains("element type 3"), "{message}");
    // wrong version, absurd counts
    assert!(
        parse_error("$MeshFormat\n3.0 0 8\n$EndMeshFormat\n")
            .2
            .contains("version")
    );
    let huge = good.replace("$Nodes\n4\n", "$Nodes\n99999999999\n");
    assert!(parse_error(&huge).2.contains("invalid number of nodes"));
    // binary data cut short
    let bin = write_msh(
        &generate::unit_cube(1).unwrap(),
        MshFormat::V41 { binary: true },
    );
    assert!(matches!(
        read_msh(&bin[..bin.len() - 40]),
        Err(MeshError::Parse { .. })
    ));
}

#[test]
fn vtu_holds_points_cells_and_fields() {
    let m = generate::unit_cube(2).unwrap();
    let u: Vec<f64> = (0..m.n_vertices())
        .map(|v| m.vertex(v).iter().sum())
        .collect();
    let grad: Vec<f64> = (0..m.n_cells()).flat_map(|_| [1.0, 1.0, 1.0]).collect();
    let xml = write_vtu(
        &m,
        &[Field::scalar("u", &u)],
        &[Field::vector("grad u", &grad, 3)],
    )
    .unwrap();
    assert!(xml.contains(&format!(
        "NumberOfPoints=\"{}\" NumberOfCells=\"{}\"",
        m.n_vertices(),
        m.n_cells()
    )));
    assert!(
        xml.contains("Name=\"u\"")
            && xml.contains("Name=\"grad u\"")
            && xml.contains("Name=\"marker\"")
    );
    // one VTK_TETRA (10) per cell
    let types = xml
        .split("Name=\"types\"")
        .nth(1)
        .unwrap()
        .split("</DataArray>")
        .next()
        .unwrap();
    assert_eq!(
        types.split_whitespace().filter(|t| *t == "10").count(),
        m.n_cells()
    );
    assert!(write_vtu(&m, &[Field::scalar("short", &u[1..])], &[]).is_err());
    assert!(
        write_vtu(
            &m,
            &[Field::scalar("nan", &vec![f64::NAN; m.n_vertices()])],
            &[]
        )
        .is_err()
    );
}
