//! The defect report (验房记录 / 整改单) of a home, or of each home of a building: who and
//! where, a list of every item, then each item with its facts, its history and its photos
//! before and after the fix. The words come in the reader's language; this only arranges them.

use std::collections::HashMap;

use super::layout::{Block, Column, Document, PageLabel, Photo, Table};

/// A report, every word already in the reader's language.
pub struct DefectReport {
    pub title: String,
    /// The PDF's language tag (`zh-CN`, `en`).
    pub language: String,
    /// The footer of every page (when it was generated).
    pub footer: String,
    pub page_label: PageLabel,
    /// A building's report opens with its own facts, each home then starts a page.
    pub cover: Option<Vec<(String, String)>>,
    pub homes: Vec<HomeReport>,
    pub labels: ReportLabels,
}

/// The headers and captions every report prints.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportLabels {
    /// The list of items, and its columns: number, room, kind, urgency, status, deadline.
    pub summary: String,
    pub columns: [String; 6],
    /// An item's history, and its columns: date, status, who, note.
    pub history: String,
    pub history_columns: [String; 4],
    pub before: String,
    pub after: String,
    /// Printed for a home without any recorded item.
    pub nothing: String,
}

/// One home.
#[derive(Debug, Clone, PartialEq)]
pub struct HomeReport {
    /// The home as people write it ("3-1502"), the heading of its section in a building's report.
    pub heading: String,
    /// Project, building, unit, buyers, ambassador, date.
    pub fields: Vec<(String, String)>,
    /// The home's floor plan with every item's numbered pin (a path for the loader), and its
    /// caption.
    pub plan: Option<(String, String)>,
    pub items: Vec<ReportItem>,
}

/// One defect.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportItem {
    /// "3 · Kitchen · Leakage", and its status beside it.
    pub title: String,
    pub status: String,
    /// Its row in the list: number, room, kind, urgency, status, deadline.
    pub summary: [String; 6],
    /// Urgency, deadline, recorded, engineer, note.
    pub fields: Vec<(String, String)>,
    /// Date, status, who, note: oldest first.
    pub history: Vec<[String; 4]>,
    /// Photos (paths for the loader), at most a few each.
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// "2 more photos in the bot", when some were left out.
    pub more_photos: Option<String>,
}

impl DefectReport {
    /// Every photo the report shows, to prepare before laying it out.
    pub fn photo_paths(&self) -> Vec<&str> {
        self.homes
            .iter()
            .flat_map(|h| &h.items)
            .flat_map(|i| i.before.iter().chain(&i.after))
            .map(String::as_str)
            .collect()
    }
}

/// How high a home's floor plan may be on its first page, in points (about half an A4 page).
const PLAN_MAX_HEIGHT: f32 = 380.0;

/// The report as a document, with the photos prepared (a path not among them is left out).
pub fn document(report: DefectReport, prepared: &HashMap<String, Photo>) -> Document {
    let photos = |paths: &[String]| -> Vec<Photo> {
        paths
            .iter()
            .filter_map(|path| prepared.get(path).cloned())
            .collect()
    };
    let labels = &report.labels;
    let mut blocks = vec![Block::Title(report.title.clone())];
    if let Some(cover) = &report.cover {
        blocks.push(Block::Fields(cover.clone()));
    }
    for (n, home) in report.homes.iter().enumerate() {
        if report.cover.is_some() {
            blocks.push(Block::PageBreak);
            blocks.push(Block::Title(home.heading.clone()));
        } else if n > 0 {
            blocks.push(Block::PageBreak);
        }
        blocks.push(Block::Fields(home.fields.clone()));
        if let Some((path, caption)) = &home.plan
            && let Some(photo) = prepared.get(path)
        {
            blocks.push(Block::Picture {
                photo: photo.clone(),
                caption: caption.clone(),
                max_height: PLAN_MAX_HEIGHT,
            });
        }
        blocks.push(Block::Heading(labels.summary.clone()));
        if home.items.is_empty() {
            blocks.push(Block::Paragraph(labels.nothing.clone()));
            continue;
        }
        blocks.push(Block::Table(Table {
            columns: labels
                .columns
                .iter()
                .zip([0.5, 1.1, 1.4, 0.9, 1.2, 1.1])
                .map(|(title, weight)| Column::new(title.clone(), weight))
                .collect(),
            rows: home.items.iter().map(|i| i.summary.to_vec()).collect(),
        }));
        blocks.push(Block::Gap(6.0));
        for item in &home.items {
            blocks.push(Block::Band {
                text: item.title.clone(),
                aside: item.status.clone(),
            });
            blocks.push(Block::Fields(item.fields.clone()));
            if !item.history.is_empty() {
                blocks.push(Block::Note(labels.history.clone()));
                blocks.push(Block::Table(Table {
                    columns: labels
                        .history_columns
                        .iter()
                        .zip([1.1, 1.0, 1.0, 2.4])
                        .map(|(title, weight)| Column::new(title.clone(), weight))
                        .collect(),
                    rows: item.history.iter().map(|row| row.to_vec()).collect(),
                }));
            }
            blocks.push(Block::Photos {
                caption: labels.before.clone(),
                photos: photos(&item.before),
            });
            blocks.push(Block::Photos {
                caption: labels.after.clone(),
                photos: photos(&item.after),
            });
            if let Some(more) = &item.more_photos {
                blocks.push(Block::Note(more.clone()));
            }
            blocks.push(Block::Gap(10.0));
        }
    }
    Document {
        title: report.title,
        language: report.language,
        footer: report.footer,
        page_label: report.page_label,
        keywords: Vec::new(),
        blocks,
    }
}
