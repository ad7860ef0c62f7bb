//! Cross-check against DOLFINx 0.5.2: P1 and P2 stiffness matrices on perturbed
//! meshes equal DOLFINx's up to the dof permutation, to 1e-12 relative. The reference
//! files and the script that made them are in `tests/data/dolfinx/`.

use std::collections::HashMap;

use noether_fem::assemble::{Term, bilinear};
use noether_fem::element::Element;
use noether_fem::space::{FunctionSpace, Op};
use noether_mesh::Mesh;
use serde_json::Value;

fn floats(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}
fn ints(v: &Value, key: &str) -> Vec<usize> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn key(x: &[f64]) -> Vec<i64> {
    x.iter().map(|v| (v * 1e9).round() as i64).collect()
}

fn check(file: &str) {
    let path = format!(
        "{}/tests/data/dolfinx/{file}",
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into())
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let d = v["dim"].as_u64().unwrap() as usize;
    let degree = v["degree"].as_u64().unwrap() as usize;
    let mesh = Mesh::new(d, d, floats(&v, "coords"), ints(&v, "cells")).unwrap();
    let space = FunctionSpace::new(&mesh, Element::lagrange(d, degree).unwrap()).unwrap();
    // degree 1: the specialised P1 assembly (the benchmarked one); else the general one
    let ours = if degree == 1 {
        noether_fem::p1::P1Space::new(&mesh)
            .unwrap()
            .stiffness(None)
            .unwrap()
    } else {
        bilinear(&space, &space, &[Term::new(Op::Grad, Op::Grad)]).unwrap()
    };
    // DOLFINx dof → our dof, by coordinates
    let our_coords = space.dof_coordinates().unwrap();
    let index: HashMap<Vec<i64>, usize> = our_coords
        .chunks(d)
        .enumerate()
        .map(|(i, x)| (key(x), i))
        .collect();
    assert_eq!(
        index.len(),
        space.ndofs(),
        "our dof coordinates are not distinct"
    );
    let theirs_coords = floats(&v, "dof_coords");
    let perm: Vec<usize> = theirs_coords.chunks(d).map(|x| index[&key(x)]).collect();
    assert_eq!(perm.len(), space.ndofs());
    // dense comparison (the matrices are small)
    let n = space.ndofs();
    let mut diff = vec![0.0; n * n];
    let sym = ours.symbolic();
    for r in 0..n {
        let range = sym.row_range(r);
        for (&c, &val) in sym.col_idx()[range.clone()].iter().zip(&ours.val()[range]) {
            diff[r * n + c] += val;
        }
    }
    let (rows, cols, vals) = (ints(&v, "rows"), ints(&v, "cols"), floats(&v, "vals"));
    let scale = vals.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    for ((&r, &c), &val) in rows.iter().zip(&cols).zip(&vals) {
        diff[perm[r] * n + perm[c]] -= val;
    }
    let err = diff.iter().fold(0.0f64, |a, x| a.max(x.abs())) / scale;
    println!("{file}: {n} dofs, max |K_noether − P K_dolfinx Pᵀ| / max |K| = {err:.2e}");
    assert!(err < 1e-12, "{file}: relative difference {err:e}");
}

#[test]
fn general_and_specialised_p1_assembly_agree() {
    let mesh = noether_mesh::generate::unit_cube(4).unwrap();
    let space = FunctionSpace::new(&mesh, Element::lagrange(3, 1).unwrap()).unwrap();
    let general = bilinear(&space, &space, &[Term::new(Op::Grad, Op::Grad)]).unwrap();
    let fast = noether_fem::p1::P1Space::new(&mesh)
        .unwrap()
        .stiffness(None)
        .unwrap();
    let x: Vec<f64> = (0..space.ndofs())
        .map(|i| ((i * 7919) % 101) as f64 / 101.0)
        .collect();
    let col = faer::col::Col::from_fn(x.len(), |i| x[i]);
    let (a, b) = (&general * &col, &fast * &col);
    let err = (0..x.len())
        .map(|i| (a[i] - b[i]).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-13, "{err}");
}

#[test]
fn p1_stiffness_equals_dolfinx() {
    check("stiffness_2d_p1.json");
    check("stiffness_3d_p1.json");
}

#[test]
fn p2_stiffness_equals_dolfinx() {
    check("stiffness_2d_p2.json");
    check("stiffness_3d_p2.json");
}
