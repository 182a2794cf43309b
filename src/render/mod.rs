//! Rendering: turning what the services computed into pictures sent as photos and documents
//! sent as files. Drawing is pure (data and a font in, PNG or PDF bytes out, no store or
//! network), in the reader's language
//! as given, so that handlers only decide whether to send it.
//!
//! [`card`] holds the font foundation (the configured or bundled CJK font, the palette) and
//! the welcome-home card; [`chart`] draws `/chart` in the same font and palette; [`pdf`] makes
//! documents (the defect report) in the same font; [`signature`] draws a signature from its
//! strokes.

pub mod card;
pub mod chart;
pub mod pdf;
pub mod plan;
pub mod signature;
