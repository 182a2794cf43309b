//! Rendering: turning what the services computed into pictures sent as photos. Drawing is
//! pure (data and a font in, PNG bytes out, no store or network), in the reader's language
//! as given, so that handlers only decide whether to send it.
//!
//! [`card`] holds the font foundation (the configured or bundled CJK font, the palette) and
//! the welcome-home card; [`chart`] draws `/chart` in the same font and palette; [`signature`]
//! draws a signature from its strokes.

pub mod card;
pub mod chart;
pub mod signature;
