//! Finding report files and turning each into a [`Document`]: walk, size guard, sniff, decode.
//!
//! Every failure is per file ([`Skipped`]); the caller decides how to report it and the batch goes on.

pub mod convert;
pub mod decode;
pub mod docx;
pub mod pdf;
mod radicals;

use crate::error::{SkipReason, Skipped};
use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Default limit on a single input file (20 MB).
pub const DEFAULT_MAX_SIZE: u64 = 20 * 1024 * 1024;

/// Extensions read as reports (`.doc` and `.wps` through LibreOffice, see [`convert`]).
pub const REPORT_EXTENSIONS: [&str; 6] = ["txt", "md", "docx", "pdf", "doc", "wps"];
/// Extensions of documents we recognise but cannot read: reported, not silently passed over.
const UNSUPPORTED_EXTENSIONS: [&str; 5] = ["rtf", "odt", "pages", "ofd", "xps"];

/// One file to analyse, as found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Report id: the path relative to the root given on the command line, `/`-separated.
    pub id: String,
    /// Path relative to its root (`manifest.csv` key); equals `id` unless ids were prefixed.
    pub rel: String,
    /// Where to read it.
    pub path: PathBuf,
    /// The root it was found under (for `manifest.csv`), shared by all its sources.
    pub root: Arc<Path>,
}

/// A decoded report file.
#[derive(Debug, Clone)]
pub struct Document {
    /// Report id (see [`Source::id`]).
    pub id: String,
    /// Path relative to the corpus root (see [`Source::rel`]).
    pub rel: String,
    /// The path it was read from, for display.
    pub path: String,
    /// Normalised text; all offsets are character offsets into it.
    pub text: String,
    /// Encoding found (`UTF-8`, `GB18030`, `docx`, …).
    pub encoding: String,
    /// Non-fatal problems met so far.
    pub warnings: Vec<String>,
}

/// Settings of ingest.
#[derive(Debug, Clone, Copy)]
pub struct IngestOptions {
    /// Files larger than this are skipped.
    pub max_size: u64,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_size: DEFAULT_MAX_SIZE,
        }
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Whether a walked file is taken as a report (by extension, leaving out READMEs and hidden files).
fn is_report_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    !name.starts_with('.')
        && !name.starts_with("readme")
        && !name.starts_with("~$")
        && REPORT_EXTENSIONS.contains(&extension(path).as_str())
}

/// A file or folder name as it appears in a report id: as is when it is UTF-8, else with every byte
/// that is not valid UTF-8 written as `%XX`, so that two different names never map to one id (a lossy
/// decode would turn both into U+FFFD).
pub fn name_id(name: &std::ffi::OsStr) -> String {
    if let Some(s) = name.to_str() {
        return s.to_owned();
    }
    let bytes = name.as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn relative_id(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel.components().map(|c| name_id(c.as_os_str())).collect();
    if parts.is_empty() {
        path.file_name().map(name_id).unwrap_or_default()
    } else {
        parts.join("/")
    }
}

/// Walks the given files and folders in a deterministic order (sorted by name at each level).
///
/// A file named on the command line is taken whatever its extension; inside folders only the
/// [`REPORT_EXTENSIONS`] are taken, other document formats are reported as unsupported, everything else is
/// passed over.
/// Symlinked folders are followed once (loops are reported, not followed).
pub fn discover(roots: &[PathBuf]) -> (Vec<Source>, Vec<Skipped>) {
    discover_excluding(roots, &[])
}

/// Whether a folder is the output of a shuzhi run (it holds a run manifest) or a run's staging folder:
/// never read as input.
pub fn is_output_folder(dir: &Path) -> bool {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.contains(".shuzhi-tmp-")
        || name.contains(".shuzhi-old-")
        || dir.join(crate::outset::RUN_MANIFEST).is_file()
}

/// [`discover`], passing over the folders in `exclude` (canonical paths, e.g. the output folder) and every
/// output folder ([`is_output_folder`]).
pub fn discover_excluding(roots: &[PathBuf], exclude: &[PathBuf]) -> (Vec<Source>, Vec<Skipped>) {
    let mut sources = Vec::new();
    let mut skipped = Vec::new();
    for root in roots {
        let meta = match fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                skipped.push(Skipped {
                    path: root.clone(),
                    reason: SkipReason::Io(e),
                });
                continue;
            }
        };
        if meta.is_file() {
            let id = root
                .file_name()
                .map(name_id)
                .unwrap_or_else(|| name_id(root.as_os_str()));
            let parent = root.parent().unwrap_or(Path::new(".")).to_path_buf();
            sources.push(Source {
                rel: id.clone(),
                id,
                path: root.clone(),
                root: Arc::from(parent),
            });
            continue;
        }
        if !meta.is_dir() {
            skipped.push(Skipped {
                path: root.clone(),
                reason: SkipReason::NotRegular {
                    kind: crate::regular_file::kind(&meta),
                },
            });
            continue;
        }
        if is_output_folder(root) || is_excluded(root, exclude) {
            skipped.push(Skipped {
                path: root.clone(),
                reason: SkipReason::Walk(
                    "an output folder of shuzhi; outputs are never read as reports".into(),
                ),
            });
            continue;
        }
        walk_dir(root, exclude, &mut sources, &mut skipped);
    }
    (sources, skipped)
}

/// A path the system cannot open because it is too long: whatever it holds is lost to the run, so it is
/// always reported, even when it is a folder.
fn too_long(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::InvalidFilename
}

fn is_excluded(dir: &Path, exclude: &[PathBuf]) -> bool {
    !exclude.is_empty() && dir.canonicalize().is_ok_and(|c| exclude.contains(&c))
}

#[cfg(unix)]
fn dir_key(meta: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}
#[cfg(not(unix))]
fn dir_key(_meta: &fs::Metadata) -> (u64, u64) {
    (0, 0)
}

fn walk_dir(
    root: &Path,
    exclude: &[PathBuf],
    sources: &mut Vec<Source>,
    skipped: &mut Vec<Skipped>,
) {
    let shared_root: Arc<Path> = Arc::from(root);
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    // Explicit stack: deep trees must not overflow the call stack.
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        match fs::metadata(&dir) {
            Ok(m) if !seen.insert(dir_key(&m)) => {
                skipped.push(Skipped {
                    path: dir.clone(),
                    reason: SkipReason::Walk(
                        "folder already visited (symlink loop?); not followed".into(),
                    ),
                });
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                skipped.push(Skipped {
                    path: dir.clone(),
                    reason: SkipReason::Io(e),
                });
                continue;
            }
        }
        let entries = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                skipped.push(Skipped {
                    path: dir.clone(),
                    reason: SkipReason::Io(e),
                });
                continue;
            }
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        let mut subdirs = Vec::new();
        for path in paths {
            match fs::metadata(&path) {
                Ok(m) if m.is_dir() => {
                    if !is_output_folder(&path) && !is_excluded(&path, exclude) {
                        subdirs.push(path);
                    }
                }
                Ok(m) if !m.is_file() => {
                    // Opening a named pipe or a device blocks or never ends: such entries are never read.
                    if is_report_name(&path) {
                        skipped.push(Skipped {
                            path,
                            reason: SkipReason::NotRegular {
                                kind: crate::regular_file::kind(&m),
                            },
                        });
                    }
                }
                Ok(_) => {
                    if is_report_name(&path) {
                        let id = relative_id(root, &path);
                        sources.push(Source {
                            rel: id.clone(),
                            id,
                            path,
                            root: shared_root.clone(),
                        });
                    } else if UNSUPPORTED_EXTENSIONS.contains(&extension(&path).as_str()) {
                        skipped.push(Skipped {
                            reason: SkipReason::Unsupported {
                                ext: extension(&path),
                            },
                            path,
                        });
                    }
                }
                Err(e) if too_long(&e) => skipped.push(Skipped {
                    reason: SkipReason::Walk(format!(
                        "path too long for the system ({} bytes): not read; move or rename its folders",
                        path.as_os_str().len()
                    )),
                    path,
                }),
                Err(e) => {
                    if is_report_name(&path) || fs::symlink_metadata(&path).is_ok() {
                        skipped.push(Skipped {
                            path,
                            reason: SkipReason::Io(e),
                        });
                    }
                }
            }
        }
        // Reverse so that the stack pops them in sorted order.
        stack.extend(subdirs.into_iter().rev());
    }
    // Files come out grouped by folder in walk order; sort by id for a stable global order.
    sources.sort_by(|a, b| a.id.cmp(&b.id));
}

/// Reads and decodes one source file.
///
/// # Errors
/// A [`SkipReason`] saying why the file cannot be used.
pub fn load(source: &Source, opts: &IngestOptions) -> Result<Document, SkipReason> {
    let ext = extension(&source.path);
    if UNSUPPORTED_EXTENSIONS.contains(&ext.as_str()) {
        return Err(SkipReason::Unsupported { ext });
    }
    let meta = fs::metadata(&source.path)?;
    if !meta.is_file() {
        return Err(SkipReason::NotRegular {
            kind: crate::regular_file::kind(&meta),
        });
    }
    let file = crate::regular_file::open(&source.path)?;
    let size = file.metadata()?.len();
    if size > opts.max_size {
        return Err(SkipReason::TooLarge {
            size,
            limit: opts.max_size,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // Bounded even if the file grows while we read it.
    file.take(opts.max_size + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > opts.max_size {
        return Err(SkipReason::TooLarge {
            size: bytes.len() as u64,
            limit: opts.max_size,
        });
    }
    let mut warnings = Vec::new();
    if source.path.to_str().is_none() {
        warnings.push(
            "file name is not valid UTF-8; its id writes the bytes that are not as %XX".into(),
        );
    }
    let looks_zip = bytes.starts_with(b"PK\x03\x04");
    let looks_pdf = bytes.starts_with(b"%PDF");
    let (text, encoding) = if ext == "docx" || looks_zip {
        if ext != "docx" {
            return Err(SkipReason::BadDocx(format!(
                "a zip archive named .{ext}; rename it to .docx if it is a Word document"
            )));
        }
        (read_docx(bytes, opts.max_size)?, "docx".to_string())
    } else if ext == "pdf" || looks_pdf {
        if ext != "pdf" {
            return Err(SkipReason::BadPdf(format!(
                "a PDF named .{ext}; rename it to .pdf"
            )));
        }
        (read_pdf(bytes)?, "pdf".to_string())
    } else if convert::CONVERTED_EXTENSIONS.contains(&ext.as_str()) {
        let text = read_docx(convert::to_docx(&bytes, &ext)?, opts.max_size)?;
        // LibreOffice opens anything, random bytes included, as plain text.
        decode::check_textlike(&text).map_err(|e| {
            SkipReason::Conversion(format!("LibreOffice did not read it as a document: {e}"))
        })?;
        (text, format!("{ext} (LibreOffice)"))
    } else {
        if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
            return Err(SkipReason::Unsupported {
                ext: "doc (OLE)".into(),
            });
        }
        let d = decode::decode(&bytes)?;
        warnings.extend(d.warnings);
        (d.text, d.encoding)
    };
    Ok(Document {
        id: source.id.clone(),
        rel: source.rel.clone(),
        path: source.path.to_string_lossy().into_owned(),
        text,
        encoding,
        warnings,
    })
}

fn read_docx(bytes: Vec<u8>, max_size: u64) -> Result<String, SkipReason> {
    // The inflated XML is bounded like the file: a small .docx must not cost what a large one may not.
    let raw = docx::extract_text_within(std::io::Cursor::new(bytes), max_size)?;
    let text = decode::normalize(&raw);
    if text.trim().is_empty() {
        return Err(SkipReason::Empty);
    }
    Ok(text)
}

fn read_pdf(bytes: Vec<u8>) -> Result<String, SkipReason> {
    let text = decode::normalize(&pdf::extract_text(bytes)?);
    if text.trim().is_empty() {
        return Err(SkipReason::NoTextLayer);
    }
    // Fonts without a Unicode map give glyph numbers or private-use characters, not text.
    decode::check_textlike(&text).map_err(|e| {
        SkipReason::BadPdf(format!(
            "its text layer does not read as text (fonts without a Unicode map?): {e}"
        ))
    })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_is_sorted_and_filters_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("2021/sub")).unwrap();
        fs::write(d.join("2021/b.txt"), "乙").unwrap();
        fs::write(d.join("2021/a.md"), "甲").unwrap();
        fs::write(d.join("2021/sub/c.docx"), "x").unwrap();
        fs::write(d.join("2021/d.pdf"), "%PDF").unwrap();
        fs::write(d.join("2021/e.rtf"), "{\\rtf1}").unwrap();
        fs::write(d.join("manifest.csv"), "path").unwrap();
        fs::write(d.join("README.md"), "doc").unwrap();
        let (sources, skipped) = discover(&[d.to_path_buf()]);
        let ids: Vec<_> = sources.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            ["2021/a.md", "2021/b.txt", "2021/d.pdf", "2021/sub/c.docx"]
        );
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].reason.kind(), "unsupported");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_reported_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("a")).unwrap();
        fs::write(d.join("a/r.txt"), "报告").unwrap();
        std::os::unix::fs::symlink(d, d.join("a/loop")).unwrap();
        let (sources, skipped) = discover(&[d.to_path_buf()]);
        assert_eq!(sources.len(), 1);
        assert!(skipped.iter().any(|s| s.reason.kind() == "walk"));
    }

    #[test]
    fn size_limit_applies() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.txt");
        fs::write(&p, "很长的报告".repeat(100)).unwrap();
        let src = Source {
            id: "big.txt".into(),
            rel: "big.txt".into(),
            path: p,
            root: Arc::from(dir.path()),
        };
        let err = load(&src, &IngestOptions { max_size: 100 }).unwrap_err();
        assert_eq!(err.kind(), "too_large");
    }
}
