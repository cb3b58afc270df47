//! `report.xlsx` (work in progress).

use super::tables::Tables;
use crate::error::{Error, Result};
use std::path::Path;

/// Writes the workbook.
///
/// # Errors
/// Workbook or I/O errors naming the file.
pub fn write_xlsx(path: &Path, t: &Tables) -> Result<()> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, t.reports_total as f64).map_err(|e| Error::Invalid(e.to_string()))?;
    let buf = wb.save_to_buffer().map_err(|e| Error::Invalid(e.to_string()))?;
    super::atomic::write_atomic(path, &buf)
}
