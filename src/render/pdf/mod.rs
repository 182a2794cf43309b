//! PDF documents, made in-process with krilla (which embeds the font and keeps only the glyphs
//! a document uses). [`layout`] is the reusable part: a document is a flow of blocks (titles,
//! bands, wrapped text, tables, rows of photos) that it breaks into A4 pages, repeating a
//! table's header on the next page and never cutting a line, and stamps each page with
//! "page N of M". [`defect_report`] lays out a household's defect report with it, and
//! [`handover_record`] the record of a handover with its signatures.
//!
//! Like the rest of `render`, nothing here reads the store or the clock: the words come in the
//! reader's language, photos through a loader the caller gives (see [`photo`]).

pub mod defect_report;
pub mod handover_record;
pub mod layout;
pub mod photo;

use std::path::PathBuf;
use std::sync::Arc;

use super::card::FontSource;

/// What can go wrong while making a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("cannot read font file {path}: {source}")]
    FontIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a usable TrueType/OpenType font (or collection)")]
    InvalidFont { path: PathBuf },
    #[error("writing the PDF failed: {0}")]
    Write(String),
}

/// The font a PDF is set in: face 0 of the configured file or of the bundled collection, the
/// same one the PNG cards use, so Chinese prints without any system font.
#[derive(Clone)]
pub struct PdfFont {
    bytes: Arc<dyn AsRef<[u8]> + Send + Sync>,
    font: krilla::text::Font,
}

impl PdfFont {
    pub fn load(source: &FontSource) -> Result<PdfFont, PdfError> {
        let (bytes, path): (Arc<dyn AsRef<[u8]> + Send + Sync>, PathBuf) = match source {
            FontSource::Bundled => (
                Arc::new(super::card::BUNDLED_FONT),
                PathBuf::from("(bundled)"),
            ),
            FontSource::File(path) => (
                Arc::new(std::fs::read(path).map_err(|source| PdfError::FontIo {
                    path: path.clone(),
                    source,
                })?),
                path.clone(),
            ),
        };
        // Both readers must accept it: ttf-parser measures, krilla draws and subsets.
        let invalid = || PdfError::InvalidFont { path: path.clone() };
        ttf_parser::Face::parse((*bytes).as_ref(), 0).map_err(|_| invalid())?;
        let font = krilla::text::Font::new(bytes.clone().into(), 0).ok_or_else(invalid)?;
        Ok(PdfFont { bytes, font })
    }

    fn face(&self) -> Result<ttf_parser::Face<'_>, PdfError> {
        ttf_parser::Face::parse((*self.bytes).as_ref(), 0)
            .map_err(|e| PdfError::Write(format!("font: {e}")))
    }
}

impl std::fmt::Debug for PdfFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfFont")
            .field("bytes", &(*self.bytes).as_ref().len())
            .finish()
    }
}
