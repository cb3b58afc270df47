//! Snapshots of the rendered outputs (insta): `summary.md`, the head of every CSV and the skeleton of
//! `report.html`, from `analyze` on the layout fixtures. A change of output shows in review as a changed
//! `.snap` file; accept it with `cargo insta review` (or `INSTA_UPDATE=always`) when it is meant.

mod common;

use common::shuzhi;
use std::path::Path;

fn analyze_layouts(out: &Path) {
    let o = shuzhi()
        .args(["analyze", "tests/fixtures/layouts", "--quiet", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The structural opening tags of an HTML page (with their id, class and heading text), runs of the same line
/// folded into one with a count: what a change of layout changes, not what a change of data changes.
fn html_skeleton(html: &str) -> String {
    const KEEP: [&str; 17] = [
        "html", "head", "body", "style", "script", "header", "main", "nav", "footer", "section",
        "h1", "h2", "h3", "table", "thead", "details", "svg",
    ];
    let tag = regex::Regex::new(r#"<(/?)([a-zA-Z0-9]+)([^>]*)>"#).unwrap();
    let attr = regex::Regex::new(r#"\b(id|class)="([^"]*)""#).unwrap();
    let mut lines: Vec<String> = Vec::new();
    for c in tag.captures_iter(html) {
        let name = c[2].to_ascii_lowercase();
        // Opening tags only: the order of sections is the skeleton, and repeated blocks then fold.
        if !c[1].is_empty() || !KEEP.contains(&name.as_str()) {
            continue;
        }
        let mut line = format!("<{name}");
        for a in attr.captures_iter(&c[3]) {
            line.push_str(&format!(" {}=\"{}\"", &a[1], &a[2]));
        }
        line.push('>');
        if name.starts_with('h') && name.len() == 2 {
            let rest = &html[c.get(0).unwrap().end()..];
            let text = rest.split('<').next().unwrap_or("");
            line.push_str(text.trim());
        }
        lines.push(line);
    }
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j < lines.len() && lines[j] == lines[i] {
            j += 1;
        }
        out.push_str(&lines[i]);
        if j - i > 1 {
            out.push_str(&format!(" ×{}", j - i));
        }
        out.push('\n');
        i = j;
    }
    out
}

#[test]
fn rendered_outputs_match_their_snapshots() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    analyze_layouts(&out);
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    insta::assert_snapshot!("summary_md", summary);

    let mut heads = String::new();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    for n in names {
        let text = std::fs::read_to_string(out.join(&n)).unwrap();
        heads.push_str(&format!("{n}: {}\n", text.lines().next().unwrap_or("")));
    }
    insta::assert_snapshot!("csv_heads", heads);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    insta::assert_snapshot!("html_skeleton", html_skeleton(&html));
}
