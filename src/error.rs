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
        write!(f, "{}: {}", clip_path(&self.path), self.reason)
    }
}

/// Errors of configuration and data files that stop a command (taxonomy, dictionary, labels, models, manifest).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", clip_path(.path))]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A data file has a bad line (labels, manifest, dictionary, themes). Quoted values in the message are
    /// cut to [`ECHO_CHARS`] characters when shown (see [`clip_quoted`]).
    #[error("{}", located(.path, *.line, &clip_quoted(.message)))]
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

/// At most this many characters of a user value (a pattern, a label line, a cell) are echoed in a message.
pub const ECHO_CHARS: usize = 200;

/// A user value as a message shows it: whole when short, else its first [`ECHO_CHARS`] characters and
/// `… (N bytes)`. A 1 MB pattern or a 100 MB label line must not become a 1 MB message.
pub fn clip(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(ECHO_CHARS) {
        None => std::borrow::Cow::Borrowed(value),
        // Already cut (a clipped value inside a message clipped again): kept as it is.
        Some((cut, '…'))
            if value[cut..].starts_with("… (")
                && value.ends_with(" bytes)")
                && value[cut + '…'.len_utf8() + 2..value.len() - 7]
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
        {
            std::borrow::Cow::Borrowed(value)
        }
        Some((cut, _)) => {
            std::borrow::Cow::Owned(format!("{}… ({} bytes)", &value[..cut], value.len()))
        }
    }
}

/// A path as a message shows it: whole up to twice [`ECHO_CHARS`] characters, else its start and its end
/// (where the file name is) around `…`, and its size. A path the system refused can be as long as an argument.
pub fn clip_path(path: &std::path::Path) -> String {
    let shown = path.display().to_string();
    let n = shown.chars().count();
    if n <= 2 * ECHO_CHARS {
        return shown;
    }
    let half = ECHO_CHARS / 2;
    let head: String = shown.chars().take(half).collect();
    let tail: String = shown.chars().skip(n - half).collect();
    format!("{head}…{tail} ({} bytes)", shown.len())
}

/// `message` with every value quoted in it (`'…'`) cut by [`clip`]. The safety net for messages put
/// together where the value was not clipped (the taxonomy's patterns, clap's usage errors). A quote closes
/// on its line; one that is not closed there runs to the end of the line.
pub fn clip_quoted(message: &str) -> std::borrow::Cow<'_, str> {
    if message.len() <= ECHO_CHARS {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut out = String::new();
    let mut rest = message;
    while let Some(open) = rest.find('\'') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let eol = rest.find('\n').unwrap_or(rest.len());
        let close = rest[..eol].find('\'').unwrap_or(eol);
        out.push_str(&clip(&rest[..close]));
        rest = &rest[close..];
        if let Some(after) = rest.strip_prefix('\'') {
            out.push('\'');
            rest = after;
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// What a pattern over the regex size limit is told: the regex crates say only "error building NFA", and a
/// user needs the reason and what to do.
pub const REGEX_TOO_LARGE: &str = "the pattern is too large or too complex once compiled (over the regex \
size limit of 10 MiB; a bounded repeat such as \\w{500} or .{0,1000} multiplies its size): split it into \
shorter patterns or narrow the repeats";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_with_their_size() {
        assert_eq!(clip("短"), "短");
        let long = "党".repeat(1000);
        let c = clip(&long);
        assert_eq!(c, format!("{}… (3000 bytes)", "党".repeat(ECHO_CHARS)));
        assert_eq!(clip(&c), c, "cutting twice changes nothing");
    }

    #[test]
    fn quoted_values_are_cut_and_the_rest_kept() {
        let long = "x".repeat(5000);
        let m = format!("theme 'a': pattern '{long}' does not compile\nline 2 '{long}\nend");
        let c = clip_quoted(&m);
        let x200 = "x".repeat(ECHO_CHARS);
        assert_eq!(
            c,
            format!(
                "theme 'a': pattern '{x200}… (5000 bytes)' does not compile\nline 2 '{x200}… (5000 bytes)\nend"
            )
        );
        assert_eq!(clip_quoted("short 'x'"), "short 'x'");
    }

    #[test]
    fn long_paths_keep_their_start_and_file_name() {
        let p = std::path::PathBuf::from(format!("/{}/r.txt", "d".repeat(5000)));
        let c = clip_path(&p);
        assert!(
            c.starts_with("/ddd") && c.ends_with("d/r.txt (5007 bytes)"),
            "{c}"
        );
        assert!(c.chars().count() < 2 * ECHO_CHARS + 20, "{c}");
        assert_eq!(clip_path(std::path::Path::new("a/r.txt")), "a/r.txt");
    }
}
