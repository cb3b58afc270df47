//! `reports.jsonl` and `mentions.jsonl`: one JSON object a line, in report id order.

use crate::aggregate::{Mention, ReportRecord};
use crate::atomic::AtomicFile;
use crate::error::{Error, Result};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// Receives the per-report results of a batch run, in report id order.
pub trait RecordSink {
    /// One report's record (after its mentions, when near-duplicates hold the records back).
    ///
    /// # Errors
    /// The record cannot be stored.
    fn report(&mut self, rec: &ReportRecord) -> Result<()>;
    /// One (statement, theme) hit.
    ///
    /// # Errors
    /// The mention cannot be stored.
    fn mention(&mut self, m: &Mention) -> Result<()>;
}

/// A sink that keeps nothing (for measuring the run itself).
pub struct Discard;

impl RecordSink for Discard {
    fn report(&mut self, _: &ReportRecord) -> Result<()> {
        Ok(())
    }
    fn mention(&mut self, _: &Mention) -> Result<()> {
        Ok(())
    }
}

/// Writes `reports.jsonl` and `mentions.jsonl` into a folder, each replaced only on [`JsonlSink::commit`].
pub struct JsonlSink {
    reports: AtomicFile,
    mentions: AtomicFile,
    dir: PathBuf,
    /// One line, serialised whole before it is written (serde_json writes a line in many small pieces).
    buf: Vec<u8>,
}

fn line<T: serde::Serialize>(
    w: &mut AtomicFile,
    buf: &mut Vec<u8>,
    v: &T,
    dir: &Path,
    name: &str,
) -> Result<()> {
    buf.clear();
    serde_json::to_writer(&mut *buf, v)
        .map_err(std::io::Error::from)
        .and_then(|_| {
            buf.push(b'\n');
            w.write_all(buf)
        })
        .map_err(|e| Error::io(dir.join(name), e))
}

impl JsonlSink {
    /// Starts both files in `dir`.
    ///
    /// # Errors
    /// A temp file cannot be created.
    pub fn create(dir: &Path) -> Result<JsonlSink> {
        Ok(JsonlSink {
            reports: AtomicFile::create(&dir.join(super::REPORTS_JSONL))?,
            mentions: AtomicFile::create(&dir.join(super::MENTIONS_JSONL))?,
            dir: dir.to_path_buf(),
            buf: Vec::new(),
        })
    }

    /// Finishes both files.
    ///
    /// # Errors
    /// I/O errors naming the file.
    pub fn commit(self) -> Result<()> {
        self.reports.commit()?;
        self.mentions.commit()
    }
}

impl RecordSink for JsonlSink {
    fn report(&mut self, rec: &ReportRecord) -> Result<()> {
        let (w, buf) = (&mut self.reports, &mut self.buf);
        line(w, buf, rec, &self.dir, super::REPORTS_JSONL)
    }
    fn mention(&mut self, m: &Mention) -> Result<()> {
        let (w, buf) = (&mut self.mentions, &mut self.buf);
        line(w, buf, m, &self.dir, super::MENTIONS_JSONL)
    }
}

/// Merges JSON-lines files whose lines are sorted by the string field `key` into `out`, keeping the order
/// (stable: lines with equal keys keep their file and line order).
///
/// # Errors
/// An unreadable file, a line that is not a JSON object with a string `key`, or a write error.
pub fn merge_sorted(inputs: &[PathBuf], key: &str, out: &Path) -> Result<()> {
    let mut lines: Vec<(String, String)> = Vec::new();
    for p in inputs {
        let f = crate::regular_file::open(p).map_err(|e| Error::io(p, e))?;
        for (n, l) in std::io::BufReader::new(f).lines().enumerate() {
            let l = l.map_err(|e| Error::io(p, e))?;
            let v: serde_json::Value = serde_json::from_str(&l)
                .map_err(|e| Error::data(p, n + 1, format!("not JSON: {e}")))?;
            let k = v
                .get(key)
                .and_then(|k| k.as_str())
                .ok_or_else(|| Error::data(p, n + 1, format!("no string field '{key}'")))?
                .to_string();
            lines.push((k, l));
        }
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let mut f = AtomicFile::create(out)?;
    for (_, l) in lines {
        f.write_all(l.as_bytes())
            .and_then(|_| f.write_all(b"\n"))
            .map_err(|e| Error::io(out, e))?;
    }
    f.commit()
}
