//! The report shape shared by every reproduce target and benchmark.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// One measured quantity.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Row {
    /// Problem instance, e.g. `"cg-laplacian-1e6-matfree"`.
    pub case: String,
    /// What `value` measures, e.g. `"s_per_iteration"`.
    pub metric: String,
    /// The measured value.
    pub value: f64,
    /// A target or published number to compare with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<f64>,
    /// Where `reference` comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_source: Option<String>,
    /// Wall time of producing this row.
    pub elapsed_s: f64,
    /// Peer library measured in the same run (benchmarks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// The peer's value of the same metric.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_value: Option<f64>,
    /// `value / peer_value`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
}

impl Row {
    /// A row of `case`'s `metric`, compared with a peer's value when there is one
    /// (`peer` names it; the ratio is ours over theirs).
    pub fn compared(
        case: &str,
        metric: &str,
        value: f64,
        elapsed_s: f64,
        peer: Option<(&str, f64)>,
    ) -> Self {
        Self {
            case: case.into(),
            metric: metric.into(),
            value,
            elapsed_s,
            peer: peer.map(|(name, _)| name.to_string()),
            peer_value: peer.map(|(_, v)| v),
            ratio: peer.map(|(_, v)| value / v),
            ..Default::default()
        }
    }
}

/// A named list of rows, written as JSON (and Markdown for reproduce targets).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Report name (`core`, `krylov-laplacian`, ...).
    pub name: String,
    /// The rows.
    pub rows: Vec<Row>,
}

impl Report {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// Writes `dir/NAME.json`, returning its path.
    pub fn write_json(&self, dir: &Path) -> xtask::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.json", self.name));
        std::fs::write(&path, serde_json::to_string_pretty(self)? + "\n")?;
        Ok(path)
    }

    /// Writes `dir/NAME.md`, a table of the rows, returning its path.
    pub fn write_markdown(&self, dir: &Path, intro: &str) -> xtask::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.md", self.name));
        let mut s = format!("# {}\n\n{intro}\n\n", self.name);
        s.push_str("| case | metric | value | reference | source | peer | peer value | ratio | elapsed (s) |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|\n");
        let opt = |v: Option<f64>| v.map(|x| format!("{x:.4e}")).unwrap_or_default();
        for r in &self.rows {
            s.push_str(&format!(
                "| {} | {} | {:.4e} | {} | {} | {} | {} | {} | {:.2} |\n",
                r.case,
                r.metric,
                r.value,
                opt(r.reference),
                r.reference_source.clone().unwrap_or_default(),
                r.peer.clone().unwrap_or_default(),
                opt(r.peer_value),
                r.ratio.map(|x| format!("{x:.3}")).unwrap_or_default(),
                r.elapsed_s
            ));
        }
        std::fs::write(&path, s)?;
        Ok(path)
    }

    /// Prints the rows as an aligned table.
    pub fn print(&self) {
        println!("\n{}:", self.name);
        for r in &self.rows {
            let mut line = format!("  {:<34} {:<24} {:>12.4e}", r.case, r.metric, r.value);
            if let (Some(p), Some(v), Some(ratio)) = (&r.peer, r.peer_value, r.ratio) {
                line.push_str(&format!("   {p}: {v:.4e}   ratio {ratio:.3}"));
            }
            if let Some(refv) = r.reference {
                line.push_str(&format!("   reference {refv:.4e}"));
            }
            println!("{line}");
        }
    }
}
