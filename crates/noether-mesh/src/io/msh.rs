//! Gmsh MSH files, versions 4.1 and 2.2, ASCII and binary (little-endian).
//!
//! Reading keeps the simplices of the highest dimension present (points, lines,
//! triangles or tetrahedra of first order) as cells and those one dimension lower as
//! tagged facets; each element's marker is its first physical group (0 without one).
//! Other element types are rejected with an error naming them. Node tags may be
//! sparse; vertices are numbered in the order of the file's node tags.
//!
//! ```
//! use noether_mesh::generate::{unit_square, Diagonal};
//! use noether_mesh::io::msh::{read_msh, write_msh, MshFormat};
//!
//! let mesh = unit_square(3, 3, Diagonal::Right).unwrap();
//! let bytes = write_msh(&mesh, MshFormat::V41 { binary: true });
//! let back = read_msh(&bytes).unwrap();
//! assert_eq!(back, mesh);
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::error::{MeshError, Result};
use crate::mesh::Mesh;

/// Which MSH flavour to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MshFormat {
    /// MSH 4.1 (Gmsh's default since 4.1).
    V41 {
        /// Binary instead of ASCII.
        binary: bool,
    },
    /// MSH 2.2 (the legacy format many tools still read).
    V22 {
        /// Binary instead of ASCII.
        binary: bool,
    },
}

/// Number of nodes and dimension of the Gmsh element types we read.
fn element_info(kind: i64) -> Option<(usize, usize)> {
    match kind {
        15 => Some((1, 0)),
        1 => Some((2, 1)),
        2 => Some((3, 2)),
        4 => Some((4, 3)),
        _ => None,
    }
}

/// Gmsh element type of a simplex with `n` vertices.
fn element_type(n: usize) -> i64 {
    match n {
        1 => 15,
        2 => 1,
        3 => 2,
        _ => 4,
    }
}

/// Byte cursor over the file with line tracking, for ASCII tokens and binary data.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    line: usize,
    format: &'static str,
    section: String,
}

impl<'a> Reader<'a> {
    fn err(&self, message: impl Into<String>) -> MeshError {
        MeshError::Parse {
            format: self.format,
            section: self.section.clone(),
            line: self.line,
            message: message.into(),
        }
    }

    fn skip_space(&mut self) {
        while let Some(&c) = self.data.get(self.pos) {
            if c == b'\n' {
                self.line += 1;
            } else if !c.is_ascii_whitespace() {
                break;
            }
            self.pos += 1;
        }
    }

    /// The next whitespace-separated token.
    fn token(&mut self) -> Result<&'a str> {
        self.skip_space();
        let start = self.pos;
        while let Some(&c) = self.data.get(self.pos) {
            if c.is_ascii_whitespace() {
                break;
            }
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.err("unexpected end of file"));
        }
        std::str::from_utf8(&self.data[start..self.pos]).map_err(|_| self.err("token is not UTF-8"))
    }

    fn int(&mut self) -> Result<i64> {
        let t = self.token()?;
        t.parse()
            .map_err(|_| self.err(format!("expected an integer, found {t:?}")))
    }

    fn count(&mut self, what: &str) -> Result<usize> {
        let v = self.int()?;
        self.check_count(v, what)
    }

    fn check_count(&self, v: i64, what: &str) -> Result<usize> {
        // no count can exceed the file's size (each item takes at least one byte)
        if v < 0 || v as u64 > self.data.len() as u64 {
            return Err(self.err(format!("invalid {what} {v}")));
        }
        Ok(v as usize)
    }

    fn float(&mut self) -> Result<f64> {
        let t = self.token()?;
        let v: f64 = t
            .parse()
            .map_err(|_| self.err(format!("expected a number, found {t:?}")))?;
        if !v.is_finite() {
            return Err(self.err(format!("non-finite coordinate {t}")));
        }
        Ok(v)
    }

    /// The rest of the current line (without the newline).
    fn rest_of_line(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(&c) = self.data.get(self.pos) {
            if c == b'\n' {
                break;
            }
            self.pos += 1;
        }
        let s = std::str::from_utf8(&self.data[start..self.pos]).unwrap_or("");
        if self.pos < self.data.len() {
            self.pos += 1;
            self.line += 1;
        }
        s
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.data.len() - self.pos < n {
            return Err(self.err(format!("binary data ends early (need {n} more bytes)")));
        }
        let b = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    fn bin_i32(&mut self) -> Result<i64> {
        let b = self.bytes(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64)
    }

    fn bin_u64(&mut self) -> Result<i64> {
        let b = self.bytes(8)?;
        let v = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        i64::try_from(v).map_err(|_| self.err(format!("size {v} too large")))
    }

    fn bin_f64(&mut self) -> Result<f64> {
        let b = self.bytes(8)?;
        let v = f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        if !v.is_finite() {
            return Err(self.err("non-finite coordinate"));
        }
        Ok(v)
    }

    /// Expects `$EndNAME` next.
    fn end(&mut self, name: &str) -> Result<()> {
        let t = self.token()?;
        if t != format!("$End{name}") {
            return Err(self.err(format!("expected $End{name}, found {t:?}")));
        }
        Ok(())
    }

    /// Skips to the line after `$EndNAME`.
    fn skip_section(&mut self, name: &str) -> Result<()> {
        let marker = format!("$End{name}");
        loop {
            let l = self.rest_of_line();
            if l.trim_end() == marker {
                return Ok(());
            }
            if self.pos >= self.data.len() {
                return Err(self.err(format!("missing {marker}")));
            }
        }
    }
}

/// One element read from the file: its dimension, marker and node tags.
struct Element {
    dim: usize,
    marker: i32,
    nodes: Vec<i64>,
}

/// Reads a mesh from the bytes of an MSH 4.1 or 2.2 file (ASCII or binary).
pub fn read_msh(data: &[u8]) -> Result<Mesh> {
    let mut r = Reader {
        data,
        pos: 0,
        line: 1,
        format: "MSH",
        section: "header".into(),
    };
    let head = r.token()?;
    if head != "$MeshFormat" {
        return Err(r.err(format!("expected $MeshFormat, found {head:?}")));
    }
    r.section = "$MeshFormat".into();
    let version = r.token()?;
    let binary = r.int()?;
    let size = r.int()?;
    if size != 8 {
        return Err(r.err(format!(
            "data size {size} (only 8-byte floats are supported)"
        )));
    }
    let v41 = match version {
        "4.1" => true,
        "2.2" => false,
        v => {
            return Err(r.err(format!(
                "unsupported MSH version {v} (4.1 and 2.2 are read)"
            )));
        }
    };
    r.format = if v41 { "MSH 4.1" } else { "MSH 2.2" };
    let binary = match binary {
        0 => false,
        1 => true,
        b => return Err(r.err(format!("file type {b} (0 ASCII, 1 binary)"))),
    };
    r.rest_of_line();
    if binary {
        let one = r.bin_i32()?;
        if one != 1 {
            return Err(r.err("binary endianness check failed (big-endian files are not read)"));
        }
        r.rest_of_line();
    }
    r.end("MeshFormat")?;

    let mut entity_physical: HashMap<(usize, i64), i32> = HashMap::new();
    let mut nodes: Vec<(i64, [f64; 3])> = Vec::new();
    let mut elements: Vec<Element> = Vec::new();
    let mut seen_nodes = false;
    let mut seen_elements = false;
    loop {
        r.skip_space();
        if r.pos >= data.len() {
            break;
        }
        let name = r.token()?;
        let Some(section) = name.strip_prefix('$') else {
            return Err(r.err(format!("expected a section, found {name:?}")));
        };
        r.section = name.to_string();
        r.rest_of_line();
        match section {
            "Entities" if v41 => read_entities(&mut r, binary, &mut entity_physical)?,
            "Nodes" => {
                nodes = if v41 {
                    read_nodes41(&mut r, binary)?
                } else {
                    read_nodes22(&mut r, binary)?
                };
                seen_nodes = true;
            }
            "Elements" => {
                elements = if v41 {
                    read_elements41(&mut r, binary, &entity_physical)?
                } else {
                    read_elements22(&mut r, binary)?
                };
                seen_elements = true;
            }
            other => {
                let other = other.to_string();
                r.skip_section(&other)?;
                continue;
            }
        }
        r.end(section)?;
    }
    r.section = "end of file".into();
    if !seen_nodes || !seen_elements {
        return Err(r.err("missing $Nodes or $Elements"));
    }
    assemble(&r, nodes, elements)
}

fn read_entities(
    r: &mut Reader,
    binary: bool,
    physical: &mut HashMap<(usize, i64), i32>,
) -> Result<()> {
    let mut counts = [0usize; 4];
    for c in counts.iter_mut() {
        let v = if binary { r.bin_u64()? } else { r.int()? };
        *c = r.check_count(v, "entity count")?;
    }
    for (dim, &n) in counts.iter().enumerate() {
        for _ in 0..n {
            let tag = if binary { r.bin_i32()? } else { r.int()? };
            let nbox = if dim == 0 { 3 } else { 6 };
            for _ in 0..nbox {
                if binary {
                    r.bin_f64()?;
                } else {
                    r.float()?;
                }
            }
            let np = if binary { r.bin_u64()? } else { r.int()? };
            let np = r.check_count(np, "number of physical tags")?;
            for i in 0..np {
                let p = if binary { r.bin_i32()? } else { r.int()? };
                if i == 0 {
                    let p = i32::try_from(p)
                        .map_err(|_| r.err(format!("physical tag {p} out of range")))?;
                    physical.insert((dim, tag), p);
                }
            }
            if dim > 0 {
                let nb = if binary { r.bin_u64()? } else { r.int()? };
                let nb = r.check_count(nb, "number of bounding entities")?;
                for _ in 0..nb {
                    if binary {
                        r.bin_i32()?;
                    } else {
                        r.int()?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn read_nodes41(r: &mut Reader, binary: bool) -> Result<Vec<(i64, [f64; 3])>> {
    let size = |r: &mut Reader| if binary { r.bin_u64() } else { r.int() };
    let blocks = size(r)?;
    let blocks = r.check_count(blocks, "number of node blocks")?;
    let total = size(r)?;
    let total = r.check_count(total, "number of nodes")?;
    size(r)?;
    size(r)?;
    let mut nodes = Vec::with_capacity(total);
    for _ in 0..blocks {
        let (_dim, _tag, parametric) = if binary {
            (r.bin_i32()?, r.bin_i32()?, r.bin_i32()?)
        } else {
            (r.int()?, r.int()?, r.int()?)
        };
        if parametric != 0 {
            return Err(r.err("parametric node coordinates are not supported"));
        }
        let n = size(r)?;
        let n = r.check_count(n, "nodes in block")?;
        let start = nodes.len();
        for _ in 0..n {
            let tag = size(r)?;
            nodes.push((tag, [0.0; 3]));
        }
        for node in &mut nodes[start..] {
            for x in node.1.iter_mut() {
                *x = if binary { r.bin_f64()? } else { r.float()? };
            }
        }
    }
    if nodes.len() != total {
        return Err(r.err(format!(
            "header announces {total} nodes, blocks hold {}",
            nodes.len()
        )));
    }
    Ok(nodes)
}

fn read_nodes22(r: &mut Reader, binary: bool) -> Result<Vec<(i64, [f64; 3])>> {
    let n = r.count("number of nodes")?;
    if binary {
        r.rest_of_line();
    }
    let mut nodes = Vec::with_capacity(n);
    for _ in 0..n {
        let tag = if binary { r.bin_i32()? } else { r.int()? };
        let mut x = [0.0; 3];
        for v in x.iter_mut() {
            *v = if binary { r.bin_f64()? } else { r.float()? };
        }
        nodes.push((tag, x));
    }
    Ok(nodes)
}

fn read_elements41(
    r: &mut Reader,
    binary: bool,
    physical: &HashMap<(usize, i64), i32>,
) -> Result<Vec<Element>> {
    let size = |r: &mut Reader| if binary { r.bin_u64() } else { r.int() };
    let blocks = size(r)?;
    let blocks = r.check_count(blocks, "number of element blocks")?;
    let total = size(r)?;
    let total = r.check_count(total, "number of elements")?;
    size(r)?;
    size(r)?;
    let mut out = Vec::with_capacity(total);
    for _ in 0..blocks {
        let (edim, etag, kind) = if binary {
            (r.bin_i32()?, r.bin_i32()?, r.bin_i32()?)
        } else {
            (r.int()?, r.int()?, r.int()?)
        };
        let Some((nn, dim)) = element_info(kind) else {
            return Err(r.err(format!(
                "unsupported element type {kind} (points, lines, triangles, tetrahedra)"
            )));
        };
        if edim != dim as i64 {
            return Err(r.err(format!(
                "element type {kind} in a block of dimension {edim}"
            )));
        }
        let marker = physical.get(&(dim, etag)).copied().unwrap_or(0);
        let n = size(r)?;
        let n = r.check_count(n, "elements in block")?;
        for _ in 0..n {
            size(r)?;
            let mut nodes = Vec::with_capacity(nn);
            for _ in 0..nn {
                nodes.push(size(r)?);
            }
            out.push(Element { dim, marker, nodes });
        }
    }
    if out.len() != total {
        return Err(r.err(format!(
            "header announces {total} elements, blocks hold {}",
            out.len()
        )));
    }
    Ok(out)
}

fn read_elements22(r: &mut Reader, binary: bool) -> Result<Vec<Element>> {
    let total = r.count("number of elements")?;
    let mut out = Vec::with_capacity(total);
    if binary {
        r.rest_of_line();
        while out.len() < total {
            let kind = r.bin_i32()?;
            let n = r.bin_i32()?;
            let n = r.check_count(n, "elements in block")?;
            let ntags = r.bin_i32()?;
            let ntags = r.check_count(ntags, "number of tags")?;
            let Some((nn, dim)) = element_info(kind) else {
                return Err(r.err(format!("unsupported element type {kind}")));
            };
            if out.len() + n > total {
                return Err(r.err("element blocks exceed the announced count"));
            }
            for _ in 0..n {
                r.bin_i32()?;
                let mut marker = 0;
                for t in 0..ntags {
                    let v = r.bin_i32()?;
                    if t == 0 {
                        marker = v as i32;
                    }
                }
                let mut nodes = Vec::with_capacity(nn);
                for _ in 0..nn {
                    nodes.push(r.bin_i32()?);
                }
                out.push(Element { dim, marker, nodes });
            }
        }
        return Ok(out);
    }
    for _ in 0..total {
        r.int()?;
        let kind = r.int()?;
        let Some((nn, dim)) = element_info(kind) else {
            return Err(r.err(format!("unsupported element type {kind}")));
        };
        let ntags = r.count("number of tags")?;
        let mut marker = 0;
        for t in 0..ntags {
            let v = r.int()?;
            if t == 0 {
                marker = i32::try_from(v).map_err(|_| r.err(format!("tag {v} out of range")))?;
            }
        }
        let mut nodes = Vec::with_capacity(nn);
        for _ in 0..nn {
            nodes.push(r.int()?);
        }
        out.push(Element { dim, marker, nodes });
    }
    Ok(out)
}

/// Builds the mesh from nodes and elements: top-dimensional elements are cells,
/// those one dimension lower tagged facets.
fn assemble(r: &Reader, mut nodes: Vec<(i64, [f64; 3])>, elements: Vec<Element>) -> Result<Mesh> {
    let dim = elements.iter().map(|e| e.dim).max().unwrap_or(0);
    if dim == 0 {
        return Err(r.err("no line, triangle or tetrahedron elements"));
    }
    nodes.sort_by_key(|n| n.0);
    if let Some(w) = nodes.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(r.err(format!("node tag {} appears twice", w[0].0)));
    }
    let index = |tag: i64| nodes.binary_search_by_key(&tag, |n| n.0).ok();
    let gdim = if nodes.iter().any(|n| n.1[2] != 0.0) {
        3
    } else if nodes.iter().any(|n| n.1[1] != 0.0) {
        2
    } else {
        1
    }
    .max(dim);
    let coords: Vec<f64> = nodes.iter().flat_map(|n| n.1[..gdim].to_vec()).collect();
    let mut cells = Vec::new();
    let mut cell_markers = Vec::new();
    let mut facets = Vec::new();
    let mut facet_markers = Vec::new();
    for e in &elements {
        let ids: Option<Vec<usize>> = e.nodes.iter().map(|&t| index(t)).collect();
        let Some(ids) = ids else {
            return Err(r.err(format!(
                "an element refers to a node tag not in $Nodes ({:?})",
                e.nodes
            )));
        };
        if e.dim == dim {
            cells.extend(ids);
            cell_markers.push(e.marker);
        } else if e.dim + 1 == dim {
            facets.extend(ids);
            facet_markers.push(e.marker);
        }
    }
    Mesh::new(dim, gdim, coords, cells)?
        .with_cell_markers(cell_markers)?
        .with_facet_markers(facets, facet_markers)
}

/// Writes `mesh` as an MSH file: its cells and tagged facets, with their markers as
/// physical groups (marker 0: none), in one entity per (dimension, marker).
pub fn write_msh(mesh: &Mesh, format: MshFormat) -> Vec<u8> {
    match format {
        MshFormat::V41 { binary } => write41(mesh, binary),
        MshFormat::V22 { binary } => write22(mesh, binary),
    }
}

/// The elements to write, as maximal runs of consecutive elements with the same
/// (dimension, marker) in mesh order (facets, then cells), each with the index of its
/// (dimension, marker) entity; and the entities.
type Runs = (Vec<(usize, i32, usize, Vec<usize>)>, Vec<(usize, i32)>);

fn runs(mesh: &Mesh) -> Runs {
    let d = mesh.dim();
    let mut entities: Vec<(usize, i32)> = Vec::new();
    let mut out: Vec<(usize, i32, usize, Vec<usize>)> = Vec::new();
    let mut push = |dim: usize, marker: i32, verts: &[usize]| {
        let ent = match entities.iter().position(|&e| e == (dim, marker)) {
            Some(i) => i,
            None => {
                entities.push((dim, marker));
                entities.len() - 1
            }
        };
        match out.last_mut() {
            Some(r) if r.0 == dim && r.1 == marker => r.3.extend_from_slice(verts),
            _ => out.push((dim, marker, ent, verts.to_vec())),
        }
    };
    for (f, &m) in mesh
        .tagged_facets()
        .chunks_exact(d)
        .zip(mesh.facet_markers())
    {
        push(d - 1, m, f);
    }
    for (c, &m) in mesh.cells().chunks_exact(d + 1).zip(mesh.cell_markers()) {
        push(d, m, c);
    }
    (out, entities)
}

fn xyz(mesh: &Mesh, v: usize) -> [f64; 3] {
    let mut x = [0.0; 3];
    x[..mesh.gdim()].copy_from_slice(mesh.vertex(v));
    x
}

fn write41(mesh: &Mesh, binary: bool) -> Vec<u8> {
    let (gr, entities) = runs(mesh);
    let mut out: Vec<u8> = Vec::new();
    let mut s = String::new();
    let _ = write!(s, "$MeshFormat\n4.1 {} 8\n", u8::from(binary));
    out.extend(s.bytes());
    if binary {
        out.extend(1i32.to_le_bytes());
        out.push(b'\n');
    }
    out.extend(b"$EndMeshFormat\n$Entities\n");
    // entities: tag = group index + 1, with an all-zero bounding box
    let mut counts = [0u64; 4];
    for e in &entities {
        counts[e.0] += 1;
    }
    let mut body = Vec::new();
    if binary {
        for c in counts {
            body.extend(c.to_le_bytes());
        }
    } else {
        body.extend(format!("{} {} {} {}\n", counts[0], counts[1], counts[2], counts[3]).bytes());
    }
    for dim in 0..4 {
        for (i, e) in entities.iter().enumerate().filter(|(_, e)| e.0 == dim) {
            let tag = (i + 1) as i32;
            let nbox = if dim == 0 { 3 } else { 6 };
            let phys: Vec<i32> = if e.1 != 0 { vec![e.1] } else { vec![] };
            if binary {
                body.extend(tag.to_le_bytes());
                for _ in 0..nbox {
                    body.extend(0f64.to_le_bytes());
                }
                body.extend((phys.len() as u64).to_le_bytes());
                for p in &phys {
                    body.extend(p.to_le_bytes());
                }
                if dim > 0 {
                    body.extend(0u64.to_le_bytes());
                }
            } else {
                let mut line = format!("{tag}{}", " 0".repeat(nbox));
                let _ = write!(line, " {}", phys.len());
                for p in &phys {
                    let _ = write!(line, " {p}");
                }
                if dim > 0 {
                    line.push_str(" 0");
                }
                line.push('\n');
                body.extend(line.bytes());
            }
        }
    }
    out.extend(body);
    out.extend(b"$EndEntities\n$Nodes\n");
    let n = mesh.n_vertices() as u64;
    let top = entities
        .iter()
        .position(|e| e.0 == mesh.dim())
        .map_or(1, |i| i + 1) as i32;
    if binary {
        for v in [1u64, n, 1, n] {
            out.extend(v.to_le_bytes());
        }
        for v in [mesh.dim() as i32, top, 0] {
            out.extend(v.to_le_bytes());
        }
        out.extend(n.to_le_bytes());
        for t in 1..=n {
            out.extend(t.to_le_bytes());
        }
        for v in 0..mesh.n_vertices() {
            for x in xyz(mesh, v) {
                out.extend(x.to_le_bytes());
            }
        }
        out.push(b'\n');
    } else {
        let mut s = format!("1 {n} 1 {n}\n{} {top} 0 {n}\n", mesh.dim());
        for t in 1..=n {
            let _ = writeln!(s, "{t}");
        }
        for v in 0..mesh.n_vertices() {
            let x = xyz(mesh, v);
            let _ = writeln!(s, "{} {} {}", x[0], x[1], x[2]);
        }
        out.extend(s.bytes());
    }
    out.extend(b"$EndNodes\n$Elements\n");
    let total: usize = gr.iter().map(|g| g.3.len() / (g.0 + 1)).sum();
    let mut tag = 1u64;
    if binary {
        for v in [gr.len() as u64, total as u64, 1, total as u64] {
            out.extend(v.to_le_bytes());
        }
    } else {
        out.extend(format!("{} {total} 1 {total}\n", gr.len()).bytes());
    }
    for g in &gr {
        let per = g.0 + 1;
        let count = g.3.len() / per;
        let ent = g.2 + 1;
        if binary {
            for v in [g.0 as i32, ent as i32, element_type(per) as i32] {
                out.extend(v.to_le_bytes());
            }
            out.extend((count as u64).to_le_bytes());
            for e in g.3.chunks_exact(per) {
                out.extend(tag.to_le_bytes());
                tag += 1;
                for &v in e {
                    out.extend((v as u64 + 1).to_le_bytes());
                }
            }
        } else {
            let mut s = format!("{} {ent} {} {count}\n", g.0, element_type(per));
            for e in g.3.chunks_exact(per) {
                let _ = write!(s, "{tag}");
                tag += 1;
                for &v in e {
                    let _ = write!(s, " {}", v + 1);
                }
                s.push('\n');
            }
            out.extend(s.bytes());
        }
    }
    if binary {
        out.push(b'\n');
    }
    out.extend(b"$EndElements\n");
    out
}

fn write22(mesh: &Mesh, binary: bool) -> Vec<u8> {
    let (gr, _) = runs(mesh);
    let mut out: Vec<u8> = Vec::new();
    out.extend(format!("$MeshFormat\n2.2 {} 8\n", u8::from(binary)).bytes());
    if binary {
        out.extend(1i32.to_le_bytes());
        out.push(b'\n');
    }
    out.extend(b"$EndMeshFormat\n$Nodes\n");
    out.extend(format!("{}\n", mesh.n_vertices()).bytes());
    let mut s = String::new();
    for v in 0..mesh.n_vertices() {
        let x = xyz(mesh, v);
        if binary {
            out.extend((v as i32 + 1).to_le_bytes());
            for c in x {
                out.extend(c.to_le_bytes());
            }
        } else {
            let _ = writeln!(s, "{} {} {} {}", v + 1, x[0], x[1], x[2]);
        }
    }
    if binary {
        out.push(b'\n');
    } else {
        out.extend(s.bytes());
    }
    out.extend(b"$EndNodes\n$Elements\n");
    let total: usize = gr.iter().map(|g| g.3.len() / (g.0 + 1)).sum();
    out.extend(format!("{total}\n").bytes());
    let mut tag = 1i32;
    let mut s = String::new();
    for g in &gr {
        let per = g.0 + 1;
        let kind = element_type(per) as i32;
        let ent = g.2 + 1;
        if binary {
            out.extend(kind.to_le_bytes());
            out.extend(((g.3.len() / per) as i32).to_le_bytes());
            out.extend(2i32.to_le_bytes());
        }
        for e in g.3.chunks_exact(per) {
            if binary {
                out.extend(tag.to_le_bytes());
                out.extend(g.1.to_le_bytes());
                out.extend((ent as i32).to_le_bytes());
                for &v in e {
                    out.extend((v as i32 + 1).to_le_bytes());
                }
            } else {
                let _ = write!(s, "{tag} {kind} 2 {} {ent}", g.1);
                for &v in e {
                    let _ = write!(s, " {}", v + 1);
                }
                s.push('\n');
            }
            tag += 1;
        }
    }
    if binary {
        out.push(b'\n');
    } else {
        out.extend(s.bytes());
    }
    out.extend(b"$EndElements\n");
    out
}
