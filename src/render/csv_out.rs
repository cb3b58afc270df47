//! CSV files (`theme_frequency.csv` and the other tables, `errors.csv`), optionally with a UTF-8 BOM so that
//! Excel and WPS open the Chinese text correctly.

use super::tables::Tables;
use crate::atomic::write_atomic_with;
use crate::error::Result;
use std::path::Path;

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

/// A text cell as it is safe to open in Excel or WPS: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be read as a formula, so it gets a leading `'` (shown by neither). Numbers
/// (`-0.52`) are left as they are.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Writes a CSV file atomically: a header, then rows; text cells are [`neutralise`]d.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_rows(
    path: &Path,
    bom: bool,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<()> {
    write_atomic_with(path, |w| {
        if bom {
            w.write_all(b"\xEF\xBB\xBF")?;
        }
        let mut c = csv::Writer::from_writer(w);
        c.write_record(header)?;
        for r in rows {
            c.write_record(r.iter().map(|v| neutralise(v).into_owned()))?;
        }
        c.flush()?;
        Ok(())
    })
}

/// Writes `theme_frequency.csv`, `theme_trends.csv`, `theme_by_group.csv`, `persistent_problems.csv` and
/// `coverage.csv` into `out`.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_tables(out: &Path, t: &Tables, bom: bool) -> Result<()> {
    write_rows(
        &out.join("theme_frequency.csv"),
        bom,
        &[
            "theme",
            "family",
            "name",
            "year",
            "reports",
            "reports_total",
            "share",
            "statements",
            "delta_pp",
        ],
        t.frequency.iter().map(|r| {
            vec![
                r.theme.clone(),
                r.family.clone(),
                r.name.clone(),
                opt(&r.year),
                r.reports.to_string(),
                r.reports_total.to_string(),
                format!("{:.4}", r.share),
                r.statements.to_string(),
                r.delta_pp.map(|d| format!("{d:.2}")).unwrap_or_default(),
            ]
        }),
    )?;
    write_rows(
        &out.join("theme_trends.csv"),
        bom,
        &[
            "theme",
            "name",
            "reports",
            "share",
            "first_share",
            "last_share",
            "change_pp",
            "chi2",
            "df",
            "p_value",
            "significant",
            "min_expected",
        ],
        t.trends.iter().map(|r| {
            vec![
                r.theme.clone(),
                r.name.clone(),
                r.reports.to_string(),
                format!("{:.4}", r.share),
                r.first_share.map(|v| format!("{v:.4}")).unwrap_or_default(),
                r.last_share.map(|v| format!("{v:.4}")).unwrap_or_default(),
                r.change_pp.map(|v| format!("{v:.2}")).unwrap_or_default(),
                r.chi2.map(|v| format!("{v:.4}")).unwrap_or_default(),
                opt(&r.df),
                r.p_value.map(|v| format!("{v:.6}")).unwrap_or_default(),
                r.significant.to_string(),
                r.min_expected
                    .map(|v| format!("{v:.2}"))
                    .unwrap_or_default(),
            ]
        }),
    )?;
    let by = t.by.join("+");
    write_rows(
        &out.join("theme_by_group.csv"),
        bom,
        &[
            "theme",
            "name",
            by.as_str(),
            "reports",
            "reports_total",
            "share",
            "statements",
        ],
        t.groups.iter().map(|r| {
            vec![
                r.theme.clone(),
                r.name.clone(),
                r.group.clone(),
                r.reports.to_string(),
                r.reports_total.to_string(),
                format!("{:.4}", r.share),
                r.statements.to_string(),
            ]
        }),
    )?;
    write_rows(
        &out.join("persistent_problems.csv"),
        bom,
        &["unit", "theme", "name", "years"],
        t.persistent.iter().map(|r| {
            vec![
                r.unit.clone(),
                r.theme.clone(),
                r.name.clone(),
                r.years.clone(),
            ]
        }),
    )?;
    write_rows(
        &out.join("coverage.csv"),
        bom,
        &["theme", "name", "raised", "uncovered", "uncovered_share"],
        t.coverage.iter().map(|r| {
            vec![
                r.theme.clone(),
                r.name.clone(),
                r.raised.to_string(),
                r.uncovered.to_string(),
                format!("{:.4}", r.uncovered_share),
            ]
        }),
    )
}

/// Writes `near_duplicates.csv`: one row per pair of near-duplicate reports, each row made as it is written.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_near_duplicates(
    out: &Path,
    pairs: impl Iterator<Item = crate::neardup::Pair>,
    bom: bool,
) -> Result<()> {
    write_rows(
        &out.join(super::NEAR_DUPLICATES_CSV),
        bom,
        &["report_a", "report_b", "similarity", "shared_passages"],
        pairs.map(|p| {
            vec![
                p.a,
                p.b,
                format!("{:.4}", p.similarity),
                p.shared.join(" | "),
            ]
        }),
    )
}

/// The `errors.csv` row of a skipped input: `path`, `kind`, `message`.
pub fn error_row(s: &crate::error::Skipped) -> (String, String, String) {
    (
        s.path.to_string_lossy().into_owned(),
        s.reason.kind().to_string(),
        s.reason.to_string(),
    )
}

/// Writes `errors.csv`: `path,kind,message` per skipped input.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_errors(out: &Path, rows: &[(String, String, String)], bom: bool) -> Result<()> {
    write_rows(
        &out.join(super::ERRORS_CSV),
        bom,
        &["path", "kind", "message"],
        rows.iter()
            .map(|(p, k, m)| vec![p.clone(), k.clone(), m.clone()]),
    )
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1+1 unit"), "'+1+1 unit");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("-0.52"), "-0.52");
        assert_eq!(neutralise("党支部"), "党支部");
    }
}
