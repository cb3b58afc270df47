//! `report.xlsx`: one sheet per table (频次, 趋势, 分组, 持续问题, 整改覆盖, 证据) plus a 说明 sheet. Frozen
//! bold header rows, Chinese theme names beside ids, widths fitted to the content, shares as percentages.
//! The creation date is fixed, so the same tables give the same bytes.

use super::tables::{dim_zh, family_zh, role_zh, Tables};
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
};
use std::borrow::Cow;
use std::path::Path;

/// Names of the table sheets, in order.
pub const SHEETS: [&str; 7] = [
    "频次",
    "趋势",
    "分组",
    "持续问题",
    "整改覆盖",
    "证据",
    "说明",
];

/// Widest a fitted column gets (characters); wrapped text columns get [`WRAP_WIDTH`].
const MAX_WIDTH: f64 = 50.0;
const WRAP_WIDTH: f64 = 80.0;
/// Excel's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_000;

fn xerr(e: XlsxError) -> Error {
    Error::Invalid(format!("report.xlsx: {e}"))
}

/// How a number is shown.
#[derive(Clone, Copy)]
enum Num {
    Int,
    Pct,
    P,
    Dec2,
    Dec4,
}

/// A cell to write; text borrows from the tables where it can (a sheet may have a row for each of
/// a hundred thousand units).
enum Cell<'a> {
    S(Cow<'a, str>),
    N(f64, Num),
    Blank,
}

fn s<'a>(v: impl Into<Cow<'a, str>>) -> Cell<'a> {
    Cell::S(v.into())
}

fn int<'a>(v: impl Into<f64>) -> Cell<'a> {
    Cell::N(v.into(), Num::Int)
}

fn num<'a>(v: Option<f64>, k: Num) -> Cell<'a> {
    match v {
        Some(x) if x.is_finite() => Cell::N(x, k),
        _ => Cell::Blank,
    }
}

/// Display width: CJK and full-width characters count 2.
fn width(text: &str) -> f64 {
    text.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2.0 } else { 1.0 })
        .sum()
}

struct Formats {
    header: Format,
    text: Format,
    wrap: Format,
    int: Format,
    pct: Format,
    p: Format,
    dec2: Format,
    dec4: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_align(FormatAlign::Top);
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::VerticalCenter),
            text: base.clone(),
            wrap: base.clone().set_text_wrap(),
            int: base.clone().set_num_format("0"),
            pct: base.clone().set_num_format("0.0%"),
            p: base.clone().set_num_format("0.000"),
            dec2: base.clone().set_num_format("0.00"),
            dec4: base.set_num_format("0.0000"),
        }
    }

    fn of(&self, k: Num) -> &Format {
        match k {
            Num::Int => &self.int,
            Num::Pct => &self.pct,
            Num::P => &self.p,
            Num::Dec2 => &self.dec2,
            Num::Dec4 => &self.dec4,
        }
    }
}

/// Width of a number as Excel shows it.
fn num_width(x: f64, k: Num) -> f64 {
    let shown = match k {
        Num::Int => format!("{x:.0}"),
        Num::Pct => format!("{:.1}%", x * 100.0),
        Num::P => format!("{x:.3}"),
        Num::Dec2 => format!("{x:.2}"),
        Num::Dec4 => format!("{x:.4}"),
    };
    width(&shown)
}

/// Adds a sheet with a frozen header, an autofilter and fitted widths. `wrap` lists text columns that wrap.
fn add_sheet(
    wb: &mut Workbook,
    f: &Formats,
    name: &str,
    headers: &[&str],
    rows: &[Vec<Cell<'_>>],
    wrap: &[usize],
) -> Result<()> {
    // Low-memory mode: each row goes to a temporary file once the next is started, strings stay shared
    // (the same file as the standard mode); a sheet may have a row for each of a hundred thousand units.
    let ws: &mut Worksheet = wb.add_worksheet_with_low_memory().map_err(xerr)?;
    ws.set_name(name).map_err(xerr)?;
    let mut widths: Vec<f64> = headers.iter().map(|h| width(h)).collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)
            .map_err(xerr)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            let w = match cell {
                Cell::S(v) => {
                    let v: Cow<str> = if v.chars().count() > MAX_CELL_CHARS {
                        Cow::Owned(v.chars().take(MAX_CELL_CHARS).collect())
                    } else {
                        Cow::Borrowed(v)
                    };
                    let fmt = if wrap.contains(&c) { &f.wrap } else { &f.text };
                    ws.write_string_with_format(r, col, &*v, fmt)
                        .map_err(xerr)?;
                    width(&v)
                }
                Cell::N(x, k) => {
                    ws.write_number_with_format(r, col, *x, f.of(*k))
                        .map_err(xerr)?;
                    num_width(*x, *k)
                }
                Cell::Blank => 0.0,
            };
            if let Some(m) = widths.get_mut(c) {
                *m = m.max(w);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        let cap = if wrap.contains(&c) {
            WRAP_WIDTH
        } else {
            MAX_WIDTH
        };
        ws.set_column_width(c as u16, (w + 2.0).clamp(6.0, cap))
            .map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    if !headers.is_empty() {
        ws.autofilter(0, 0, rows.len() as u32, (headers.len() - 1) as u16)
            .map_err(xerr)?;
    }
    Ok(())
}

fn family_of<'a>(t: &'a Tables, id: &str) -> &'a str {
    t.themes
        .iter()
        .find(|x| x.id == id)
        .map_or("", |x| family_zh(&x.family))
}

/// The workbook as bytes. Its sheets' rows wait in temporary files in `tempdir` (the output folder, so
/// a run needs no other writable place) until the workbook is assembled.
///
/// # Errors
/// Workbook errors.
pub fn render_xlsx(t: &Tables, tempdir: &Path) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    wb.set_tempdir(tempdir).map_err(xerr)?;
    let date = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xerr)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("述职报告问题主题分析")
            .set_creation_datetime(&date),
    );
    let f = Formats::new();

    let freq: Vec<Vec<Cell>> = t
        .frequency
        .iter()
        .map(|r| {
            vec![
                s(&r.theme),
                s(&r.name),
                s(family_zh(&r.family)),
                r.year.map_or_else(|| s("不详"), int),
                int(r.reports as f64),
                int(r.reports_total as f64),
                Cell::N(r.share, Num::Pct),
                int(r.statements as f64),
                num(r.delta_pp, Num::Dec2),
            ]
        })
        .collect();
    add_sheet(
        &mut wb,
        &f,
        SHEETS[0],
        &[
            "主题 theme",
            "名称 name",
            "类别 family",
            "年份 year",
            "提及报告数 reports",
            "当年报告数 reports_total",
            "占比 share",
            "陈述数 statements",
            "较上年变化(百分点) delta_pp",
        ],
        &freq,
        &[],
    )?;

    let trends: Vec<Vec<Cell>> = t
        .trends
        .iter()
        .map(|r| {
            let rough = r.min_expected.is_some_and(|m| m < 5.0);
            vec![
                s(&r.theme),
                s(&r.name),
                s(family_of(t, &r.theme)),
                int(r.reports as f64),
                Cell::N(r.share, Num::Pct),
                num(r.first_share, Num::Pct),
                num(r.last_share, Num::Pct),
                num(r.change_pp, Num::Dec2),
                num(r.chi2, Num::Dec4),
                num(r.df.map(f64::from), Num::Int),
                num(r.p_value, Num::P),
                s(if r.significant { "是" } else { "否" }),
                num(r.min_expected, Num::Dec2),
                s(if rough {
                    "最小期望频数<5，检验粗略"
                } else {
                    ""
                }),
            ]
        })
        .collect();
    add_sheet(
        &mut wb,
        &f,
        SHEETS[1],
        &[
            "主题 theme",
            "名称 name",
            "类别 family",
            "提及报告数 reports",
            "占比 share",
            "首年占比 first_share",
            "末年占比 last_share",
            "首末年变化(百分点) change_pp",
            "卡方 chi2",
            "自由度 df",
            "p 值 p_value",
            "显著 significant",
            "最小期望频数 min_expected",
            "备注",
        ],
        &trends,
        &[],
    )?;

    let dims: Vec<&str> = t.by.iter().map(|d| dim_zh(d)).collect();
    let group_header = format!(
        "分组 group（{}）",
        if dims.is_empty() {
            "—".into()
        } else {
            dims.join(" | ")
        }
    );
    let groups: Vec<Vec<Cell>> = t
        .groups
        .iter()
        .map(|r| {
            vec![
                s(&r.theme),
                s(&r.name),
                s(&r.group),
                int(r.reports as f64),
                int(r.reports_total as f64),
                Cell::N(r.share, Num::Pct),
                int(r.statements as f64),
            ]
        })
        .collect();
    add_sheet(
        &mut wb,
        &f,
        SHEETS[2],
        &[
            "主题 theme",
            "名称 name",
            &group_header,
            "提及报告数 reports",
            "组内报告数 reports_total",
            "占比 share",
            "陈述数 statements",
        ],
        &groups,
        &[],
    )?;

    let persistent: Vec<Vec<Cell>> = t
        .persistent
        .iter()
        .map(|p| {
            let n = p.years.split(';').filter(|y| !y.is_empty()).count();
            vec![
                s(&p.unit),
                s(&p.theme),
                s(&p.name),
                s(&p.years),
                int(n as f64),
            ]
        })
        .collect();
    add_sheet(
        &mut wb,
        &f,
        SHEETS[3],
        &[
            "单位 unit",
            "主题 theme",
            "名称 name",
            "提出年份 years",
            "年数",
        ],
        &persistent,
        &[],
    )?;

    let coverage: Vec<Vec<Cell>> = t
        .coverage
        .iter()
        .map(|c| {
            vec![
                s(&c.theme),
                s(&c.name),
                int(c.raised as f64),
                int(c.uncovered as f64),
                if c.raised > 0 {
                    Cell::N(c.uncovered_share, Num::Pct)
                } else {
                    Cell::Blank
                },
            ]
        })
        .collect();
    add_sheet(
        &mut wb,
        &f,
        SHEETS[4],
        &[
            "主题 theme",
            "名称 name",
            "提及报告数 raised",
            "无对应整改措施 uncovered",
            "未覆盖比例 uncovered_share",
        ],
        &coverage,
        &[],
    )?;

    // Evidence in taxonomy order, then any theme the taxonomy does not know.
    let mut ids: Vec<&str> = t.themes.iter().map(|x| x.id.as_str()).collect();
    for k in t.evidence.keys() {
        if !ids.contains(&k.as_str()) {
            ids.push(k);
        }
    }
    let mut evidence: Vec<Vec<Cell>> = Vec::new();
    for id in ids {
        for (i, e) in t.evidence.get(id).into_iter().flatten().enumerate() {
            evidence.push(vec![
                s(id),
                s(t.name(id)),
                int((i + 1) as f64),
                s(&e.text),
                s(&e.report),
                s(e.unit.clone().unwrap_or_default()),
                e.year.map_or(Cell::Blank, int),
                s(role_zh(&e.role)),
                num(Some(e.score), Num::Dec4),
            ]);
        }
    }
    add_sheet(
        &mut wb,
        &f,
        SHEETS[5],
        &[
            "主题 theme",
            "名称 name",
            "序号",
            "典型表述 text",
            "报告 report",
            "单位 unit",
            "年份 year",
            "角色 role",
            "得分 score",
        ],
        &evidence,
        &[3],
    )?;

    let years = match (t.years.first(), t.years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => "—".into(),
    };
    let about = vec![
        vec![s("分析报告数"), int(t.reports_total as f64)],
        vec![s("覆盖年份"), s(years)],
        vec![s("年份数"), int(t.years.len() as f64)],
        vec![s("跳过的输入文件"), int(t.skipped as f64)],
        vec![s("未找到问题部分的报告"), int(t.without_problems as f64)],
        vec![s("分组维度"), s(dims.join(" | "))],
        vec![s("主题数"), int(t.themes.len() as f64)],
        vec![
            s("占比"),
            s("提及该主题的报告数 ÷ 报告数（同一报告多次提及只计一次）"),
        ],
        vec![
            s("显著"),
            s("主题×年份卡方独立性检验 p<0.05；最小期望频数<5 时结果仅供参考"),
        ],
    ];
    add_sheet(&mut wb, &f, SHEETS[6], &["项目", "内容"], &about, &[1])?;

    wb.save_to_buffer().map_err(xerr)
}

/// Writes the workbook.
///
/// # Errors
/// Workbook or I/O errors naming the file.
pub fn write_xlsx(path: &Path, t: &Tables) -> Result<()> {
    let buf = render_xlsx(t, crate::atomic::folder_of(path))?;
    write_atomic(path, &buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::html::tests::{empty_tables, sample_tables};
    use std::collections::HashSet;
    use std::io::Read;

    fn render(t: &Tables) -> Vec<u8> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("report.xlsx");
        write_xlsx(&p, t).unwrap();
        std::fs::read(&p).unwrap()
    }

    fn part(bytes: &[u8], name: &str) -> String {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut f = z.by_name(name).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn workbook_has_the_sheets_and_names() {
        let t = sample_tables(&[2021, 2022, 2023]);
        let bytes = render(&t);
        assert_eq!(&bytes[..2], b"PK");
        let wb = part(&bytes, "xl/workbook.xml");
        for name in SHEETS {
            assert!(
                wb.contains(&format!("name=\"{name}\"")),
                "missing sheet {name}"
            );
        }
        // Every cell's text, read back by a spreadsheet reader.
        let strings: HashSet<String> = {
            use calamine::{Reader, Xlsx};
            let mut book = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
            let mut all = HashSet::new();
            for name in book.sheet_names() {
                let range = book.worksheet_range(&name).unwrap();
                all.extend(range.used_cells().map(|(_, _, v)| v.to_string()));
            }
            all
        };
        for th in &t.themes {
            assert!(strings.iter().any(|s| s.contains(&th.name)), "{}", th.name);
        }
        assert!(
            strings.iter().any(|s| s.contains("<script>")),
            "evidence text with markup survives the round trip"
        );
        let sheet1 = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(sheet1.contains("state=\"frozen\""), "header row is frozen");
        let styles = part(&bytes, "xl/styles.xml");
        assert!(styles.contains("0.0%") && styles.contains("0.000"));
    }

    #[test]
    fn workbook_is_deterministic() {
        let t = sample_tables(&[2021, 2022, 2023]);
        assert_eq!(render(&t), render(&t.clone()));
        let core = part(&render(&t), "docProps/core.xml");
        assert!(core.contains("2000-01-01T00:00:00Z"));
    }

    #[test]
    fn zero_reports_workbook() {
        let bytes = render(&empty_tables());
        assert_eq!(&bytes[..2], b"PK");
        let wb = part(&bytes, "xl/workbook.xml");
        assert!(wb.contains("name=\"证据\""));
    }

    #[test]
    fn widths_count_cjk_double() {
        assert_eq!(width("ab"), 2.0);
        assert_eq!(width("党建"), 4.0);
        assert_eq!(width("（a）"), 5.0);
    }
}
