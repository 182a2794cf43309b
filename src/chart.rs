//! `/chart`: handover progress per day against plan, and defects by category, as one PNG drawn
//! with plotters in the same font as the welcome card (labels in the viewer's language).

use crate::card::{CardError, FontSource, encode_png, register_font};
use chrono::NaiveDate;
use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::prelude::*;

pub const CHART_WIDTH: u32 = 1200;
pub const CHART_HEIGHT: u32 = 1100;

/// What the chart shows, already in the viewer's language.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub progress_title: String,
    pub plan_label: String,
    pub actual_label: String,
    /// Each day with the cumulative planned and actual handovers.
    pub days: Vec<(NaiveDate, i64, i64)>,
    pub defects_title: String,
    /// Category name and count.
    pub categories: Vec<(String, i64)>,
    /// Shown where a panel has nothing to draw yet.
    pub empty_label: String,
}

fn draw_err(e: impl std::fmt::Display) -> CardError {
    CardError::Draw(e.to_string())
}

const PLAN: RGBColor = RGBColor(150, 150, 150);
const ACTUAL: RGBColor = RGBColor(178, 44, 40);
const BARS: RGBColor = RGBColor(207, 120, 56);

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
        root.fill(&WHITE).map_err(draw_err)?;
        let (top, bottom) = root.split_vertically(CHART_HEIGHT / 2);
        progress(&top, family, data)?;
        defects(&bottom, family, data)?;
        root.present().map_err(draw_err)?;
    }
    encode_png(&buf, CHART_WIDTH, CHART_HEIGHT)
}

type Area<'a> = DrawingArea<BitMapBackend<'a, RGBPixel>, plotters::coord::Shift>;

fn empty(area: &Area<'_>, family: &str, title: &str, label: &str) -> Result<(), CardError> {
    let area = area
        .titled(title, (family, 30).into_font())
        .map_err(draw_err)?;
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        label.to_string(),
        (
            i32::try_from(w / 3).unwrap_or(0),
            i32::try_from(h / 2).unwrap_or(0),
        ),
        (family, 24).into_font().color(&PLAN),
    ))
    .map_err(draw_err)
}

fn progress(area: &Area<'_>, family: &str, data: &ChartData) -> Result<(), CardError> {
    if data.days.is_empty() {
        return empty(area, family, &data.progress_title, &data.empty_label);
    }
    let last = data.days.len() as i32 - 1;
    let top = data
        .days
        .iter()
        .map(|(_, plan, actual)| (*plan).max(*actual))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(&data.progress_title, (family, 30).into_font())
        .margin(24)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0..last.max(1), 0..top + top / 10 + 1)
        .map_err(draw_err)?;
    let days = data.days.clone();
    let day_label = move |i: &i32| {
        usize::try_from(*i)
            .ok()
            .and_then(|i| days.get(i))
            .map(|(d, ..)| d.format("%m-%d").to_string())
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&day_label)
        .label_style((family, 18).into_font())
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(draw_err)?;
    let points = |pick: fn(&(NaiveDate, i64, i64)) -> i64| {
        data.days
            .iter()
            .enumerate()
            .map(move |(i, day)| (i as i32, pick(day)))
    };
    chart
        .draw_series(LineSeries::new(points(|d| d.1), PLAN.stroke_width(3)))
        .map_err(draw_err)?
        .label(&data.plan_label)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], PLAN.stroke_width(3)));
    chart
        .draw_series(LineSeries::new(points(|d| d.2), ACTUAL.stroke_width(3)))
        .map_err(draw_err)?
        .label(&data.actual_label)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], ACTUAL.stroke_width(3)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((family, 20).into_font())
        .background_style(WHITE.mix(0.9))
        .border_style(PLAN)
        .draw()
        .map_err(draw_err)
}

fn defects(area: &Area<'_>, family: &str, data: &ChartData) -> Result<(), CardError> {
    if data.categories.iter().all(|(_, n)| *n == 0) {
        return empty(area, family, &data.defects_title, &data.empty_label);
    }
    let top = data.categories.iter().map(|(_, n)| *n).max().unwrap_or(1);
    let count = data.categories.len() as u32;
    let mut chart = ChartBuilder::on(area)
        .caption(&data.defects_title, (family, 30).into_font())
        .margin(24)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d((0..count).into_segmented(), 0..top + top / 10 + 1)
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
        .label_style((family, 17).into_font())
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(draw_err)?;
    chart
        .draw_series(
            Histogram::vertical(&chart)
                .style(BARS.filled())
                .margin(12)
                .data(
                    data.categories
                        .iter()
                        .enumerate()
                        .map(|(i, (_, n))| (i as u32, *n)),
                ),
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
            progress_title: "交付进度".into(),
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
