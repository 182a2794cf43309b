//! The PDFs at the size of a difficult home. The defect report: 60 items with two photos each
//! (120 distinct 1280x960 phone-sized JPEGs), each with a note and a short history. The handover
//! record: three meters with their photos, five open defects and both signatures. Times what
//! happens after the service's read: preparing the photos, laying out and writing the PDF with
//! the bundled font, and prints the time and the size (aims: under 2 s and 10 MB on the 2-core
//! development machine). Asserts nothing about time. Run with `cargo bench --bench defect_pdf`;
//! `DEFECT_PDF_OUT=FILE` and `RECORD_PDF_OUT=FILE` keep the PDFs to look at.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use handover_bot::render::card::FontSource;
use handover_bot::render::pdf::defect_report::{
    self, DefectReport, HomeReport, ReportItem, ReportLabels,
};
use handover_bot::render::pdf::handover_record::{self, RecordSheet, Section, SignatureLines};
use handover_bot::render::pdf::{PdfFont, layout, photo};

const ITEMS: usize = 60;
const PHOTOS_PER_ITEM: usize = 2;

/// A photo-like JPEG: smooth light and shade with grain, different per seed, as a phone takes.
fn phone_photo(seed: u32) -> Vec<u8> {
    let (width, height) = (1280, 960);
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let grain = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ seed) % 23;
        let shade = ((x + seed * 37) % 256) as u8 / 2 + (y % 200) as u8 / 2;
        image::Rgb([
            shade.saturating_add(grain as u8),
            (shade / 2 + 60).saturating_add(grain as u8),
            (200 - shade / 3).saturating_add(grain as u8),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encodes");
    out
}

fn report() -> DefectReport {
    let s = |t: &str| t.to_string();
    let items = (0..ITEMS)
        .map(|i| {
            let photos = |kind: &str| {
                (0..PHOTOS_PER_ITEM / 2)
                    .map(|p| format!("{kind}-{i}-{p}"))
                    .collect::<Vec<_>>()
            };
            ReportItem {
                title: format!("{}. 厨房 · 渗漏", i + 1),
                status: s("整改中"),
                summary: [
                    (i + 1).to_string(),
                    s("厨房"),
                    s("渗漏"),
                    s("紧急"),
                    s("整改中"),
                    s("2026-12-05"),
                ],
                fields: vec![
                    (s("紧急程度"), s("紧急")),
                    (s("整改期限"), s("2026-12-05")),
                    (s("记录时间"), s("2026-12-04 10:30")),
                    (s("工程师"), s("王工 / 远大装饰")),
                    (
                        s("说明"),
                        format!("第{i}条：{}", "墙角有明显水渍，需要检查防水层。".repeat(3)),
                    ),
                ],
                history: vec![
                    [s("2026-12-04 10:30"), s("待整改"), s("李雷"), String::new()],
                    [s("2026-12-04 11:00"), s("已派单"), s("系统"), String::new()],
                    [
                        s("2026-12-04 15:20"),
                        s("整改中"),
                        s("王工"),
                        s("已联系厂家"),
                    ],
                ],
                before: photos("before"),
                after: photos("after"),
                more_photos: None,
            }
        })
        .collect();
    DefectReport {
        title: s("验房记录 / 整改单"),
        language: s("zh-CN"),
        footer: s("生成于 2026-12-04 16:00"),
        page_label: Box::new(|n, m| format!("第 {n} 页，共 {m} 页")),
        cover: None,
        homes: vec![HomeReport {
            heading: s("3-1502"),
            fields: vec![
                (s("项目"), s("滨江花园")),
                (s("房号"), s("3-1502")),
                (s("业主"), s("王芳、李明")),
            ],
            plan: None,
            items,
        }],
        labels: ReportLabels {
            summary: s("问题清单"),
            columns: ["序号", "房间", "类型", "紧急程度", "状态", "整改期限"].map(s),
            history: s("处理记录"),
            history_columns: ["时间", "状态", "处理人", "说明"].map(s),
            before: s("整改前照片"),
            after: s("整改后照片"),
            nothing: s("暂无记录的问题。"),
        },
    }
}

fn record() -> RecordSheet {
    let s = |t: &str| t.to_string();
    let section = |heading: &str, columns: &[(&str, f32)], rows: Vec<Vec<String>>| Section {
        heading: s(heading),
        columns: columns.iter().map(|(t, w)| (s(t), *w)).collect(),
        rows,
        photos: None,
    };
    let mut meters = section(
        "表读数",
        &[("表", 2.0), ("读数", 2.0)],
        ["水表", "电表", "燃气表"]
            .iter()
            .enumerate()
            .map(|(i, m)| vec![s(m), format!("{:04}.{i}", 1234 + i)])
            .collect(),
    );
    meters.photos = Some((
        s("表读数照片"),
        (0..3).map(|i| format!("meter-{i}")).collect(),
    ));
    let signature = |signer: &str, name: &str| SignatureLines {
        caption: s(signer),
        image: Some(format!("signature-{signer}")),
        lines: vec![s(name), s("签于 2026-12-04 10:30")],
    };
    RecordSheet {
        title: s("交房确认书"),
        subtitle: s("记录编号 12"),
        language: s("zh-CN"),
        footer: format!("交房确认书 12 · SHA-256 {}", "3f".repeat(32)),
        page_label: Box::new(|n, m| format!("第 {n} 页，共 {m} 页")),
        keywords: vec![format!("handover-record-12-sha256-{}", "3f".repeat(32))],
        fields: vec![
            (s("项目"), s("滨江花园")),
            (s("房号"), s("3-1502")),
            (s("业主"), s("王芳、李明")),
            (s("收房时间"), s("2026-12-04 10:30")),
        ],
        statement: s("业主 王芳 已收到房屋 3-1502 及下列钥匙、表读数和资料。"),
        sections: vec![
            section(
                "钥匙",
                &[("项目", 3.0), ("数量", 1.0)],
                vec![vec![s("入户门钥匙"), s("2")], vec![s("信箱钥匙"), s("1")]],
            ),
            meters,
            section(
                "交付资料",
                &[("项目", 1.0)],
                vec![vec![s("住宅质量保证书")]],
            ),
            section(
                "交房时未完成整改的问题",
                &[
                    ("序号", 0.5),
                    ("房间", 1.0),
                    ("说明", 3.0),
                    ("整改期限", 1.1),
                ],
                (1..=5)
                    .map(|i| vec![i.to_string(), s("厨房"), s("水槽下渗水"), s("2026-12-11")])
                    .collect(),
            ),
        ],
        signatures_heading: s("签字"),
        signatures: vec![
            signature("交付大使签字", "李雷"),
            signature("业主签字", "王芳"),
        ],
        none: s("无"),
    }
}

/// The record's photos and signatures as the service loads them.
fn record_files() -> HashMap<String, Vec<u8>> {
    use handover_bot::domain::signature::Drawing;
    let drawing = Drawing {
        width: 300.0,
        height: 150.0,
        strokes: vec![vec![
            [10.0, 100.0],
            [80.0, 20.0],
            [150.0, 120.0],
            [290.0, 30.0],
        ]],
    };
    let png = handover_bot::render::signature::render(&drawing).expect("a signature");
    (0..3)
        .map(|i| (format!("meter-{i}"), phone_photo(1000 + i)))
        .chain(["交付大使签字", "业主签字"].map(|who| (format!("signature-{who}"), png.clone())))
        .collect()
}

fn main() {
    let files: HashMap<String, Vec<u8>> = report()
        .photo_paths()
        .iter()
        .enumerate()
        .map(|(i, path)| (path.to_string(), phone_photo(i as u32)))
        .collect();
    let input: usize = files.values().map(Vec::len).sum();
    let read = |path: &str| files.get(path).cloned();
    let font = PdfFont::load(&FontSource::Bundled).expect("the bundled font");
    let mut timings: Vec<(Duration, Duration, usize)> = Vec::new();
    let mut kept = Vec::new();
    for _ in 0..3 {
        let report = report();
        let started = Instant::now();
        let photos = photo::prepare_all(&report.photo_paths(), &read);
        let prepared = started.elapsed();
        let pdf =
            layout::render(&defect_report::document(report, &photos), &font).expect("renders");
        timings.push((started.elapsed(), prepared, pdf.len()));
        kept = pdf;
    }
    if let Some(out) = std::env::var_os("DEFECT_PDF_OUT") {
        std::fs::write(&out, &kept).expect("the PDF is written");
    }
    timings.sort();
    let (total, photos, size) = timings[timings.len() / 2];
    println!(
        "defect report PDF, {ITEMS} items and {} photos ({:.1} MB of JPEG in): {:.2} s \
         (photos {:.2} s), {:.2} MB — aims: under 2 s and 10 MB",
        files.len(),
        input as f64 / 1e6,
        total.as_secs_f64(),
        photos.as_secs_f64(),
        size as f64 / 1e6,
    );

    // The handover record.
    let files = record_files();
    let read = |path: &str| files.get(path).cloned();
    let mut timings = Vec::new();
    let mut kept = Vec::new();
    for _ in 0..5 {
        let sheet = record();
        let started = Instant::now();
        let mut prepared = photo::prepare_all(&sheet.photo_paths(), &read);
        for path in sheet.signature_paths() {
            if let Some(drawing) = read(path).and_then(photo::drawing) {
                prepared.insert(path.to_string(), drawing);
            }
        }
        let pdf =
            layout::render(&handover_record::document(sheet, &prepared), &font).expect("renders");
        timings.push((started.elapsed(), pdf.len()));
        kept = pdf;
    }
    if let Some(out) = std::env::var_os("RECORD_PDF_OUT") {
        std::fs::write(&out, &kept).expect("the PDF is written");
    }
    timings.sort();
    let (total, size) = timings[timings.len() / 2];
    println!(
        "handover record PDF, 3 meter photos and 2 signatures: {:.2} s, {:.2} MB — aims: under 2 s and 10 MB",
        total.as_secs_f64(),
        size as f64 / 1e6,
    );
}
