//! Legacy Microsoft KB text articles → native kbase articles.
//!
//! [`convert`] is a pure function from the bytes of one legacy file to the Markdown of
//! one native article plus warnings; it never panics, and a file it cannot use comes back
//! as an error saying why. [`import`] runs it over many files in parallel and writes the
//! results. This module never touches the index: imported articles enter kbase like
//! any other article file.

mod convert;
mod import;
mod layout;
mod markdown;
mod text;

pub use convert::{convert, Conversion, Warning};
pub use import::{import, import_counted, FileReport, ImportOptions, ImportReport, Status};
