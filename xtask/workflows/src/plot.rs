//! PNG line plots (plotters) that go next to the reports.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;

use xtask::Result;

/// One named series of `(x, y)` points.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// Registers a system TrueType font with plotters once; `false` when none is found
/// (install Debian's `fonts-dejavu-core`).
fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        for p in FONT_PATHS {
            if let Ok(bytes) = std::fs::read(p) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return true;
                }
            }
        }
        false
    })
}

/// Draws the series with a logarithmic y axis to `path` (PNG, 900×600).
pub fn log_y(
    path: &Path,
    title: &str,
    xlabel: &str,
    ylabel: &str,
    series: &[Series],
) -> Result<()> {
    if !font_ready() {
        return Err("no TrueType font found for plot labels (install fonts-dejavu-core)".into());
    }
    let Some((x0, mut x1, y0, y1)) = bounds(series, |p| p.1 > 0.0 && p.1.is_finite()) else {
        return Err("nothing to plot".into());
    };
    if x1 == x0 {
        x1 = x0 + 1.0;
    }
    let root = BitMapBackend::new(path, (900, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, (y0 * 0.5..y1 * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc(xlabel)
        .y_desc(ylabel)
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| p.1 > 0.0).collect();
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))?
            .label(s.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Draws the series with linear axes to `path` (PNG, 900×700), keeping the aspect
/// ratio of the data when `equal_aspect` (for orbits and attractors).
pub fn xy(
    path: &Path,
    title: &str,
    xlabel: &str,
    ylabel: &str,
    series: &[Series],
    equal_aspect: bool,
) -> Result<()> {
    let (x0, x1, y0, y1) = linear_frame(series)?;
    let (mut x0, mut x1, mut y0, mut y1) = (x0, x1, y0, y1);
    if equal_aspect {
        let (w, h) = (x1 - x0, y1 - y0);
        let target = w.max(h * 900.0 / 700.0);
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        x0 = cx - target / 2.0;
        x1 = cx + target / 2.0;
        let th = target * 700.0 / 900.0;
        y0 = cy - th / 2.0;
        y1 = cy + th / 2.0;
    }
    let root = BitMapBackend::new(path, (900, 700)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(xlabel)
        .y_desc(ylabel)
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(1),
            ))?
            .label(s.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Draws the series as markers, one shape per series and no connecting lines (for
/// discrete data such as eigenvalues against their index), linear axes, to `path`
/// (PNG, 900×600).
pub fn markers(
    path: &Path,
    title: &str,
    xlabel: &str,
    ylabel: &str,
    series: &[Series],
) -> Result<()> {
    let (x0, x1, y0, y1) = linear_frame(series)?;
    let root = BitMapBackend::new(path, (900, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(xlabel)
        .y_desc(ylabel)
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let pts = s.points.iter().copied();
        let drawn = match i % 3 {
            0 => chart.draw_series(pts.map(|p| Circle::new(p, 3, color.filled())))?,
            1 => chart.draw_series(pts.map(|p| Circle::new(p, 6, color.stroke_width(2))))?,
            _ => chart.draw_series(pts.map(|p| TriangleMarker::new(p, 6, color.filled())))?,
        };
        drawn
            .label(s.label.clone())
            .legend(move |(x, y)| match i % 3 {
                0 => Circle::new((x + 10, y), 3, color.filled()).into_dyn(),
                1 => Circle::new((x + 10, y), 6, color.stroke_width(2)).into_dyn(),
                _ => TriangleMarker::new((x + 10, y), 6, color.filled()).into_dyn(),
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The axes of a linear plot: the finite points' bounds padded by 5% on each side
/// (after checking that a font for the labels is there).
fn linear_frame(series: &[Series]) -> Result<(f64, f64, f64, f64)> {
    if !font_ready() {
        return Err("no TrueType font found for plot labels (install fonts-dejavu-core)".into());
    }
    let Some((x0, x1, y0, y1)) = bounds(series, |p| p.0.is_finite() && p.1.is_finite()) else {
        return Err("nothing to plot".into());
    };
    let pad = |a: f64, b: f64| 0.05 * (b - a).max(1e-12);
    let (px, py) = (pad(x0, x1), pad(y0, y1));
    Ok((x0 - px, x1 + px, y0 - py, y1 + py))
}

/// `(xmin, xmax, ymin, ymax)` over the points of all series that pass `keep`.
fn bounds(series: &[Series], keep: impl Fn(&(f64, f64)) -> bool) -> Option<(f64, f64, f64, f64)> {
    let mut b: Option<(f64, f64, f64, f64)> = None;
    for &(x, y) in series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|p| keep(p))
    {
        b = Some(match b {
            None => (x, x, y, y),
            Some((x0, x1, y0, y1)) => (x0.min(x), x1.max(x), y0.min(y), y1.max(y)),
        });
    }
    b
}

/// A line segment between two points.
pub type Segment = [(f64, f64); 2];

/// Draws 2-D meshes side by side as wireframes (each panel a caption and its edges
/// as segments) to `path` (PNG, 700 px per panel, square).
pub fn wireframes(path: &Path, panels: &[(String, Vec<Segment>)]) -> Result<()> {
    if !font_ready() {
        return Err("no TrueType font found for plot labels (install fonts-dejavu-core)".into());
    }
    let root = BitMapBackend::new(path, (700 * panels.len() as u32, 740)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, panels.len()));
    for (area, (title, edges)) in areas.iter().zip(panels) {
        let pts: Vec<(f64, f64)> = edges.iter().flat_map(|e| e.iter().copied()).collect();
        let Some((x0, x1, y0, y1)) = bounds(
            &[Series {
                label: String::new(),
                points: pts,
            }],
            |p| p.0.is_finite() && p.1.is_finite(),
        ) else {
            return Err("nothing to plot".into());
        };
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 22))
            .margin(15)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart.draw_series(
            edges
                .iter()
                .map(|e| PathElement::new(vec![e[0], e[1]], BLUE.mix(0.8).stroke_width(1))),
        )?;
    }
    root.present()?;
    Ok(())
}
