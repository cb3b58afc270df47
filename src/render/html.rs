//! `report.html`: one self-contained page for people. No network: inline CSS, charts drawn here as SVG, no
//! script. The same [`Tables`] always give the same bytes (stable ordering, no timestamps, no random ids).

use super::tables::{dim_zh, family_zh, role_zh, Tables, ThemeInfo, TrendRow, ALPHA};
use crate::aggregate::Evidence;
use crate::atomic::write_atomic;
use crate::error::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

/// Sequential scale (light → dark) for shares in tables and the heatmap.
const SCALE: [(f64, f64, f64); 5] = [
    (255.0, 247.0, 236.0),
    (253.0, 212.0, 158.0),
    (252.0, 141.0, 89.0),
    (215.0, 48.0, 31.0),
    (127.0, 0.0, 0.0),
];

/// Expected cell count below which the chi-square test is only a rough guide.
const MIN_EXPECTED: f64 = 5.0;

/// The per-year cells of the frequency table use only the light part of the scale, so the table stays readable.
const YEAR_TINT: f64 = 0.6;

/// Evidence groups opened by default.
const OPEN_EVIDENCE: usize = 3;

const CSS: &str = r#"
:root{--ink:#1f2933;--muted:#616e7c;--line:#d9dee4;--soft:#f5f7fa;--accent:#b71c1c;--up:#c62828;--down:#2e7d32}
*{box-sizing:border-box}
body{margin:0;background:#eef1f4;color:var(--ink);font:14px/1.6 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif}
main{max-width:1280px;margin:0 auto;padding:24px 28px 40px;background:#fff;min-height:100vh}
header.top{border-bottom:3px solid var(--accent);padding-bottom:12px;margin-bottom:8px}
h1{font-size:26px;margin:0 0 4px;letter-spacing:1px}
h2{font-size:19px;margin:34px 0 10px;padding-left:10px;border-left:5px solid var(--accent)}
h3{font-size:15px;margin:18px 0 6px}
.sub{color:var(--muted);margin:0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0 6px}
.card{flex:1 1 180px;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:10px 14px}
.card .v{font-size:24px;font-weight:700;line-height:1.3}
.card .k{color:var(--muted);font-size:13px}
nav.toc{font-size:13px;color:var(--muted);margin:10px 0 0}
nav.toc a{color:#1d4f91;text-decoration:none;margin-right:14px}
ul.points{margin:6px 0;padding-left:22px}
ul.points li{margin:3px 0}
.wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid var(--line);padding:4px 7px;vertical-align:middle}
thead th{background:#e8ecf1;font-weight:600;white-space:nowrap}
tbody tr:nth-child(even) td.z{background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:var(--muted);white-space:nowrap}
td.name{min-width:14em;max-width:26em}
td.yr{text-align:right;font-size:12px;white-space:nowrap;font-variant-numeric:tabular-nums;min-width:3.6em}
.fam{display:inline-block;font-size:12px;padding:0 6px;border-radius:3px;white-space:nowrap}
.fam.problem{background:#e3f2fd;color:#0d47a1}
.fam.cause{background:#fff3e0;color:#e65100}
.up{color:var(--up);font-weight:600}
.down{color:var(--down);font-weight:600}
.flat{color:var(--muted)}
.sig{display:inline-block;background:var(--accent);color:#fff;font-size:12px;padding:0 6px;border-radius:3px;white-space:nowrap}
.rough{display:block;color:#8d6e00;font-size:12px;white-space:nowrap}
.note{color:var(--muted);font-size:12.5px;margin:4px 0}
.empty{color:var(--muted);font-style:italic}
figure{margin:8px 0}
figure svg{max-width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:12.5px}
.sm-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:10px 12px;margin:8px 0}
.sm{border:1px solid var(--line);border-radius:5px;padding:6px 8px 2px;background:#fff;break-inside:avoid}
.sm-h{font-size:12.5px;line-height:1.35;height:2.7em;overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
.sm-h b{font-weight:600;color:var(--muted)}
.sm svg{width:100%;height:auto;display:block}
.heat td.h{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;min-width:4.5em}
.scale{display:inline-block;width:160px;height:10px;vertical-align:middle;border:1px solid var(--line);background:linear-gradient(90deg,rgb(255,247,236),rgb(253,212,158),rgb(252,141,89),rgb(215,48,31),rgb(127,0,0))}
.bar{display:inline-block;height:9px;background:#e57373;vertical-align:middle;margin-right:6px}
.scroll{max-height:520px;overflow:auto;border:1px solid var(--line)}
.scroll table{margin:0;width:100%}
details{border:1px solid var(--line);border-radius:5px;margin:8px 0;background:#fff}
details>summary{cursor:pointer;padding:7px 12px;background:var(--soft);font-weight:600}
details>summary .id{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:400;color:var(--muted);font-size:12px}
details ol{margin:8px 0;padding:0 14px 0 38px}
details li{margin:8px 0}
details blockquote{margin:0;padding:2px 0 2px 10px;border-left:3px solid #ef9a9a}
details .meta{color:var(--muted);font-size:12px}
footer{margin-top:36px;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
@media print{body{background:#fff}main{padding:0}.scroll{max-height:none;overflow:visible}}
"#;

/// Escapes text for HTML element content and attribute values.
/// The Chinese name of a text repair of the normaliser.
fn repair_name(step: &str) -> String {
    match step {
        "traditional" => "繁体转简体".into(),
        "ascii_punct" => "半角标点转全角".into(),
        "pinyin" => "删除拼音注音".into(),
        "noise" => "删除页码和网页杂项".into(),
        "contents" => "删除目录".into(),
        "repeated_title" => "删除重复页眉标题".into(),
        "unwrapped" => "合并硬换行".into(),
        "split" => "拆分压平的段落".into(),
        other => esc(other),
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", x * 100.0)
    } else {
        "—".into()
    }
}

fn fam_badge(f: &str) -> String {
    let class = if f == "cause" { "cause" } else { "problem" };
    format!("<span class=\"fam {class}\">{}</span>", esc(family_zh(f)))
}

/// `↑ +3.2 pp` and its CSS class.
fn change(pp: Option<f64>) -> String {
    match pp {
        Some(v) if v.is_finite() && v > 0.0 => format!("<span class=\"up\">↑ +{v:.1}</span>"),
        Some(v) if v.is_finite() && v < 0.0 => format!("<span class=\"down\">↓ {v:.1}</span>"),
        Some(v) if v.is_finite() => "<span class=\"flat\">→ 0.0</span>".into(),
        _ => "<span class=\"flat\">—</span>".into(),
    }
}

fn p_text(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "&lt;0.001".into(),
        Some(p) => format!("{p:.3}"),
        None => "—".into(),
    }
}

/// Background and text colours for a value in `0..=1` of the sequential scale.
fn heat(v: f64) -> (String, &'static str) {
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = v * (SCALE.len() - 1) as f64;
    let i = (pos.floor() as usize).min(SCALE.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (SCALE[i], SCALE[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    let bg = format!("rgb({},{},{})", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2));
    (bg, if v > 0.55 { "#fff" } else { "#1f2933" })
}

/// Display width in pixels of a label at `size` px (CJK glyphs are square, Latin about half).
fn text_px(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x2E80 {
                size
            } else {
                size * 0.58
            }
        })
        .sum()
}

/// Cuts a label to `max_px` pixels, adding "…".
fn clip(s: &str, size: f64, max_px: f64) -> String {
    if text_px(s, size) <= max_px {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = size;
    for c in s.chars() {
        let cw = if (c as u32) >= 0x2E80 {
            size
        } else {
            size * 0.58
        };
        if w + cw > max_px {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// Fixed colour and key number (1-based, taxonomy order) of each theme.
struct Styles<'a> {
    themes: &'a [ThemeInfo],
    colours: Vec<String>,
}

impl Styles<'_> {
    fn index(&self, id: &str) -> Option<usize> {
        self.themes.iter().position(|t| t.id == id)
    }
    fn new(themes: &[ThemeInfo]) -> Styles<'_> {
        Styles {
            themes,
            colours: super::palette::palette(themes.len()),
        }
    }
    fn colour(&self, id: &str) -> &str {
        self.index(id)
            .map_or("#555555", |i| self.colours[i].as_str())
    }
    fn dash(&self, id: &str) -> &'static str {
        match self.themes.iter().find(|t| t.id == id) {
            Some(t) if t.family == "cause" => " stroke-dasharray=\"7 4\"",
            _ => "",
        }
    }
}

fn family_of<'a>(t: &'a Tables, id: &str) -> &'a str {
    t.themes
        .iter()
        .find(|x| x.id == id)
        .map_or("", |x| x.family.as_str())
}

fn share_of(t: &Tables, id: &str, year: Option<i32>) -> Option<f64> {
    t.frequency
        .iter()
        .find(|r| r.theme == id && r.year == year)
        .filter(|r| r.reports_total > 0)
        .map(|r| r.share)
}

fn years_text(t: &Tables) -> String {
    match (t.years.first(), t.years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => "—".into(),
    }
}

fn header(s: &mut String, t: &Tables, title: &str) {
    let _ = write!(s, "<header class=\"top\"><h1>{}</h1>", esc(title));
    let _ = write!(
        s,
        "<p class=\"sub\">基于述职报告中“存在的问题”与“原因分析”部分的主题统计。{}</p>",
        if t.years.is_empty() {
            String::new()
        } else {
            format!("覆盖年份 {}。", years_text(t))
        }
    );
    let cards = [
        (t.reports_total.to_string(), "分析报告数".to_string()),
        (
            years_text(t),
            if t.years.is_empty() {
                "覆盖年份".to_string()
            } else {
                format!("覆盖年份（{} 年）", t.years.len())
            },
        ),
        (t.skipped.to_string(), "跳过的输入文件".to_string()),
        (
            t.without_problems.to_string(),
            "未找到问题部分的报告".to_string(),
        ),
    ];
    s.push_str("<div class=\"cards\">");
    for (v, k) in cards {
        let _ = write!(
            s,
            "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
            esc(&v),
            esc(&k)
        );
    }
    s.push_str("</div>");
    s.push_str(
        "<nav class=\"toc\"><a href=\"#points\">要点</a><a href=\"#freq\">问题主题频次表</a>\
         <a href=\"#trend\">年度走势</a><a href=\"#groups\">分组对比</a><a href=\"#persist\">持续存在的问题</a>\
         <a href=\"#coverage\">整改覆盖</a><a href=\"#evidence\">典型表述</a></nav></header>",
    );
}

fn key_points(s: &mut String, t: &Tables) {
    s.push_str("<section id=\"points\"><h2>要点</h2>");
    if t.reports_total == 0 {
        s.push_str("<p class=\"empty\">没有可分析的报告。</p></section>");
        return;
    }
    s.push_str("<ul class=\"points\">");
    let top: Vec<_> = t
        .ranked()
        .into_iter()
        .filter(|r| r.reports > 0)
        .take(3)
        .collect();
    if top.is_empty() {
        s.push_str("<li>所有报告均未识别出问题主题。</li>");
    } else {
        let list: Vec<String> = top
            .iter()
            .map(|r| {
                format!(
                    "<b>{}</b>（{} 份，{}）",
                    esc(&r.name),
                    r.reports,
                    pct(r.share)
                )
            })
            .collect();
        let _ = write!(s, "<li>提及最多的主题：{}。</li>", list.join("；"));
    }
    if t.years.len() >= 2 {
        let mut sig: Vec<&TrendRow> = t.trends.iter().filter(|r| r.significant).collect();
        sig.sort_by(|a, b| {
            let (x, y) = (
                a.change_pp.unwrap_or(0.0).abs(),
                b.change_pp.unwrap_or(0.0).abs(),
            );
            y.total_cmp(&x).then_with(|| a.theme.cmp(&b.theme))
        });
        if sig.is_empty() {
            let _ = write!(
                s,
                "<li>{} 年间，各主题的年度提及率变化均未达到统计显著水平（χ² 检验，p≥{ALPHA}）。</li>",
                esc(&years_text(t))
            );
        } else {
            let list: Vec<String> = sig
                .iter()
                .map(|r| format!("<b>{}</b> {} pp", esc(&r.name), change(r.change_pp)))
                .collect();
            let _ = write!(
                s,
                "<li>年度提及率变化显著（p&lt;{ALPHA}）的主题，按首末年变化：{}。</li>",
                list.join("；")
            );
        }
    }
    let gap = t.coverage.iter().filter(|c| c.raised > 0).max_by(|a, b| {
        a.uncovered_share
            .total_cmp(&b.uncovered_share)
            .then_with(|| a.raised.cmp(&b.raised))
            .then_with(|| b.theme.cmp(&a.theme))
    });
    if let Some(c) = gap.filter(|c| c.uncovered > 0) {
        let _ = write!(
            s,
            "<li>整改覆盖缺口最大：<b>{}</b>，提及该问题的 {} 份报告中有 {} 份（{}）未提出对应整改措施。</li>",
            esc(&c.name),
            c.raised,
            c.uncovered,
            pct(c.uncovered_share)
        );
    }
    let units: BTreeSet<&str> = t.persistent.iter().map(|p| p.unit.as_str()).collect();
    if t.persistent.is_empty() {
        s.push_str("<li>未发现同一单位连续两年提出同一问题的情况。</li>");
    } else {
        let _ = write!(
            s,
            "<li>{} 个单位存在连续两年及以上提出同一问题的情况，共 {} 项。</li>",
            units.len(),
            t.persistent.len()
        );
    }
    if t.without_problems > 0 {
        let _ = write!(
            s,
            "<li>{} 份报告未识别出问题或原因表述（其中 {} 份有问题部分的标题），建议人工核查其结构",
            t.without_problems, t.without_problems_headed
        );
        let listed: Vec<String> = t.silent_reports.iter().map(|id| esc(id)).collect();
        let more = t.without_problems.saturating_sub(listed.len() as u64);
        let _ = write!(s, "：{}", listed.join("、"));
        if more > 0 {
            let _ = write!(s, " 等（另有 {more} 份，见 reports.jsonl 的 warnings）");
        }
        s.push_str("。</li>");
    }
    if !t.repairs.is_empty() {
        let parts: Vec<String> = t
            .repairs
            .iter()
            .map(|(k, n)| format!("{} {n} 份", repair_name(k)))
            .collect();
        let _ = write!(s, "<li>读取前修复文本：{}。</li>", parts.join("，"));
    }
    s.push_str("</ul></section>");
}

fn frequency_table(s: &mut String, t: &Tables) {
    s.push_str("<section id=\"freq\"><h2>问题主题频次表</h2>");
    if t.trends.is_empty() {
        s.push_str("<p class=\"empty\">没有主题。</p></section>");
        return;
    }
    let unknown = t
        .frequency
        .iter()
        .any(|r| r.year.is_none() && r.reports_total > 0);
    let mut cols: Vec<Option<i32>> = t.years.iter().map(|&y| Some(y)).collect();
    if unknown {
        cols.push(None);
    }
    let max = t
        .frequency
        .iter()
        .map(|r| r.share)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    s.push_str("<div class=\"wrap\"><table><thead><tr>");
    s.push_str("<th>#</th><th>主题 ID</th><th>名称</th><th>类别</th><th class=\"num\">提及报告数</th><th class=\"num\">占比</th>");
    for y in &cols {
        match y {
            Some(y) => {
                let _ = write!(s, "<th class=\"num\">{y}</th>");
            }
            None => s.push_str("<th class=\"num\">年份不详</th>"),
        }
    }
    s.push_str("<th class=\"num\">首→末年变化<br>(百分点)</th><th class=\"num\">χ² p 值</th><th>显著性</th></tr></thead><tbody>");
    for (i, r) in t.ranked().into_iter().enumerate() {
        let _ = write!(
            s,
            "<tr><td class=\"num z\">{}</td><td class=\"id z\">{}</td><td class=\"name z\">{}</td><td class=\"z\">{}</td>\
             <td class=\"num z\">{}</td><td class=\"num z\"><b>{}</b></td>",
            i + 1,
            esc(&r.theme),
            esc(&r.name),
            fam_badge(family_of(t, &r.theme)),
            r.reports,
            pct(r.share)
        );
        for y in &cols {
            match share_of(t, &r.theme, *y) {
                Some(v) => {
                    let (bg, fg) = heat(if max > 0.0 { YEAR_TINT * v / max } else { 0.0 });
                    let _ = write!(
                        s,
                        "<td class=\"yr\" style=\"background:{bg};color:{fg}\">{}</td>",
                        pct(v)
                    );
                }
                None => s.push_str("<td class=\"yr\">—</td>"),
            }
        }
        let _ = write!(
            s,
            "<td class=\"num z\">{}</td><td class=\"num z\">{}</td><td class=\"z\">",
            change(r.change_pp),
            p_text(r.p_value)
        );
        if r.significant {
            s.push_str("<span class=\"sig\">★ 显著</span>");
        }
        if let Some(m) = r.min_expected.filter(|m| *m < MIN_EXPECTED) {
            let _ = write!(
                s,
                "<span class=\"rough\">最小期望频数 {m:.1}&lt;5，检验粗略</span>"
            );
        }
        s.push_str("</td></tr>");
    }
    s.push_str("</tbody></table></div>");
    let _ = write!(
        s,
        "<p class=\"note\">占比＝提及该主题的报告数 ÷ 报告总数（年份列为当年报告数）。变化为末年与首年占比之差（百分点）。\
         p 值来自主题×年份的卡方独立性检验，p&lt;{ALPHA} 标为“显著”；最小期望频数小于 5 时检验结果仅供参考。</p></section>"
    );
}

/// Tick step and axis maximum (both shares) for a largest value `max`, with at most `most` intervals.
fn axis(max: f64, most: f64) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max.min(1.0)
    } else {
        0.1
    };
    for step in [0.01, 0.02, 0.05, 0.1, 0.2, 0.25] {
        if max / step <= most {
            let top = ((max / step) - 1e-9).ceil().max(1.0) * step;
            return (step, top);
        }
    }
    (0.25, 1.0)
}

/// One small chart per theme, all on the same vertical scale, in a grid that wraps with the page width:
/// readable with any number of themes, where one plot with a line per theme is not.
fn small_multiples(s: &mut String, t: &Tables) {
    let st = Styles::new(&t.themes);
    let (w, h) = (260.0_f64, 132.0_f64);
    let (ml, mr, mt, mb) = (34.0, 40.0, 8.0, 22.0);
    let (pw, ph) = (w - ml - mr, h - mt - mb);
    let max = t
        .frequency
        .iter()
        .filter(|r| r.year.is_some())
        .map(|r| r.share)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    // Four intervals at most: the panels are small.
    let (step, top) = axis(max, 4.0);
    let ticks = (top / step).round() as usize;
    let n = t.years.len();
    let x = |i: usize| {
        ml + if n > 1 {
            pw * i as f64 / (n - 1) as f64
        } else {
            pw / 2.0
        }
    };
    let y = |v: f64| mt + ph - ph * (v.clamp(0.0, top) / top);
    let sig: BTreeSet<&str> = t
        .trends
        .iter()
        .filter(|r| r.significant)
        .map(|r| r.theme.as_str())
        .collect();
    // Problem themes first, then causes; within a family in taxonomy order (the panel number, 1-based).
    let mut order: Vec<(usize, &ThemeInfo)> = t.themes.iter().enumerate().collect();
    order.sort_by_key(|(k, th)| (th.family == "cause", *k));
    s.push_str("<figure><div class=\"sm-grid\">");
    for (k, th) in order {
        let colour = st.colour(&th.id);
        let significant = sig.contains(th.id.as_str());
        let _ = write!(
            s,
            "<div class=\"sm\"><div class=\"sm-h\" title=\"{}（{}，{}）\"><b>{}</b> {}{}</div>\
             <svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{} 各年提及率\" font-size=\"11\" font-family=\"inherit\">\
             <rect x=\"{ml}\" y=\"{mt}\" width=\"{pw}\" height=\"{ph}\" fill=\"#f7f9fb\"/>",
            esc(&th.name),
            esc(&th.id),
            esc(family_zh(&th.family)),
            k + 1,
            esc(&th.name),
            if significant {
                " <span class=\"sig\">显著</span>"
            } else {
                ""
            },
            esc(&th.name),
        );
        for j in 0..=ticks {
            let v = step * j as f64;
            let yy = y(v);
            let _ = write!(
                s,
                "<line x1=\"{ml}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"{}\" stroke-width=\"1\"/>",
                ml + pw,
                if j == 0 { "#9aa5b1" } else { "#e4e7eb" },
            );
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#616e7c\">{:.0}%</text>",
                ml - 4.0,
                yy + 4.0,
                v * 100.0
            );
        }
        for (i, yr) in t.years.iter().enumerate() {
            // First and last year always; the others when they fit (about 34 px a label).
            let every = ((n as f64 * 34.0 / pw).ceil() as usize).max(1);
            if i == 0 || i + 1 == n || (i % every == 0 && n - 1 - i >= every) {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#3e4c59\">{yr}</text>",
                    x(i),
                    mt + ph + 15.0
                );
            }
        }
        let pts: Vec<(usize, i32, f64)> = t
            .years
            .iter()
            .enumerate()
            .filter_map(|(i, &yr)| share_of(t, &th.id, Some(yr)).map(|v| (i, yr, v)))
            .collect();
        if !pts.is_empty() {
            let path: Vec<String> = pts
                .iter()
                .map(|&(i, _, v)| format!("{:.1},{:.1}", x(i), y(v)))
                .collect();
            let _ = write!(
                s,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{}\" stroke-linejoin=\"round\"{}/>",
                path.join(" "),
                if significant { 3.2 } else { 2.2 },
                st.dash(&th.id)
            );
            for &(i, yr, v) in &pts {
                let _ = write!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.6\" fill=\"#fff\" stroke=\"{colour}\" stroke-width=\"1.6\">\
                     <title>{} {yr}：{}</title></circle>",
                    x(i),
                    y(v),
                    esc(&th.name),
                    pct(v)
                );
            }
            if let Some(&(i, _, v)) = pts.last() {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\" font-weight=\"700\">{}</text>",
                    x(i) + 5.0,
                    y(v) + 4.0,
                    pct(v)
                );
            }
        }
        s.push_str("</svg></div>");
    }
    let _ = write!(
        s,
        "</div><figcaption>每个小图为一个主题在各年报告中的提及率（占当年报告 %），所有小图纵轴刻度相同（0–{:.0}%），高低可直接比较；\
         实线为“问题”类，虚线为“原因”类；粗线和“显著”表示年度变化显著（p&lt;0.05）；线端数字为末年提及率。</figcaption></figure>",
        top * 100.0
    );
}

fn bar_chart(s: &mut String, t: &Tables) {
    let st = Styles::new(&t.themes);
    let rows = t.ranked();
    let size = 12.0;
    let label_w = rows
        .iter()
        .map(|r| text_px(&r.name, size))
        .fold(120.0_f64, f64::max)
        .min(520.0)
        + 16.0;
    let bar_w = 420.0;
    let row_h = 26.0;
    let w = label_w + bar_w + 70.0;
    let h = row_h * rows.len() as f64 + 30.0;
    let max = rows
        .iter()
        .map(|r| r.share)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let (step, top) = axis(max, 8.0);
    let _ = write!(
        s,
        "<figure><svg viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" aria-labelledby=\"bar-title\" \
         font-size=\"{size}\" font-family=\"inherit\"><title id=\"bar-title\">各主题提及率</title>"
    );
    let ticks = (top / step).round() as usize;
    let base_y = row_h * rows.len() as f64 + 4.0;
    for k in 0..=ticks {
        let v = step * k as f64;
        let xx = label_w + bar_w * v / top;
        let _ = write!(
            s,
            "<line x1=\"{xx:.1}\" y1=\"0\" x2=\"{xx:.1}\" y2=\"{base_y:.1}\" stroke=\"{}\"/>\
             <text x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#616e7c\">{:.0}%</text>",
            if k == 0 { "#9aa5b1" } else { "#e4e7eb" },
            base_y + 16.0,
            v * 100.0
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let yy = row_h * i as f64;
        let len = bar_w * (r.share.clamp(0.0, top) / top);
        let _ = write!(
            s,
            "<g><title>{}（{}）：{}</title><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#1f2933\">{}</text>\
             <rect x=\"{label_w:.1}\" y=\"{:.1}\" width=\"{len:.1}\" height=\"16\" fill=\"{}\"{}/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#3e4c59\">{}</text></g>",
            esc(&r.name),
            esc(&r.theme),
            pct(r.share),
            label_w - 8.0,
            yy + 17.0,
            esc(&clip(&r.name, size, label_w - 16.0)),
            yy + 5.0,
            st.colour(&r.theme),
            if family_of(t, &r.theme) == "cause" { " fill-opacity=\"0.55\"" } else { "" },
            label_w + len + 6.0,
            yy + 17.0,
            pct(r.share)
        );
    }
    s.push_str("</svg>");
    let _ = write!(
        s,
        "<figcaption>只有一个年份（{}），以横向条形图显示各主题提及率（全部报告）；浅色条为“原因”类。</figcaption></figure>",
        esc(&years_text(t))
    );
}

fn chart(s: &mut String, t: &Tables) {
    s.push_str("<section id=\"trend\"><h2>年度走势</h2>");
    if t.reports_total == 0 || t.themes.is_empty() {
        s.push_str("<p class=\"empty\">没有可绘制的数据。</p>");
    } else if t.years.len() >= 2 {
        small_multiples(s, t);
    } else {
        if t.years.is_empty() {
            s.push_str("<p class=\"note\">报告均无年份信息，无法显示年度走势；下图为全部报告的提及率。</p>");
        }
        bar_chart(s, t);
    }
    s.push_str("</section>");
}

fn group_heatmap(s: &mut String, t: &Tables) {
    let dims: Vec<&str> = t.by.iter().map(|d| dim_zh(d)).collect();
    let dims_text = if dims.is_empty() {
        "分组".to_string()
    } else {
        dims.join(" × ")
    };
    let _ = write!(
        s,
        "<section id=\"groups\"><h2>分组对比：主题 × {}</h2>",
        esc(&dims_text)
    );
    // Groups in first-appearance order (the tables keep them sorted), with their report counts.
    let mut groups: Vec<(&str, u64)> = Vec::new();
    for r in &t.groups {
        if !groups.iter().any(|g| g.0 == r.group) {
            groups.push((&r.group, r.reports_total));
        }
    }
    if groups.is_empty() || t.themes.is_empty() {
        s.push_str("<p class=\"empty\">没有分组数据。</p></section>");
        return;
    }
    let cell: BTreeMap<(&str, &str), &super::tables::GroupRow> = t
        .groups
        .iter()
        .map(|r| ((r.theme.as_str(), r.group.as_str()), r))
        .collect();
    let max = t
        .groups
        .iter()
        .map(|r| r.share)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let _ = write!(
        s,
        "<p class=\"note\">单元格为该组报告中提及该主题的比例，颜色越深比例越高 <span class=\"scale\"></span> 0% – {}。\
         列标题下为该组报告数。</p>",
        pct(max)
    );
    let _ = write!(
        s,
        "<div class=\"wrap\"><table class=\"heat\"><thead><tr><th>主题（{}）</th>",
        esc(&dims_text)
    );
    for (g, n) in &groups {
        let _ = write!(
            s,
            "<th class=\"num\">{}<br><span class=\"note\">n={n}</span></th>",
            esc(g)
        );
    }
    s.push_str("</tr></thead><tbody>");
    for r in t.ranked() {
        let _ = write!(
            s,
            "<tr><td class=\"name\">{} <span class=\"note\">{}</span></td>",
            esc(&r.name),
            esc(&r.theme)
        );
        for (g, _) in &groups {
            match cell.get(&(r.theme.as_str(), *g)) {
                Some(c) if c.reports_total > 0 => {
                    let (bg, fg) = heat(if max > 0.0 { c.share / max } else { 0.0 });
                    let _ = write!(
                        s,
                        "<td class=\"h\" style=\"background:{bg};color:{fg}\" title=\"{} / {}：{} / {} 份\">{}</td>",
                        esc(&r.name),
                        esc(g),
                        c.reports,
                        c.reports_total,
                        pct(c.share)
                    );
                }
                _ => s.push_str("<td class=\"h\">—</td>"),
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div></section>");
}

fn persistent_table(s: &mut String, t: &Tables) {
    s.push_str("<section id=\"persist\"><h2>持续存在的问题</h2>");
    if t.persistent.is_empty() {
        s.push_str("<p class=\"empty\">未发现同一单位在相邻年份重复提出同一问题。</p></section>");
        return;
    }
    let units: BTreeSet<&str> = t.persistent.iter().map(|p| p.unit.as_str()).collect();
    let _ = write!(
        s,
        "<p class=\"note\">同一单位在相邻两年或以上提出同一主题：共 {} 项，涉及 {} 个单位。</p>",
        t.persistent.len(),
        units.len()
    );
    s.push_str(
        "<div class=\"scroll\"><table><thead><tr><th>#</th><th>单位</th><th>主题</th><th>主题 ID</th>\
         <th>提出年份</th><th class=\"num\">年数</th></tr></thead><tbody>",
    );
    for (i, p) in t.persistent.iter().enumerate() {
        let years: Vec<&str> = p.years.split(';').filter(|y| !y.is_empty()).collect();
        let _ = write!(
            s,
            "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"name\">{}</td><td class=\"id\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            i + 1,
            esc(&p.unit),
            esc(&p.name),
            esc(&p.theme),
            esc(&years.join("、")),
            years.len()
        );
    }
    s.push_str("</tbody></table></div></section>");
}

fn coverage_table(s: &mut String, t: &Tables) {
    s.push_str("<section id=\"coverage\"><h2>整改覆盖</h2>");
    if t.coverage.is_empty() {
        s.push_str("<p class=\"empty\">没有数据。</p></section>");
        return;
    }
    s.push_str(
        "<p class=\"note\">提出某一问题、但在整改措施部分没有同一主题措施的报告，按未覆盖比例从高到低排列。</p>\
         <div class=\"wrap\"><table><thead><tr><th>主题 ID</th><th>名称</th><th class=\"num\">提及报告数</th>\
         <th class=\"num\">无对应整改措施</th><th>未覆盖比例</th></tr></thead><tbody>",
    );
    let mut rows: Vec<_> = t.coverage.iter().collect();
    rows.sort_by(|a, b| {
        (b.raised > 0)
            .cmp(&(a.raised > 0))
            .then_with(|| b.uncovered_share.total_cmp(&a.uncovered_share))
            .then_with(|| b.raised.cmp(&a.raised))
            .then_with(|| a.theme.cmp(&b.theme))
    });
    for c in rows {
        let share = if c.raised > 0 {
            let w = (c.uncovered_share.clamp(0.0, 1.0) * 120.0).round();
            format!(
                "<span class=\"bar\" style=\"width:{w}px\"></span>{}",
                pct(c.uncovered_share)
            )
        } else {
            "—".into()
        };
        let _ = write!(
            s,
            "<tr><td class=\"id\">{}</td><td class=\"name\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td style=\"white-space:nowrap\">{share}</td></tr>",
            esc(&c.theme),
            esc(&c.name),
            c.raised,
            c.uncovered
        );
    }
    s.push_str("</tbody></table></div></section>");
}

fn evidence_item(s: &mut String, e: &Evidence) {
    let mut meta = vec![format!("报告 {}", esc(&e.report))];
    if let Some(u) = e.unit.as_deref().filter(|u| !u.is_empty()) {
        meta.push(esc(u));
    }
    meta.push(
        e.year
            .map_or_else(|| "年份不详".to_string(), |y| format!("{y} 年")),
    );
    meta.push(esc(role_zh(&e.role)));
    if e.score.is_finite() {
        meta.push(format!("得分 {:.2}", e.score));
    }
    let _ = write!(
        s,
        "<li><blockquote>{}</blockquote><div class=\"meta\">{}</div></li>",
        esc(&e.text),
        meta.join(" · ")
    );
}

fn evidence(s: &mut String, t: &Tables) {
    s.push_str("<section id=\"evidence\"><h2>典型表述</h2>");
    let total: usize = t.evidence.values().map(Vec::len).sum();
    if total == 0 {
        s.push_str("<p class=\"empty\">暂无典型表述。</p></section>");
        return;
    }
    s.push_str(
        "<p class=\"note\">各主题得分最高的原文句子（每份报告优先一句），点击主题展开。</p>",
    );
    let mut ids: Vec<&str> = t.ranked().into_iter().map(|r| r.theme.as_str()).collect();
    for k in t.evidence.keys() {
        if !ids.contains(&k.as_str()) {
            ids.push(k);
        }
    }
    let mut shown = 0;
    for id in ids {
        let Some(list) = t.evidence.get(id).filter(|l| !l.is_empty()) else {
            continue;
        };
        let name = match t.name(id) {
            "" => id,
            n => n,
        };
        let _ = write!(
            s,
            "<details{}><summary>{} <span class=\"id\">{}</span> · {} 条</summary><ol>",
            if shown < OPEN_EVIDENCE { " open" } else { "" },
            esc(name),
            esc(id),
            list.len()
        );
        for e in list {
            evidence_item(s, e);
        }
        s.push_str("</ol></details>");
        shown += 1;
    }
    s.push_str("</section>");
}

/// The whole page.
pub fn render_html(t: &Tables, title: &str) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(title)
    );
    header(&mut s, t, title);
    s.push('\n');
    key_points(&mut s, t);
    s.push('\n');
    frequency_table(&mut s, t);
    s.push('\n');
    chart(&mut s, t);
    s.push('\n');
    group_heatmap(&mut s, t);
    s.push('\n');
    persistent_table(&mut s, t);
    s.push('\n');
    coverage_table(&mut s, t);
    s.push('\n');
    evidence(&mut s, t);
    let _ = write!(
        s,
        "\n<footer>由 shuzhi {} 生成。统计单位为报告：一份报告多次提及同一主题只计一次。主题由规则与模型自动识别，典型表述可供核对。</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    s
}

/// Writes the HTML report.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_html(path: &Path, t: &Tables, title: &str) -> Result<()> {
    write_atomic(path, render_html(t, title).as_bytes())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::aggregate::{Aggregate, Mention, ReportRecord};
    use crate::themes::Taxonomy;

    fn record(
        id: &str,
        year: Option<i32>,
        unit: &str,
        unit_type: &str,
        raised: &[&str],
        measures: &[&str],
    ) -> ReportRecord {
        let raised: Vec<String> = raised.iter().map(|s| s.to_string()).collect();
        let measures: Vec<String> = measures.iter().map(|s| s.to_string()).collect();
        let uncovered = raised
            .iter()
            .filter(|r| !measures.contains(r))
            .cloned()
            .collect();
        ReportRecord {
            id: id.into(),
            path: format!("{id}.txt"),
            year,
            unit: Some(unit.into()),
            unit_type: Some(unit_type.into()),
            groups: BTreeMap::new(),
            encoding: "utf-8".into(),
            theme_statements: raised.iter().map(|r| (r.clone(), 1)).collect(),
            problem_statements: raised.len(),
            raised,
            measures,
            uncovered,
            statements: 10,
            warnings: vec![],
            normalized: vec![],
            roles_by: Default::default(),
        }
    }

    fn mention(rec: &ReportRecord, theme: &str, text: &str, score: f64) -> Mention {
        Mention {
            report: rec.id.clone(),
            year: rec.year,
            role: "problem".into(),
            statement: 0,
            text: text.into(),
            start: 0,
            end: text.chars().count(),
            theme: theme.into(),
            score,
            source: "both".into(),
            cues: vec![],
        }
    }

    /// A small corpus over three years, with hostile text in one evidence sentence and one unit name.
    pub(crate) fn sample_tables(years: &[i32]) -> Tables {
        let tax = Taxonomy::builtin();
        let ids: Vec<String> = tax.ids();
        let mut agg = Aggregate::new(ids, vec!["unit_type".into()]);
        let mut n = 0;
        for (k, &y) in years.iter().enumerate() {
            for (unit, ut) in [
                ("枫林镇", "镇党委"),
                ("松坪村", "村党支部"),
                ("<b>\"东方\"&'厂'</b>", "非公企业"),
            ] {
                n += 1;
                let mut raised = vec!["member_aging"];
                if k > 0 {
                    raised.push("collective_economy_weak");
                }
                if unit == "松坪村" {
                    raised.push("responsibility_unfulfilled");
                }
                let rec = record(
                    &format!("r{n:02}"),
                    Some(y),
                    unit,
                    ut,
                    &raised,
                    &["member_aging"],
                );
                let mut ms = vec![mention(
                    &rec,
                    "member_aging",
                    "党员平均年龄偏大，45岁以下党员占比不足两成。",
                    0.9,
                )];
                if unit.contains("东方") {
                    ms.push(mention(
                        &rec,
                        "member_aging",
                        "<script>alert('x')</script> 党员老化 & 断层",
                        0.95,
                    ));
                }
                if unit == "松坪村" {
                    ms.push(mention(
                        &rec,
                        "responsibility_unfulfilled",
                        "重业务轻党建，主体责任落实不到位。",
                        0.7,
                    ));
                }
                agg.add(&rec, &ms);
            }
        }
        let empty = record("r99", Some(years[0]), "空白村", "村党支部", &[], &[]);
        agg.add(&empty, &[]);
        Tables::build(&agg, &tax, 2)
    }

    pub(crate) fn empty_tables() -> Tables {
        let tax = Taxonomy::builtin();
        let ids: Vec<String> = tax.ids();
        Tables::build(&Aggregate::new(ids, vec!["unit_type".into()]), &tax, 0)
    }

    fn render(t: &Tables, title: &str) -> String {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("report.html");
        write_html(&p, t, title).unwrap();
        String::from_utf8(std::fs::read(&p).unwrap()).unwrap()
    }

    #[test]
    fn page_has_all_sections_and_chinese_names() {
        let t = sample_tables(&[2021, 2022, 2023]);
        let html = render(&t, "述职报告问题分析");
        for name in t.themes.iter().map(|x| &x.name) {
            assert!(html.contains(&esc(name)), "missing theme name {name}");
        }
        for label in [
            "问题主题频次表",
            "持续存在的问题",
            "整改覆盖",
            "典型表述",
            "单位类型",
            "<details",
            "村党支部",
        ] {
            assert!(html.contains(label), "missing {label}");
        }
        assert!(html.contains("<svg"));
        assert!(html.contains("<polyline"), "three years give a line chart");
        assert!(html.contains("stroke-dasharray"), "cause family is dashed");
        assert!(html.contains("Noto Sans CJK SC"));
        assert!(html.contains("2021–2023"));
    }

    #[test]
    fn page_is_self_contained() {
        let html = render(&sample_tables(&[2021, 2022, 2023]), "t");
        assert!(!html.contains("http://"));
        assert!(!html.contains("https://"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<link"));
        assert!(!html.contains("@import"));
    }

    #[test]
    fn text_is_escaped() {
        let html = render(&sample_tables(&[2021, 2022]), "<i>标题</i>");
        assert!(!html.contains("<script>alert"));
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 党员老化 &amp; 断层")
        );
        assert!(!html.contains("<b>\"东方\""));
        assert!(html.contains("&lt;b&gt;&quot;东方&quot;&amp;&#39;厂&#39;&lt;/b&gt;"));
        assert!(html.contains("<title>&lt;i&gt;标题&lt;/i&gt;</title>"));
        assert_eq!(esc("&<>\"'"), "&amp;&lt;&gt;&quot;&#39;");
    }

    #[test]
    fn output_is_deterministic() {
        let t = sample_tables(&[2021, 2022, 2023]);
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a.html"), d.path().join("b.html"));
        write_html(&a, &t, "报告").unwrap();
        write_html(&b, &t.clone(), "报告").unwrap();
        assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    }

    #[test]
    fn one_year_gives_a_bar_chart() {
        let html = render(&sample_tables(&[2022]), "t");
        assert!(html.contains("<svg"));
        assert!(html.contains("<rect"));
        assert!(!html.contains("<polyline"));
    }

    #[test]
    fn zero_reports_render() {
        let html = render(&empty_tables(), "空");
        assert!(html.contains("没有可分析的报告"));
        assert!(html.contains("暂无典型表述"));
        assert!(!html.contains("NaN"));
        assert!(!html.contains("inf%"));
    }

    #[test]
    fn axis_is_sane() {
        assert_eq!(axis(0.0, 8.0), (0.02, 0.1));
        let (step, top) = axis(0.63, 8.0);
        assert!((0.63..=0.8).contains(&top) && step == 0.1);
        assert_eq!(axis(0.63, 4.0), (0.2, 0.8));
        let (_, top) = axis(1.0, 8.0);
        assert!(top >= 1.0);
        assert_eq!(axis(f64::NAN, 8.0), (0.02, 0.1));
        assert_eq!(axis(0.0, 4.0), (0.05, 0.1));
    }
}
