//! Output files, one module per format, and the one list of files a run writes into `--out`.

pub mod csv_out;
pub mod html;
pub mod jsonl;
pub mod markdown;
pub mod palette;
pub mod tables;
pub mod xlsx;

use crate::aggregate::Aggregate;
use crate::atomic::{write_atomic, write_atomic_with};
use crate::error::Result;
use std::path::Path;
use tables::Tables;

/// One object per report.
pub const REPORTS_JSONL: &str = "reports.jsonl";
/// One object per (statement, theme) hit.
pub const MENTIONS_JSONL: &str = "mentions.jsonl";
/// Skipped inputs.
pub const ERRORS_CSV: &str = "errors.csv";
/// The additive aggregate, read by `shuzhi merge`.
pub const AGGREGATE_JSON: &str = "aggregate.json";
/// Pairs of near-duplicate reports (only with `--near-duplicates`).
pub const NEAR_DUPLICATES_CSV: &str = "near_duplicates.csv";

/// Every file a run may write into the output folder, in the order they are written (the run manifest,
/// written last, is not in this list).
pub const OUTPUT_FILES: [&str; 13] = [
    REPORTS_JSONL,
    MENTIONS_JSONL,
    NEAR_DUPLICATES_CSV,
    ERRORS_CSV,
    "theme_frequency.csv",
    "theme_trends.csv",
    "theme_by_group.csv",
    "persistent_problems.csv",
    "coverage.csv",
    "summary.md",
    "report.xlsx",
    "report.html",
    AGGREGATE_JSON,
];

/// Writes every output derived from an aggregate: the CSV tables, `summary.md`, `report.xlsx`,
/// `report.html` and `aggregate.json`.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_tables(out: &Path, agg: &Aggregate, tables: &Tables, excel: bool) -> Result<()> {
    csv_out::write_tables(out, tables, excel)?;
    write_atomic(
        &out.join("summary.md"),
        markdown::summary_md(tables).as_bytes(),
    )?;
    xlsx::write_xlsx(&out.join("report.xlsx"), tables)?;
    html::write_html(&out.join("report.html"), tables, "基层党建述职报告问题分析")?;
    // Streamed: with a fresh unit per report the aggregate is tens of megabytes of JSON.
    write_atomic_with(&out.join(AGGREGATE_JSON), |w| {
        serde_json::to_writer(&mut *w, agg)?;
        w.write_all(b"\n")
    })
}
