//! Typed errors of the library. Each names the offending file, line or value so a user can act on it.

use std::path::PathBuf;

/// Why one input file could not be turned into a [`crate::ingest::Document`].
///
/// A skip never stops a batch: it is reported (`errors.csv`, stderr) and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum SkipReason {
    /// The file holds NUL bytes or other signs of binary data.
    #[error("binary file (NUL bytes at offset {offset}); not a text report")]
    Binary {
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// Zero bytes, or only whitespace once decoded.
    #[error("empty file (no text after decoding)")]
    Empty,
    /// The bytes are neither UTF-8, UTF-16 with BOM nor GB18030.
    #[error("cannot decode: {0}")]
    Undecodable(String),
    /// A `.docx` that is not a valid Word document.
    #[error("bad .docx: {0}")]
    BadDocx(String),
    /// A format we recognise but cannot read (`.rtf`, `.odt`, …).
    #[error("unsupported format '.{ext}': convert it to .docx or .txt first")]
    Unsupported {
        /// The file extension, lower case.
        ext: String,
    },
    /// A PDF the parser cannot read (malformed, encrypted, a bomb, too slow).
    #[error("bad PDF: {0}")]
    BadPdf(String),
    /// A PDF whose pages carry no text, only images.
    #[error("no text layer (scanned): run OCR first")]
    NoTextLayer,
    /// A `.doc`/`.wps` and no LibreOffice to convert it.
    #[error("{}", crate::ingest::convert::how_to_convert(.ext))]
    NoConverter {
        /// The file extension, lower case.
        ext: String,
    },
    /// LibreOffice failed to convert a `.doc`/`.wps`.
    #[error("conversion through LibreOffice failed: {0}")]
    Conversion(String),
    /// Larger than the configured limit.
    #[error("file too large: {size} bytes (limit {limit}; raise it with --max-size)")]
    TooLarge {
        /// File size in bytes.
        size: u64,
        /// Limit in bytes.
        limit: u64,
    },
    /// The OS refused to read it.
    #[error("unreadable: {0}")]
    Io(#[from] std::io::Error),
    /// Not a regular file (a named pipe, socket or device): reading it could block forever.
    #[error("not a regular file ({kind}); only regular files are read")]
    NotRegular {
        /// What it is.
        kind: &'static str,
    },
    /// Another input file already has this report id (it would be counted under one id, or lost).
    #[error(
        "report id '{id}' is already taken by {other}; rename one of the two files or folders"
    )]
    DuplicateId {
        /// The id both files map to.
        id: String,
        /// The file that kept the id.
        other: PathBuf,
    },
    /// A directory walk problem (symlink loop, permission).
    #[error("cannot walk: {0}")]
    Walk(String),
}

impl SkipReason {
    /// A short machine-readable kind for `errors.csv`.
    pub fn kind(&self) -> &'static str {
        match self {
            SkipReason::Binary { .. } => "binary",
            SkipReason::Empty => "empty",
            SkipReason::Undecodable(_) => "undecodable",
            SkipReason::BadDocx(_) => "bad_docx",
            SkipReason::Unsupported { .. } => "unsupported",
            SkipReason::BadPdf(_) => "bad_pdf",
            SkipReason::NoTextLayer => "no_text_layer",
            SkipReason::NoConverter { .. } => "no_converter",
            SkipReason::Conversion(_) => "conversion_failed",
            SkipReason::TooLarge { .. } => "too_large",
            SkipReason::Io(_) => "unreadable",
            SkipReason::NotRegular { .. } => "not_regular",
            SkipReason::DuplicateId { .. } => "duplicate_id",
            SkipReason::Walk(_) => "walk",
        }
    }
}

/// A file that was skipped, with the reason.
#[derive(Debug)]
pub struct Skipped {
    /// The path as given or found by the walk.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: SkipReason,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// Errors of configuration and data files that stop a command (taxonomy, dictionary, labels, models, manifest).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A data file has a bad line (labels, manifest, dictionary, themes).
    #[error("{}", located(.path, *.line, .message))]
    Data {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 when the whole file is at fault).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A model folder that cannot be used.
    #[error("model {path}: {message}")]
    Model {
        /// The model folder or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Training or evaluation cannot proceed with these settings or data.
    #[error("{0}")]
    Invalid(String),
    /// The run was stopped (Ctrl-C, SIGTERM) before it finished.
    #[error("interrupted")]
    Interrupted,
}

/// `file:line: message`, or `file: message` when the whole file is at fault (line 0).
fn located(path: &std::path::Path, line: usize, message: &str) -> String {
    if line == 0 {
        format!("{}: {message}", path.display())
    } else {
        format!("{}:{line}: {message}", path.display())
    }
}

impl Error {
    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for [`Error::Data`].
    pub fn data(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Data {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

/// Result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
