//! Labelling sheets: statements exported for people to label (CSV or XLSX, least certain first), read back
//! and merged into `labels.jsonl`.
//!
//! The sheet carries a `fragment` per row, a substring found in exactly one statement of its report, so a
//! row can be matched back to its statement by [`crate::labels::resolve`] like any label.

use crate::classify::Engine;
use crate::error::{Error, Result};
use crate::labels::{self, Label};
use crate::pipeline::Parsed;
use crate::structure::markers;
use crate::themes::Taxonomy;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Column headers of an exported sheet, in order.
pub const COLUMNS: [&str; 11] = [
    "report",
    "year",
    "unit",
    "role",
    "statement",
    "text",
    "fragment",
    "predicted",
    "top_prob",
    "margin",
    "themes",
];

/// One row of an exported sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    /// Report id.
    pub report: String,
    /// Report year.
    pub year: Option<i32>,
    /// Reporting unit.
    pub unit: Option<String>,
    /// Role name (problem, cause, measure).
    pub role: String,
    /// Index of the statement in its report.
    pub statement: usize,
    /// The statement's text.
    pub text: String,
    /// A substring found in this statement only.
    pub fragment: String,
    /// Theme ids the model predicts.
    pub predicted: Vec<String>,
    /// The model's highest theme probability.
    pub top_prob: f32,
    /// Smallest |probability − threshold| over themes: how close the model is to changing its mind.
    pub margin: f32,
}

/// A short substring of statement `idx` that no other statement of the report contains.
///
/// Starts after the list marker and grows from 12 characters until it is unique; falls back to the whole
/// statement text.
pub fn fragment(statements: &[&str], idx: usize) -> String {
    let text = statements[idx];
    let body = match markers::at_start(text) {
        Some(m) => &text[m.len..],
        None => text,
    }
    .trim();
    let chars: Vec<char> = body.chars().collect();
    let unique = |f: &str| {
        statements
            .iter()
            .enumerate()
            .all(|(j, s)| j == idx || !s.contains(f))
    };
    let mut len = 12.min(chars.len());
    while len < chars.len() {
        let f: String = chars[..len].iter().collect();
        let f = f.trim().to_string();
        if !f.is_empty() && unique(&f) && labels::normalize_fragment(&f) == f {
            return f;
        }
        len += 6;
    }
    let f = body.to_string();
    if !f.is_empty() && unique(&f) {
        f
    } else {
        text.trim().to_string()
    }
}

/// Problem, cause and measure statements of the reports with the model's predictions, least certain first,
/// leaving out statements whose (report, statement index) is in `skip`.
///
/// # Errors
/// [`Error::Invalid`] when the engine has no trained model.
pub fn export_rows(
    reports: &[Parsed],
    engine: &Engine,
    skip: &HashSet<(String, usize)>,
) -> Result<Vec<ExportRow>> {
    let model = engine
        .model
        .as_ref()
        .ok_or_else(|| Error::Invalid("label export needs a trained model".into()))?;
    let mut rows: Vec<ExportRow> = reports
        .par_iter()
        .flat_map_iter(|p| {
            let texts: Vec<&str> = p.structure.statements().map(|s| s.text.as_str()).collect();
            let mut out = Vec::new();
            for (i, st, tokens) in p.statements() {
                if !(st.role.raises() || st.role == crate::structure::Role::Measure)
                    || skip.contains(&(p.doc.id.clone(), i))
                {
                    continue;
                }
                let probs = engine
                    .probabilities(&st.text, tokens, st.role)
                    .unwrap_or_default();
                let predicted = model
                    .decide(&probs)
                    .into_iter()
                    .filter_map(|k| engine.taxonomy.themes.get(k).map(|t| t.id.clone()))
                    .collect();
                let top_prob = probs.iter().copied().fold(0.0f32, f32::max);
                let margin = probs
                    .iter()
                    .zip(&model.themes)
                    .map(|(p, t)| (p - t.threshold).abs())
                    .fold(f32::INFINITY, f32::min);
                out.push(ExportRow {
                    report: p.doc.id.clone(),
                    year: p.meta.year,
                    unit: p.meta.unit.clone(),
                    role: st.role.as_str().to_string(),
                    statement: i,
                    text: st.text.clone(),
                    fragment: fragment(&texts, i),
                    predicted,
                    top_prob,
                    margin: if margin.is_finite() { margin } else { 1.0 },
                });
            }
            out
        })
        .collect();
    rows.sort_by(|a, b| {
        a.margin
            .total_cmp(&b.margin)
            .then_with(|| a.report.cmp(&b.report))
            .then_with(|| a.statement.cmp(&b.statement))
    });
    Ok(rows)
}

fn cells(r: &ExportRow) -> [String; 11] {
    [
        r.report.clone(),
        r.year.map(|y| y.to_string()).unwrap_or_default(),
        r.unit.clone().unwrap_or_default(),
        r.role.clone(),
        r.statement.to_string(),
        r.text.clone(),
        r.fragment.clone(),
        r.predicted.join(";"),
        format!("{:.3}", r.top_prob),
        format!("{:.3}", r.margin),
        String::new(),
    ]
}

/// A text cell as written to the CSV sheet: one Excel or WPS would run as a formula gets a leading `'`
/// ([`crate::render::csv_out::neutralise`]), and so does one that already starts with `'`, so that
/// [`from_csv_cell`] gives back exactly the original text.
fn to_csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with('\'') {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        crate::render::csv_out::neutralise(cell)
    }
}

/// The original text of a CSV cell written by [`to_csv_cell`]: the `'` it added is taken off. A `'`
/// before anything else (typed by a person) is kept.
fn from_csv_cell(cell: String) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if to_csv_cell(rest).starts_with('\'') => rest.to_string(),
        _ => cell,
    }
}

/// Writes the rows as CSV (with a UTF-8 BOM, so spreadsheet programs read the Chinese text); text cells
/// that would start a formula are neutralised ([`to_csv_cell`]).
///
/// # Errors
/// I/O errors naming the file.
pub fn write_csv(path: &Path, rows: &[ExportRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let err = |e: csv::Error| Error::data(path, 0, e.to_string());
    w.write_record(COLUMNS).map_err(err)?;
    for r in rows {
        w.write_record(cells(r).iter().map(|c| to_csv_cell(c).into_owned()))
            .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::data(path, 0, e.to_string()))?;
    crate::atomic::write_atomic(path, &bytes)
}

/// Writes the rows as an XLSX workbook (one sheet, header row frozen, text wrapped).
///
/// # Errors
/// I/O errors naming the file.
pub fn write_xlsx(path: &Path, rows: &[ExportRow]) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| Error::data(path, 0, e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("label").map_err(xerr)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (c, h) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xerr)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, v) in cells(r).iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            if c == 5 {
                ws.write_string_with_format(row, c as u16, v, &wrap)
                    .map_err(xerr)?;
            } else {
                ws.write_string(row, c as u16, v).map_err(xerr)?;
            }
        }
    }
    ws.set_column_width(0, 16).map_err(xerr)?;
    ws.set_column_width(5, 60).map_err(xerr)?;
    ws.set_column_width(6, 24).map_err(xerr)?;
    ws.set_column_width(10, 30).map_err(xerr)?;
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    let bytes = wb.save_to_buffer().map_err(xerr)?;
    crate::atomic::write_atomic(path, &bytes)
}

/// One filled row read back from a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// 1-based row number in the sheet (the header is row 1).
    pub row: usize,
    /// Report id.
    pub report: String,
    /// Fragment of the statement.
    pub fragment: String,
    /// Theme ids (empty: the statement carries no theme).
    pub themes: Vec<String>,
}

/// Parses a `themes` cell: ids separated by `;`, `,` (or their full-width forms); `-` or `none` for no theme.
/// `None` for an empty cell (row not labelled).
pub fn parse_themes(cell: &str) -> Option<Vec<String>> {
    let c = cell.trim();
    if c.is_empty() {
        return None;
    }
    if c == "-" || c.eq_ignore_ascii_case("none") {
        return Some(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for id in c.split([';', ',', '；', '，']) {
        let id = id.trim();
        if !id.is_empty() && !out.iter().any(|x| x == id) {
            out.push(id.to_string());
        }
    }
    Some(out)
}

/// Extensions of the workbook formats [`read_sheet`] reads (anything else is read as CSV).
pub const WORKBOOK_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Reads the filled rows of a sheet (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`, or else CSV): rows with an
/// empty `themes` cell are left out.
///
/// # Errors
/// Unreadable file, missing columns, a formula cell without a stored value.
pub fn read_sheet(path: &Path) -> Result<Vec<SheetRow>> {
    let is_workbook = path.extension().is_some_and(|e| {
        WORKBOOK_EXTENSIONS
            .iter()
            .any(|w| e.eq_ignore_ascii_case(w))
    });
    let table = if is_workbook {
        read_workbook_table(path)?
    } else {
        read_csv_table(path)?
    };
    let Some(header) = table.first() else {
        return Err(Error::data(path, 0, "empty sheet"));
    };
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{FEFF}') == name)
            .ok_or_else(|| Error::data(path, 1, format!("no '{name}' column")))
    };
    let (rc, fc, tc) = (col("report")?, col("fragment")?, col("themes")?);
    let get =
        |r: &Vec<String>, c: usize| r.get(c).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut out = Vec::new();
    for (i, r) in table.iter().enumerate().skip(1) {
        let Some(themes) = parse_themes(&get(r, tc)) else {
            continue;
        };
        out.push(SheetRow {
            row: i + 1,
            report: get(r, rc),
            fragment: get(r, fc),
            themes,
        });
    }
    Ok(out)
}

fn read_csv_table(path: &Path) -> Result<Vec<Vec<String>>> {
    let bytes = crate::regular_file::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::data(path, 0, "not UTF-8 (save the sheet as CSV UTF-8)"))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| Error::data(path, i + 1, e.to_string()))?;
        out.push(rec.iter().map(|c| from_csv_cell(c.to_string())).collect());
    }
    Ok(out)
}

/// A1-style name of the cell at 0-based (row, column): `(4, 10)` → `K5`.
fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// Reads the first worksheet of a workbook (`.xlsx`, `.xlsm`, `.xlsb`, `.xls` or `.ods`) into rows of cell
/// strings, row `i` of the result being sheet row `i + 1`. Formula cells give their stored (cached) value.
///
/// # Errors
/// Unreadable or corrupt file, no worksheet, a formula cell without a stored value (named by its cell, e.g.
/// `K5`: files written by programs that do not compute formulas).
pub fn read_workbook_table(path: &Path) -> Result<Vec<Vec<String>>> {
    use calamine::{open_workbook_from_rs, Data, Ods, Reader, Sheets, Xls, Xlsb, Xlsx};
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let file = crate::regular_file::open(path).map_err(|e| Error::io(path, e))?;
    let rs = std::io::BufReader::new(file);
    let not = |e: &dyn std::fmt::Display| Error::data(path, 0, format!("not an .{ext} file: {e}"));
    let mut book: Sheets<_> = match ext.as_str() {
        "xls" => Sheets::Xls(open_workbook_from_rs::<Xls<_>, _>(rs).map_err(|e| not(&e))?),
        "xlsb" => Sheets::Xlsb(open_workbook_from_rs::<Xlsb<_>, _>(rs).map_err(|e| not(&e))?),
        "ods" => Sheets::Ods(open_workbook_from_rs::<Ods<_>, _>(rs).map_err(|e| not(&e))?),
        _ => Sheets::Xlsx(open_workbook_from_rs::<Xlsx<_>, _>(rs).map_err(|e| not(&e))?),
    };
    let Some(first) = book.sheet_names().into_iter().next() else {
        return Err(Error::data(path, 0, "no worksheet"));
    };
    let bad = |e: calamine::Error| Error::data(path, 0, format!("bad .{ext} sheet '{first}': {e}"));
    let values = book.worksheet_range(&first).map_err(bad)?;
    let formulas = book.worksheet_formula(&first).map_err(bad)?;
    if let Some((r0, c0)) = formulas.start() {
        for (r, c, f) in formulas.used_cells() {
            let (r, c) = (r0 + r as u32, c0 + c as u32);
            if matches!(values.get_value((r, c)), None | Some(Data::Empty)) {
                return Err(Error::data(
                    path,
                    r as usize + 1,
                    format!(
                        "cell {}: formula '{}' has no stored value (open the sheet in Excel, WPS or \
                         LibreOffice and save it again, or paste the values)",
                        cell_name(r, c),
                        crate::error::clip(f)
                    ),
                ));
            }
        }
    }
    let Some((last_row, last_col)) = values.end() else {
        return Ok(Vec::new());
    };
    Ok((0..=last_row)
        .map(|r| {
            (0..=last_col)
                .map(|c| match values.get_value((r, c)) {
                    None | Some(Data::Empty) => String::new(),
                    Some(v) => v.to_string(),
                })
                .collect()
        })
        .collect())
}

/// What merging a sheet into `labels.jsonl` did.
#[derive(Debug, Default)]
pub struct Merge {
    /// The new contents of `labels.jsonl`.
    pub text: String,
    /// Labels added (sheet row, label).
    pub added: Vec<(usize, Label)>,
    /// Labels whose themes changed (sheet row, old themes, new label).
    pub changed: Vec<(usize, Vec<String>, Label)>,
    /// Rows that matched an existing label with the same themes.
    pub unchanged: usize,
    /// Non-fatal remarks.
    pub warnings: Vec<String>,
}

/// One `labels.jsonl` line, in the file's style.
pub fn label_line(l: &Label) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""));
    format!(
        "{{\"report\": {}, \"text\": {}, \"themes\": [{}]}}",
        q(&l.report),
        q(&l.text),
        l.themes.iter().map(|t| q(t)).collect::<Vec<_>>().join(", ")
    )
}

/// Merges filled sheet rows into the labels file's text. A row that labels the same statement as existing
/// labels replaces them; other rows are appended. Untouched lines are kept byte for byte.
///
/// # Errors
/// Unknown theme ids and fragments that do not resolve to exactly one statement, all listed with their sheet
/// row numbers; a labels file that does not parse.
#[allow(clippy::too_many_arguments)]
pub fn merge(
    sheet_path: &Path,
    rows: &[SheetRow],
    labels_path: &Path,
    labels_text: &str,
    reports: &labels::Targets,
    taxonomy: &Taxonomy,
) -> Result<Merge> {
    let sp = sheet_path.display();
    let mut errors = Vec::new();
    let mut imported = Vec::new();
    for r in rows {
        for id in &r.themes {
            if taxonomy.index(id).is_none() {
                errors.push(format!(
                    "{sp}:{}: unknown theme id '{}'",
                    r.row,
                    crate::error::clip(id)
                ));
            }
        }
        let text = labels::normalize_fragment(&r.fragment);
        if text.is_empty() || r.report.is_empty() {
            errors.push(format!("{sp}:{}: empty report or fragment", r.row));
            continue;
        }
        imported.push(Label {
            report: r.report.clone(),
            text,
            themes: r.themes.clone(),
            role: None,
            line: r.row,
        });
    }
    let res = labels::resolve(sheet_path, &imported, reports, taxonomy);
    errors.extend(res.errors);
    if !errors.is_empty() {
        return Err(Error::data(
            sheet_path,
            0,
            format!("{} bad row(s):\n{}", errors.len(), errors.join("\n")),
        ));
    }
    let existing = labels::parse(labels_path, labels_text, taxonomy)?;
    let old = labels::resolve(labels_path, &existing, reports, taxonomy);
    // line → statement key, and key → (first line, themes)
    let mut line_key: HashMap<usize, (String, usize)> = HashMap::new();
    let mut key_old: HashMap<(String, usize), Vec<usize>> = HashMap::new();
    for r in &old.statements {
        for &l in &r.lines {
            line_key.insert(l, (r.report.clone(), r.statement));
        }
        key_old.insert((r.report.clone(), r.statement), r.themes.clone());
    }
    let by_row: HashMap<usize, &Label> = imported.iter().map(|l| (l.line, l)).collect();
    let mut out = Merge {
        warnings: res.warnings,
        ..Merge::default()
    };
    // The last row for each statement wins.
    let mut replace: HashMap<(String, usize), (usize, Label)> = HashMap::new();
    let mut append: Vec<(usize, Label)> = Vec::new();
    for r in &res.statements {
        let row = *r.lines.last().expect("resolved rows");
        let label = by_row[&row].clone();
        let key = (r.report.clone(), r.statement);
        let mut new_themes: Vec<usize> = label
            .themes
            .iter()
            .filter_map(|t| taxonomy.index(t))
            .collect();
        new_themes.sort_unstable();
        match key_old.get(&key) {
            Some(old_themes) if *old_themes == new_themes => out.unchanged += 1,
            Some(old_themes) => {
                let names = old_themes
                    .iter()
                    .map(|&t| taxonomy.themes[t].id.clone())
                    .collect();
                out.changed.push((row, names, label.clone()));
                replace.insert(key, (row, label));
            }
            None => {
                out.added.push((row, label.clone()));
                append.push((row, label));
            }
        }
    }
    let mut text = String::new();
    let mut done: HashSet<(String, usize)> = HashSet::new();
    for (i, line) in labels_text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(key) = line_key.get(&(i + 1)) {
            if let Some((_, l)) = replace.get(key) {
                if done.insert(key.clone()) {
                    text.push_str(&label_line(l));
                    text.push('\n');
                }
                continue;
            }
        }
        text.push_str(line);
        text.push('\n');
    }
    append.sort_by_key(|(row, _)| *row);
    for (_, l) in &append {
        text.push_str(&label_line(l));
        text.push('\n');
    }
    out.added.sort_by_key(|(row, _)| *row);
    out.changed.sort_by_key(|(row, _, _)| *row);
    out.text = text;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure;

    #[test]
    fn fragments_are_unique() {
        let s = [
            "（一）党员老化严重，党员老化问题突出。",
            "（二）党员老化严重，经费不足。",
        ];
        let f0 = fragment(&s, 0);
        let f1 = fragment(&s, 1);
        assert!(s[0].contains(&f0) && !s[1].contains(&f0), "{f0}");
        assert!(s[1].contains(&f1) && !s[0].contains(&f1), "{f1}");
    }

    #[test]
    fn csv_cells_round_trip_and_start_no_formula() {
        for t in [
            "=A1", "+1 次", "-经费", "@x", "'=A1", "'abc", "''", "abc", "-0.5", "",
        ] {
            let c = to_csv_cell(t);
            assert!(
                !c.starts_with(['=', '+', '-', '@']) || c.parse::<f64>().is_ok(),
                "{c}"
            );
            assert_eq!(from_csv_cell(c.into_owned()), t);
        }
        // A quote typed before ordinary text stays.
        assert_eq!(from_csv_cell("'abc".into()), "'abc");
    }

    #[test]
    fn theme_cells() {
        assert_eq!(parse_themes(""), None);
        assert_eq!(parse_themes(" - "), Some(vec![]));
        assert_eq!(parse_themes("None"), Some(vec![]));
        assert_eq!(
            parse_themes("a; b,a，c"),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
    }

    #[test]
    fn xlsx_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.xlsx");
        let row = ExportRow {
            report: "2024/a.txt".into(),
            year: Some(2024),
            unit: Some("枫林镇".into()),
            role: "problem".into(),
            statement: 3,
            text: "党员老化 & <严重>".into(),
            fragment: "党员老化".into(),
            predicted: vec!["member_aging".into()],
            top_prob: 0.5,
            margin: 0.1,
        };
        write_xlsx(&p, &[row.clone(), row]).unwrap();
        let t = read_workbook_table(&p).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[0][10], "themes");
        assert_eq!(t[1][5], "党员老化 & <严重>");
        assert_eq!(t[2][4], "3");
        assert!(read_sheet(&p).unwrap().is_empty());
    }

    /// A zip archive of the given parts, in order, the first one stored (as ODF wants its `mimetype`).
    fn zip_parts(parts: &[(&str, &str)]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (i, (name, text)) in parts.iter().enumerate() {
            let method = if i == 0 {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let opts = zip::write::SimpleFileOptions::default().compression_method(method);
            w.start_file(*name, opts).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// A one-sheet OpenDocument spreadsheet; `rows` are `<table:table-cell>` elements per row.
    fn ods(rows: &[&[&str]]) -> Vec<u8> {
        let mut body = String::new();
        for r in rows {
            body.push_str("<table:table-row>");
            for c in *r {
                body.push_str(c);
            }
            body.push_str("</table:table-row>");
        }
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="label">{body}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
        zip_parts(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", &content),
        ])
    }

    fn text_cell(s: &str) -> String {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#
        )
    }

    #[test]
    fn ods_sheet_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("label.ods");
        let (report, statement, fragment, themes) = (
            text_cell("report"),
            text_cell("statement"),
            text_cell("fragment"),
            text_cell("themes"),
        );
        let (r1, f1, t1) = (
            text_cell("2024/a.txt"),
            text_cell("党员老化 &amp; 断层"),
            text_cell("member_aging；weak_economy"),
        );
        let (r2, f2) = (text_cell("2024/b.txt"), text_cell("经费不足"));
        let (r3, f3, t3) = (text_cell("2024/c.txt"), text_cell("阵地"), text_cell("-"));
        let three = r#"<table:table-cell office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell>"#;
        let cached = r#"<table:table-cell table:formula="of:=&quot;weak_&quot;&amp;&quot;economy&quot;" office:value-type="string" office:string-value="weak_economy"><text:p>weak_economy</text:p></table:table-cell>"#;
        let empty = "<table:table-cell/>";
        let bytes = ods(&[
            &[&report, &statement, &fragment, empty, &themes],
            &[&r1, three, &f1, empty, &t1],
            &[&r2, three, &f2],
            &[&r3, three, &f3, empty, &t3],
            &[&r2, three, &f2, empty, cached],
        ]);
        std::fs::write(&p, bytes).unwrap();
        let t = read_workbook_table(&p).unwrap();
        assert_eq!(t[1][1], "3", "numbers read as written");
        let rows = read_sheet(&p).unwrap();
        let got: Vec<(usize, &str, &str, Vec<String>)> = rows
            .iter()
            .map(|r| {
                (
                    r.row,
                    r.report.as_str(),
                    r.fragment.as_str(),
                    r.themes.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    2,
                    "2024/a.txt",
                    "党员老化 & 断层",
                    vec!["member_aging".into(), "weak_economy".into()]
                ),
                (4, "2024/c.txt", "阵地", vec![]),
                (5, "2024/b.txt", "经费不足", vec!["weak_economy".into()]),
            ]
        );

        // A formula whose value was never computed is an error naming its cell, not an empty cell.
        let uncached = r#"<table:table-cell table:formula="of:=[.A2]"/>"#;
        let bytes = ods(&[
            &[&report, &fragment, &themes],
            &[&r1, &f1, &t1],
            &[&r2, &f2, uncached],
        ]);
        std::fs::write(&p, bytes).unwrap();
        let e = read_sheet(&p).unwrap_err().to_string();
        assert!(e.contains("label.ods:3: cell C3: formula"), "{e}");
        assert!(e.contains("no stored value"), "{e}");
    }

    #[test]
    fn xlsx_formulas_need_a_stored_value() {
        use rust_xlsxwriter::{Formula, Workbook};
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.xlsx");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["report", "fragment", "themes"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "2024/a.txt").unwrap();
        ws.write_string(1, 1, "党员老化").unwrap();
        ws.write_formula(
            1,
            2,
            Formula::new("=\"member_\"&\"aging\"").set_result("member_aging"),
        )
        .unwrap();
        ws.write_string(2, 0, "2024/b.txt").unwrap();
        ws.write_string(2, 1, "经费不足").unwrap();
        ws.write_formula(2, 2, "=A1").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        // A writer that does not compute formulas stores none of their values: take out the one stored
        // for C3, keeping everything else.
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut parts = Vec::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            parts.push((f.name().unwrap().to_string(), s));
        }
        let sheet = parts
            .iter_mut()
            .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
            .unwrap();
        let before = sheet.1.clone();
        sheet.1 = sheet.1.replace("<f>A1</f><v>0</v>", "<f>A1</f>");
        assert_ne!(sheet.1, before, "{before}");
        let refs: Vec<(&str, &str)> = parts
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        std::fs::write(&p, zip_parts(&refs)).unwrap();
        let e = read_sheet(&p).unwrap_err().to_string();
        assert!(
            e.contains("s.xlsx:3: cell C3: formula 'A1' has no stored value"),
            "{e}"
        );

        // With its value stored, the formula cell reads as that value.
        sheet_without_row_3(&p, &parts);
        let rows = read_sheet(&p).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].themes, vec!["member_aging".to_string()]);
    }

    /// Writes the parts back with row 3 of the first sheet removed.
    fn sheet_without_row_3(p: &Path, parts: &[(String, String)]) {
        let refs: Vec<(&str, String)> = parts
            .iter()
            .map(|(n, s)| {
                let s = if n == "xl/worksheets/sheet1.xml" {
                    let a = s.find("<row r=\"3\"").unwrap();
                    let b = a + s[a..].find("</row>").unwrap() + "</row>".len();
                    format!("{}{}", &s[..a], &s[b..])
                } else {
                    s.clone()
                };
                (n.as_str(), s)
            })
            .collect();
        let refs: Vec<(&str, &str)> = refs.iter().map(|(n, s)| (*n, s.as_str())).collect();
        std::fs::write(p, zip_parts(&refs)).unwrap();
    }

    #[test]
    fn merge_adds_and_replaces() {
        let tax = Taxonomy::builtin();
        let doc = "标题\n一、存在问题\n（一）党员老化严重。\n（二）经费不足，党员活动难开展。\n";
        let structure = structure::build(doc);
        let reports: labels::Targets = [("r.txt", (&structure, doc))].into_iter().collect();
        let id = tax.themes[0].id.clone();
        let id2 = tax.themes[1].id.clone();
        let old =
            format!("{{\"report\": \"r.txt\", \"text\": \"党员老化\", \"themes\": [\"{id}\"]}}\n");
        let rows = vec![
            SheetRow {
                row: 2,
                report: "r.txt".into(),
                fragment: "党员老化严重".into(),
                themes: vec![id2.clone()],
            },
            SheetRow {
                row: 3,
                report: "r.txt".into(),
                fragment: "经费不足".into(),
                themes: vec![],
            },
        ];
        let m = merge(
            Path::new("s.csv"),
            &rows,
            Path::new("l.jsonl"),
            &old,
            &reports,
            &tax,
        )
        .unwrap();
        assert_eq!(m.added.len(), 1);
        assert_eq!(m.changed.len(), 1);
        assert_eq!(m.text.lines().count(), 2, "{}", m.text);
        assert!(m.text.lines().next().unwrap().contains(&id2));
        let bad = vec![SheetRow {
            row: 7,
            report: "r.txt".into(),
            fragment: "党员".into(),
            themes: vec!["nope".into()],
        }];
        let e = merge(
            Path::new("s.csv"),
            &bad,
            Path::new("l.jsonl"),
            &old,
            &reports,
            &tax,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("s.csv:7: unknown theme id 'nope'"), "{e}");
        assert!(e.contains("s.csv:7: fragment"), "{e}");
    }
}
