//! VTK XML unstructured-grid (`.vtu`) output for ParaView, ASCII, with point and
//! cell data. The cell markers are always written as the cell array `marker`.
//!
//! ```
//! use noether_mesh::generate::{unit_square, Diagonal};
//! use noether_mesh::io::vtu::{write_vtu, Field};
//!
//! let mesh = unit_square(2, 2, Diagonal::Right).unwrap();
//! let x: Vec<f64> = (0..mesh.n_vertices()).map(|v| mesh.vertex(v)[0]).collect();
//! let xml = write_vtu(&mesh, &[Field::scalar("x", &x)], &[]).unwrap();
//! assert!(xml.contains("NumberOfCells=\"8\""));
//! ```

use std::fmt::Write as _;

use crate::error::{Result, invalid};
use crate::mesh::Mesh;

/// A named data array on points or cells with `components` values per entry.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// Name shown in ParaView.
    pub name: &'a str,
    /// Values, `components` per point or cell.
    pub values: &'a [f64],
    /// Values per entry (1 scalar, 3 vector).
    pub components: usize,
}

impl<'a> Field<'a> {
    /// A scalar field.
    pub fn scalar(name: &'a str, values: &'a [f64]) -> Self {
        Self {
            name,
            values,
            components: 1,
        }
    }

    /// A vector field with `components` values per entry.
    pub fn vector(name: &'a str, values: &'a [f64], components: usize) -> Self {
        Self {
            name,
            values,
            components,
        }
    }
}

/// VTK cell type of a simplex with `n` vertices.
fn vtk_type(n: usize) -> u8 {
    match n {
        2 => 3,
        3 => 5,
        _ => 10,
    }
}

fn write_fields(s: &mut String, fields: &[Field], count: usize, what: &'static str) -> Result<()> {
    for f in fields {
        if f.components == 0 || f.values.len() != count * f.components {
            return Err(invalid(
                what,
                format!("{} ({} values)", f.name, f.values.len()),
                "needs components × entities values",
            ));
        }
        if f.values.iter().any(|v| !v.is_finite()) {
            return Err(invalid(what, f.name, "has non-finite values"));
        }
        let _ = writeln!(
            s,
            "        <DataArray type=\"Float64\" Name=\"{}\" NumberOfComponents=\"{}\" format=\"ascii\">",
            xml_escape(f.name),
            f.components
        );
        for chunk in f.values.chunks(f.components) {
            let line: Vec<String> = chunk.iter().map(|v| v.to_string()).collect();
            let _ = writeln!(s, "          {}", line.join(" "));
        }
        s.push_str("        </DataArray>\n");
    }
    Ok(())
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The `.vtu` document of `mesh` with point and cell fields. Fails when a field's
/// length does not match or it holds non-finite values.
pub fn write_vtu(mesh: &Mesh, point_data: &[Field], cell_data: &[Field]) -> Result<String> {
    let (nv, nc, per) = (mesh.n_vertices(), mesh.n_cells(), mesh.dim() + 1);
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\"?>\n<VTKFile type=\"UnstructuredGrid\" version=\"1.0\" byte_order=\"LittleEndian\">\n  <UnstructuredGrid>\n");
    let _ = writeln!(
        s,
        "    <Piece NumberOfPoints=\"{nv}\" NumberOfCells=\"{nc}\">"
    );
    s.push_str("      <Points>\n        <DataArray type=\"Float64\" NumberOfComponents=\"3\" format=\"ascii\">\n");
    for v in 0..nv {
        let mut x = [0.0; 3];
        x[..mesh.gdim()].copy_from_slice(mesh.vertex(v));
        let _ = writeln!(s, "          {} {} {}", x[0], x[1], x[2]);
    }
    s.push_str("        </DataArray>\n      </Points>\n      <Cells>\n");
    s.push_str("        <DataArray type=\"Int64\" Name=\"connectivity\" format=\"ascii\">\n");
    for c in mesh.cells().chunks_exact(per) {
        let line: Vec<String> = c.iter().map(|v| v.to_string()).collect();
        let _ = writeln!(s, "          {}", line.join(" "));
    }
    s.push_str("        </DataArray>\n        <DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\">\n");
    for c in 1..=nc {
        let _ = writeln!(s, "          {}", c * per);
    }
    s.push_str("        </DataArray>\n        <DataArray type=\"UInt8\" Name=\"types\" format=\"ascii\">\n");
    for _ in 0..nc {
        let _ = writeln!(s, "          {}", vtk_type(per));
    }
    s.push_str("        </DataArray>\n      </Cells>\n      <PointData>\n");
    write_fields(&mut s, point_data, nv, "point data")?;
    s.push_str("      </PointData>\n      <CellData>\n");
    s.push_str("        <DataArray type=\"Int32\" Name=\"marker\" format=\"ascii\">\n");
    for m in mesh.cell_markers() {
        let _ = writeln!(s, "          {m}");
    }
    s.push_str("        </DataArray>\n");
    write_fields(&mut s, cell_data, nc, "cell data")?;
    s.push_str("      </CellData>\n    </Piece>\n  </UnstructuredGrid>\n</VTKFile>\n");
    Ok(s)
}
