//! The handover record (交房确认书) of a home: who and when, the keys, the meter readings, the
//! documents, the defects that stay open with their deadlines, the warranty that now runs, the
//! signatures, and then the meter photos as attachments. The words come in the reader's
//! language; this only arranges them.

use std::collections::HashMap;

use super::layout::{Block, Column, Document, PageLabel, Photo, SignatureBox, Table};

/// A record, every word already in the reader's language.
pub struct RecordSheet {
    pub title: String,
    /// "No. 12", and the record it replaces.
    pub subtitle: String,
    /// The PDF's language tag (`zh-CN`, `en`).
    pub language: String,
    /// The record's number and hash, at the foot of every page.
    pub footer: String,
    pub page_label: PageLabel,
    /// What a program finds the record by (see `domain::record::pdf_marker`).
    pub keywords: Vec<String>,
    /// Project, building, unit, buyers, received by, ambassador, date.
    pub fields: Vec<(String, String)>,
    /// "The buyer received the home with what is listed below …".
    pub statement: String,
    /// Each section's heading, its column titles and rows; an empty one prints `none`.
    pub sections: Vec<Section>,
    pub signatures_heading: String,
    pub signatures: Vec<SignatureLines>,
    /// Printed for a section without rows.
    pub none: String,
}

/// A heading and a table under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    /// Column titles and their shares of the width.
    pub columns: Vec<(String, f32)>,
    pub rows: Vec<Vec<String>>,
    /// Photos of what the table lists (paths for the loader) and their heading: the meters',
    /// printed after the signatures.
    pub photos: Option<(String, Vec<String>)>,
}

/// A signature: its caption, the image (a path for the loader; none: received by the button),
/// and the lines under it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureLines {
    pub caption: String,
    pub image: Option<String>,
    pub lines: Vec<String>,
}

impl RecordSheet {
    /// The photos, to prepare before laying out (the signatures are loaded as they are).
    pub fn photo_paths(&self) -> Vec<&str> {
        self.sections
            .iter()
            .filter_map(|s| s.photos.as_ref())
            .flat_map(|(_, paths)| paths.iter().map(String::as_str))
            .collect()
    }

    /// The signature images.
    pub fn signature_paths(&self) -> Vec<&str> {
        self.signatures
            .iter()
            .filter_map(|s| s.image.as_deref())
            .collect()
    }
}

/// The record as a document, with the photos and signatures prepared (a path not among them is
/// left out).
pub fn document(sheet: RecordSheet, prepared: &HashMap<String, Photo>) -> Document {
    let mut blocks = vec![
        Block::Title(sheet.title.clone()),
        Block::Subtitle(sheet.subtitle.clone()),
        Block::Fields(sheet.fields.clone()),
        Block::Paragraph(sheet.statement.clone()),
        Block::Gap(4.0),
    ];
    for section in &sheet.sections {
        blocks.push(Block::Heading(section.heading.clone()));
        if section.rows.is_empty() {
            blocks.push(Block::Paragraph(sheet.none.clone()));
            blocks.push(Block::Gap(4.0));
            continue;
        }
        blocks.push(Block::Table(Table {
            columns: section
                .columns
                .iter()
                .map(|(title, weight)| Column::new(title.clone(), *weight))
                .collect(),
            rows: section.rows.clone(),
        }));
    }
    blocks.push(Block::Heading(sheet.signatures_heading.clone()));
    blocks.push(Block::Signatures(
        sheet
            .signatures
            .iter()
            .map(|s| SignatureBox {
                caption: s.caption.clone(),
                image: s.image.as_ref().and_then(|p| prepared.get(p).cloned()),
                lines: s.lines.clone(),
            })
            .collect(),
    ));
    // The photos follow the signatures as attachments, so the record and its signatures
    // usually share the first page.
    for (caption, paths) in sheet.sections.iter().filter_map(|s| s.photos.as_ref()) {
        let photos: Vec<Photo> = paths
            .iter()
            .filter_map(|path| prepared.get(path).cloned())
            .collect();
        if !photos.is_empty() {
            blocks.push(Block::Heading(caption.clone()));
            blocks.push(Block::Photos {
                caption: String::new(),
                photos,
            });
        }
    }
    Document {
        title: sheet.title,
        language: sheet.language,
        footer: sheet.footer,
        page_label: sheet.page_label,
        keywords: sheet.keywords,
        blocks,
    }
}
