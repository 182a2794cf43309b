//! `/chart`: handover progress per day against plan, and defects by category, as one PNG drawn
//! with plotters in the same font and palette as the welcome card (labels in the viewer's
//! language): a title with the project's display name, a subtitle with the date, a legend,
//! every point and bar labelled with its value, and today marked.

use crate::present::Dates as _;
use crate::render::card::{
    BG_TOP, CardError, FontSource, GOLD, INK, INK_MUTED, INK_SOFT, RED, encode_png, register_font,
};
use chrono::NaiveDate;
use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::prelude::*;

pub const CHART_WIDTH: u32 = 1200;
pub const CHART_HEIGHT: u32 = 1100;
/// The band at the top with the title, subtitle and legend.
const HEADER: u32 = 130;

/// What the chart shows, already in the viewer's language.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    /// The project (or building) as people call it, never an internal code.
    pub scope: String,
    /// The chart's title (with the scope) and the subtitle under it (the date).
    pub title: String,
    pub subtitle: String,
    pub progress_title: String,
    pub plan_label: String,
    pub actual_label: String,
    /// Each day with the cumulative planned and actual handovers.
    pub days: Vec<(NaiveDate, i64, i64)>,
    /// Marked on the progress panel when it falls inside it.
    pub today: Option<NaiveDate>,
    pub today_label: String,
    pub defects_title: String,
    /// Category name and count.
    pub categories: Vec<(String, i64)>,
    /// Shown where a panel has nothing to draw yet.
    pub empty_label: String,
}

fn draw_err(e: impl std::fmt::Display) -> CardError {
    CardError::Draw(e.to_string())
}

const PLAN: RGBColor = INK_MUTED;
const ACTUAL: RGBColor = RED;
const BARS: RGBColor = GOLD;
const GRID: RGBColor = RGBColor(240, 228, 210);

/// The chart as PNG bytes.
pub fn render(font: &FontSource, data: &ChartData) -> Result<Vec<u8>, CardError> {
    let family = register_font(font)?;
    let mut buf = vec![255u8; CHART_WIDTH as usize * CHART_HEIGHT as usize * 3];
    {
        let root = BitMapBackend::<RGBPixel>::with_buffer_and_format(
            &mut buf,
            (CHART_WIDTH, CHART_HEIGHT),
        )
        .map_err(draw_err)?
        .into_drawing_area();
        root.fill(&BG_TOP).map_err(draw_err)?;
        let (header, body) = root.split_vertically(HEADER);
        heading(&header, family, data)?;
        let (top, bottom) = body.split_vertically((CHART_HEIGHT - HEADER) / 2 + 20);
        progress(&top, family, data)?;
        defects(&bottom, family, data)?;
        root.present().map_err(draw_err)?;
    }
    encode_png(&buf, CHART_WIDTH, CHART_HEIGHT)
}

type Area<'a> = DrawingArea<BitMapBackend<'a, RGBPixel>, plotters::coord::Shift>;

/// Title, subtitle, a rule, and the legend on the right.
fn heading(area: &Area<'_>, family: &str, data: &ChartData) -> Result<(), CardError> {
    let title = (family, 40).into_font().color(&INK);
    let subtitle = (family, 22).into_font().color(&INK_MUTED);
    let legend = (family, 20).into_font().color(&INK_SOFT);
    area.draw(&Text::new(data.title.clone(), (40, 26), title))
        .map_err(draw_err)?;
    area.draw(&Text::new(data.subtitle.clone(), (42, 80), subtitle))
        .map_err(draw_err)?;
    let rule = (HEADER - 6) as i32;
    area.draw(&PathElement::new(
        vec![(40, rule), (CHART_WIDTH as i32 - 40, rule)],
        GOLD.stroke_width(2),
    ))
    .map_err(draw_err)?;
    // Legend: right-aligned entries at the subtitle's height.
    let x = CHART_WIDTH as i32 - 420;
    let y = 92;
    area.draw(&PathElement::new(
        vec![(x, y), (x + 30, y)],
        PLAN.stroke_width(3),
    ))
    .map_err(draw_err)?;
    area.draw(&Circle::new((x + 15, y), 5, PLAN.filled()))
        .map_err(draw_err)?;
    area.draw(&Text::new(
        data.plan_label.clone(),
        (x + 40, y - 11),
        legend.clone(),
    ))
    .map_err(draw_err)?;
    let x = x + 230;
    area.draw(&PathElement::new(
        vec![(x, y), (x + 30, y)],
        ACTUAL.stroke_width(3),
    ))
    .map_err(draw_err)?;
    area.draw(&Circle::new((x + 15, y), 6, ACTUAL.filled()))
        .map_err(draw_err)?;
    area.draw(&Text::new(
        data.actual_label.clone(),
        (x + 40, y - 11),
        legend,
    ))
    .map_err(draw_err)?;
    Ok(())
}

fn empty(area: &Area<'_>, family: &str, title: &str, label: &str) -> Result<(), CardError> {
    let area = area
        .titled(title, (family, 28).into_font().color(&INK))
        .map_err(draw_err)?;
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        label.to_string(),
        (
            i32::try_from(w / 3).unwrap_or(0),
            i32::try_from(h / 2).unwrap_or(0),
        ),
        (family, 24).into_font().color(&INK_MUTED),
    ))
    .map_err(draw_err)
}

fn progress(area: &Area<'_>, family: &str, data: &ChartData) -> Result<(), CardError> {
    if data.days.is_empty() {
        return empty(area, family, &data.progress_title, &data.empty_label);
    }
    let n = data.days.len();
    let top = data
        .days
        .iter()
        .map(|(_, plan, actual)| (*plan).max(*actual))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(&data.progress_title, (family, 28).into_font().color(&INK))
        .margin(28)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top * 1.2)
        .map_err(draw_err)?;
    let days = data.days.clone();
    let day_label = move |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 0.01 || i < 0.0 {
            return String::new();
        }
        days.get(i as usize)
            .map(|(d, ..)| d.present_month_day())
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .x_labels(n.clamp(2, 10))
        .x_label_formatter(&day_label)
        .y_labels(7)
        .y_label_formatter(&|y: &f64| format!("{y:.0}"))
        .label_style((family, 18).into_font().color(&INK_SOFT))
        .axis_style(INK_MUTED)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .disable_x_mesh()
        .draw()
        .map_err(draw_err)?;
    // Today: a dashed vertical line with its label.
    if let Some(i) = data
        .today
        .and_then(|t| data.days.iter().position(|(d, ..)| *d == t))
    {
        let x = i as f64;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, top * 1.12)],
                8,
                6,
                GOLD.stroke_width(2),
            ))
            .map_err(draw_err)?;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((x, top * 1.12))
                    + Text::new(
                        data.today_label.clone(),
                        (6, -4),
                        (family, 18).into_font().color(&GOLD),
                    ),
            ))
            .map_err(draw_err)?;
    }
    let points = |pick: fn(&(NaiveDate, i64, i64)) -> i64| {
        data.days
            .iter()
            .enumerate()
            .map(move |(i, day)| (i as f64, pick(day) as f64))
            .collect::<Vec<_>>()
    };
    let plan = points(|d| d.1);
    let actual = points(|d| d.2);
    chart
        .draw_series(LineSeries::new(plan.clone(), PLAN.stroke_width(3)))
        .map_err(draw_err)?;
    chart
        .draw_series(LineSeries::new(actual.clone(), ACTUAL.stroke_width(4)))
        .map_err(draw_err)?;
    // Every point is drawn (so a single day shows), and labelled where the labels fit: every
    // day of a short campaign, else every few days and always the last. The plan's values sit
    // above its points and the handovers' below theirs, which are usually the lower line.
    let step = n.div_ceil(12).max(1);
    let labelled = |i: usize| i.is_multiple_of(step) || i + 1 == n;
    let value_font = (family, 18).into_font();
    // Dots shrink on a long campaign so neighbouring days stay apart.
    let (plan_dot, actual_dot) = if n > 30 { (3, 4) } else { (4, 6) };
    chart
        .draw_series(plan.iter().enumerate().map(|(i, &(x, y))| {
            let label = if labelled(i) {
                format!("{y:.0}")
            } else {
                String::new()
            };
            EmptyElement::at((x, y))
                + Circle::new((0, 0), plan_dot, PLAN.filled())
                + Text::new(label, (-8, -28), value_font.clone().color(&PLAN))
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(actual.iter().enumerate().map(|(i, &(x, y))| {
            let label = if labelled(i) {
                format!("{y:.0}")
            } else {
                String::new()
            };
            EmptyElement::at((x, y))
                + Circle::new((0, 0), actual_dot, ACTUAL.filled())
                + Text::new(label, (-8, 12), value_font.clone().color(&ACTUAL))
        }))
        .map_err(draw_err)?;
    Ok(())
}

fn defects(area: &Area<'_>, family: &str, data: &ChartData) -> Result<(), CardError> {
    if data.categories.iter().all(|(_, n)| *n == 0) {
        return empty(area, family, &data.defects_title, &data.empty_label);
    }
    let top = data.categories.iter().map(|(_, n)| *n).max().unwrap_or(1);
    let count = data.categories.len() as u32;
    let mut chart = ChartBuilder::on(area)
        .caption(&data.defects_title, (family, 28).into_font().color(&INK))
        .margin(28)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            (0..count.saturating_sub(1)).into_segmented(),
            0..top + top / 5 + 1,
        )
        .map_err(draw_err)?;
    let names: Vec<String> = data.categories.iter().map(|(n, _)| n.clone()).collect();
    let category_label = move |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
            names.get(*i as usize).cloned().unwrap_or_default()
        }
        SegmentValue::Last => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(count as usize)
        .x_label_formatter(&category_label)
        .y_labels(7)
        .label_style((family, 17).into_font().color(&INK_SOFT))
        .axis_style(INK_MUTED)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .draw()
        .map_err(draw_err)?;
    chart
        .draw_series(
            Histogram::vertical(&chart)
                .style(BARS.filled())
                .margin(14)
                .data(
                    data.categories
                        .iter()
                        .enumerate()
                        .map(|(i, (_, n))| (i as u32, *n)),
                ),
        )
        .map_err(draw_err)?;
    let value_font = (family, 20).into_font().color(&INK);
    chart
        .draw_series(
            data.categories
                .iter()
                .enumerate()
                .filter(|(_, (_, n))| *n > 0)
                .map(|(i, (_, n))| {
                    let label = n.to_string();
                    let shift = -(5 * label.len() as i32);
                    EmptyElement::at((SegmentValue::CenterOf(i as u32), *n))
                        + Text::new(label, (shift, -26), value_font.clone())
                }),
        )
        .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ChartData {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        ChartData {
            scope: "海港花园".into(),
            title: "海港花园 · 交付进度".into(),
            subtitle: "截至 2026-12-03 18:00".into(),
            today: Some(day(2)),
            today_label: "今天".into(),
            progress_title: "累计交付与计划".into(),
            plan_label: "计划".into(),
            actual_label: "实际".into(),
            days: vec![(day(1), 10, 8), (day(2), 20, 15), (day(3), 30, 27)],
            defects_title: "缺陷分类".into(),
            categories: vec![
                ("渗漏".into(), 4),
                ("空鼓/开裂".into(), 2),
                ("其他".into(), 0),
            ],
            empty_label: "暂无数据".into(),
        }
    }

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("a frame");
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn the_chart_is_a_png_and_the_data_changes_it() {
        let (w, h, a) = decode(&render(&FontSource::Bundled, &sample()).unwrap());
        assert_eq!((w, h), (CHART_WIDTH, CHART_HEIGHT));
        let mut other = sample();
        other.categories[0].1 = 1;
        let (_, _, b) = decode(&render(&FontSource::Bundled, &other).unwrap());
        assert_ne!(a, b, "the bars follow the data");
        // The actual line's red is drawn.
        assert!(a.chunks(3).any(|p| p == [178, 44, 40]));
        let out = std::env::temp_dir().join("chart-sample.png");
        std::fs::write(out, render(&FontSource::Bundled, &sample()).unwrap()).unwrap();
    }

    /// Pixels of `colour` in the rows `ys` of the image.
    fn pixels_in_rows(rgb: &[u8], ys: std::ops::Range<u32>, colour: [u8; 3]) -> usize {
        let row = CHART_WIDTH as usize * 3;
        rgb[ys.start as usize * row..ys.end as usize * row]
            .chunks(3)
            .filter(|p| *p == colour)
            .count()
    }

    #[test]
    fn a_single_day_of_data_draws_a_visible_point() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let one = ChartData {
            days: vec![(day, 10, 2)],
            ..sample()
        };
        let (_, _, rgb) = decode(&render(&FontSource::Bundled, &one).unwrap());
        std::fs::write(
            std::env::temp_dir().join("chart-one-day.png"),
            render(&FontSource::Bundled, &one).unwrap(),
        )
        .unwrap();
        // Two handed over against ten planned: the actual point sits low in the progress panel,
        // well below its title and legend.
        let low = CHART_HEIGHT / 4..CHART_HEIGHT / 2 + 60;
        assert!(
            pixels_in_rows(&rgb, low, [178, 44, 40]) >= 20,
            "the one day's handovers are drawn"
        );
    }

    #[test]
    fn an_empty_campaign_still_draws() {
        let empty = ChartData {
            days: Vec::new(),
            categories: Vec::new(),
            ..sample()
        };
        let (w, _, _) = decode(&render(&FontSource::Bundled, &empty).unwrap());
        assert_eq!(w, CHART_WIDTH);
    }
}
