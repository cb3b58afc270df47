//! `summary.md` and the terminal summary: top themes with counts, shares and year trends.

use super::tables::Tables;
use std::fmt::Write;

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn trend_arrow(pp: Option<f64>) -> String {
    match pp {
        Some(v) if v >= 5.0 => format!("↑ {v:+.1} pp"),
        Some(v) if v <= -5.0 => format!("↓ {v:+.1} pp"),
        Some(v) => format!("→ {v:+.1} pp"),
        None => "-".into(),
    }
}

/// The Markdown summary.
pub fn summary_md(t: &Tables) -> String {
    let mut s = String::new();
    let years = match (t.years.first(), t.years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => "unknown years".into(),
    };
    let _ = writeln!(s, "# shuzhi summary\n");
    let _ = writeln!(
        s,
        "{} reports analysed ({years}); {} skipped; {} without a problems section.\n",
        t.reports_total, t.skipped, t.without_problems
    );
    let _ = writeln!(s, "## Themes raised, most frequent first\n");
    let _ = writeln!(
        s,
        "| theme | 名称 | reports | share | first → last year | χ² p | |"
    );
    let _ = writeln!(s, "| --- | --- | ---: | ---: | --- | ---: | --- |");
    for r in t.ranked() {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.theme,
            md_escape(&r.name),
            r.reports,
            pct(r.share),
            trend_arrow(r.change_pp),
            r.p_value
                .map(|p| format!("{p:.3}"))
                .unwrap_or_else(|| "-".into()),
            if r.significant {
                "significant change"
            } else {
                ""
            }
        );
    }
    if !t.years.is_empty() {
        let _ = writeln!(s, "\n## Share of reports raising each theme, by year\n");
        let mut head = "| theme |".to_string();
        for y in &t.years {
            let _ = write!(head, " {y} |");
        }
        let _ = writeln!(s, "{head}");
        let _ = writeln!(s, "| --- |{}", " ---: |".repeat(t.years.len()));
        for th in &t.themes {
            let mut row = format!("| {} |", th.id);
            for y in &t.years {
                let cell = t
                    .frequency
                    .iter()
                    .find(|r| r.theme == th.id && r.year == Some(*y))
                    .map(|r| pct(r.share))
                    .unwrap_or_else(|| "-".into());
                let _ = write!(row, " {cell} |");
            }
            let _ = writeln!(s, "{row}");
        }
    }
    let _ = writeln!(
        s,
        "\n## Persistent problems (same unit, same theme, consecutive years)\n"
    );
    if t.persistent.is_empty() {
        let _ = writeln!(s, "None found.");
    } else {
        for p in &t.persistent {
            let _ = writeln!(
                s,
                "- {}: {} ({}) in {}",
                md_escape(&p.unit),
                md_escape(&p.name),
                p.theme,
                p.years.replace(';', ", ")
            );
        }
    }
    reading(&mut s, t);
    let _ = writeln!(s, "\n## Raised without a matching measure\n");
    let _ = writeln!(s, "| theme | raised | without measure | share |");
    let _ = writeln!(s, "| --- | ---: | ---: | ---: |");
    for c in &t.coverage {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            c.theme,
            c.raised,
            c.uncovered,
            pct(c.uncovered_share)
        );
    }
    s
}

/// How the files were read: reports where no problem was found, and the repairs made to the text.
fn reading(s: &mut String, t: &Tables) {
    let _ = writeln!(s, "\n## How the reports were read\n");
    if t.without_problems == 0 {
        let _ = writeln!(s, "A problem or cause statement was found in every report.");
    } else {
        let _ = writeln!(
            s,
            "No problem or cause statement was found in {} report(s); in {} of them a heading announces \
             problems or causes, so their structure is worth a look (`shuzhi inspect FILE`). Each carries a \
             warning in reports.jsonl.",
            t.without_problems, t.without_problems_headed
        );
        let shown = t.silent_reports.len();
        let more = t.without_problems.saturating_sub(shown as u64);
        let _ = writeln!(s);
        for id in &t.silent_reports {
            let _ = writeln!(s, "- {}", md_escape(id));
        }
        if more > 0 {
            let _ = writeln!(s, "- … and {more} more");
        }
    }
    if !t.repairs.is_empty() {
        let _ = writeln!(s, "\nText repaired before reading (reports):\n");
        let _ = writeln!(s, "| repair | reports |");
        let _ = writeln!(s, "| --- | ---: |");
        for (k, n) in &t.repairs {
            let _ = writeln!(s, "| {k} | {n} |");
        }
    }
}

/// A report id, unit name or other user text made safe inside Markdown: no HTML, no table pipes, one
/// line, emphasis, link and code characters literal. (Theme ids are snake_case by the taxonomy's rules and
/// go in as they are.)
fn md_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '`' | '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A compact table for the terminal: every theme of the taxonomy, most frequent first.
pub fn terminal(t: &Tables) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} reports, {} skipped. Themes (reports raising them):",
        t.reports_total, t.skipped
    );
    for r in t.ranked() {
        let _ = writeln!(
            s,
            "  {:<28} {:>6} {:>7}  {:<16} {}",
            r.theme,
            r.reports,
            pct(r.share),
            trend_arrow(r.change_pp),
            r.name
        );
    }
    s
}
