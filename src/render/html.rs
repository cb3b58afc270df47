//! `report.html`: one self-contained page for people (work in progress).

use super::atomic::write_atomic;
use super::tables::Tables;
use crate::error::Result;
use std::path::Path;

/// Writes the HTML report.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_html(path: &Path, t: &Tables, title: &str) -> Result<()> {
    let body = format!("<!doctype html><meta charset=utf-8><title>{title}</title><p>{} reports</p>", t.reports_total);
    write_atomic(path, body.as_bytes())
}
