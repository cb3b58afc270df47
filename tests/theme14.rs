//! A fourteenth theme needs no code change: the shipped taxonomy plus one theme (tests/fixtures/theme14), a few
//! reports and labels for it, a model trained on them here, and every output carries the new theme.

mod common;

use common::{expect_code, repo, shuzhi};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

const NEW: &str = "ideology_work_weak";
const YEAR: &str = "2024";
const PREVIOUS: &str = "2023";

#[derive(serde::Deserialize)]
struct Label {
    report: String,
    text: String,
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// One year of the shipped corpus, the fixture's reports beside it, and labels where the fixture's relabel
/// the corpus statements it names; the taxonomy is models/themes.toml with the extra theme appended.
fn setup(tmp: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let fixture = repo().join("tests/fixtures/theme14");
    let corpus = tmp.join("corpus");
    let year = corpus.join(YEAR);
    fs::create_dir_all(&year).unwrap();
    for dir in [
        repo().join("corpus").join(YEAR),
        fixture.join("reports").join(YEAR),
    ] {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            fs::copy(e.path(), year.join(e.file_name())).unwrap();
        }
    }
    let extra = fs::read_to_string(fixture.join("labels.jsonl")).unwrap();
    let relabelled: BTreeSet<(String, String)> = extra
        .lines()
        .map(|l| serde_json::from_str::<Label>(l).unwrap())
        .map(|l| (l.report, l.text))
        .collect();
    let mut labels = String::new();
    for line in fs::read_to_string(repo().join("corpus/labels.jsonl"))
        .unwrap()
        .lines()
    {
        let l: Label = serde_json::from_str(line).unwrap();
        if l.report.starts_with(YEAR) && !relabelled.contains(&(l.report, l.text)) {
            labels.push_str(line);
            labels.push('\n');
        }
    }
    labels.push_str(&extra);
    fs::write(corpus.join("labels.jsonl"), labels).unwrap();
    let themes = tmp.join("themes.toml");
    let mut text = fs::read_to_string(repo().join("models/themes.toml")).unwrap();
    text.push_str(&fs::read_to_string(fixture.join("extra_theme.toml")).unwrap());
    fs::write(&themes, text).unwrap();
    (corpus, themes)
}

#[test]
fn a_fourteenth_theme_flows_through_training_and_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, themes) = setup(tmp.path());
    let taxonomy = shuzhi::themes::Taxonomy::load(&themes).unwrap();
    let n = taxonomy.len();
    assert_eq!(taxonomy.ids().last().map(String::as_str), Some(NEW));
    let model = tmp.path().join("model");
    shuzhi()
        .args(["train", "--quiet", "--threshold-folds", "3", "--corpus"])
        .arg(&corpus)
        .arg("--themes")
        .arg(&themes)
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let d: serde_json::Value = serde_json::from_slice(
        &shuzhi()
            .args(["model", "--json", "--model"])
            .arg(&model)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(d["themes"].as_array().unwrap().len(), n);

    // Analysed with one more year beside the training year, so that the trend chart is drawn.
    copy_dir(
        &repo().join("corpus").join(PREVIOUS),
        &corpus.join(PREVIOUS),
    );
    let out = tmp.path().join("out");
    let run = shuzhi()
        .arg("analyze")
        .arg(&corpus)
        .arg("--model")
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    expect_code(&run, 0);

    // The terminal summary: one line per theme of the taxonomy.
    let stderr = String::from_utf8(run.stderr).unwrap();
    for id in taxonomy.ids() {
        assert_eq!(
            stderr
                .lines()
                .filter(|l| l.trim_start().starts_with(&format!("{id} ")))
                .count(),
            1,
            "terminal summary line of {id}:\n{stderr}"
        );
    }

    // JSON: the fixture's reports raise the new theme, with evidence.
    let reports = fs::read_to_string(out.join("reports.jsonl")).unwrap();
    let raising: Vec<String> = reports
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["raised"].as_array().unwrap().iter().any(|t| t == NEW))
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    let fixture_reports = raising.iter().filter(|id| id.contains("/x0")).count();
    assert!(fixture_reports >= 5, "reports raising {NEW}: {raising:?}");
    let mentions = fs::read_to_string(out.join("mentions.jsonl")).unwrap();
    assert!(mentions
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .any(|m| m["theme"] == NEW && m["role"] == "problem"));

    // CSV: a row per theme (and year), the new one counting the reports above.
    let mut rdr = csv::Reader::from_path(out.join("theme_frequency.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2 * n, "two years, one row per theme and year");
    let row = rows
        .iter()
        .find(|r| &r[0] == NEW && &r[3] == YEAR)
        .expect("a row of the new theme");
    assert_eq!(&row[2], taxonomy.themes[n - 1].name.as_str());
    let in_year = raising.iter().filter(|id| id.starts_with(YEAR)).count();
    assert_eq!(row[4].parse::<usize>().unwrap(), in_year);
    for f in [
        "theme_trends.csv",
        "coverage.csv",
        "theme_by_group.csv",
        "summary.md",
    ] {
        let text = fs::read_to_string(out.join(f)).unwrap();
        assert!(text.contains(NEW), "{f} lacks {NEW}");
    }

    // XLSX: the frequency sheet has the new theme.
    use calamine::{DataType, Reader};
    let mut book = calamine::open_workbook_auto(out.join("report.xlsx")).unwrap();
    let mut found = false;
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        found |= range
            .rows()
            .any(|r| r.iter().any(|c| c.as_string().as_deref() == Some(NEW)));
    }
    assert!(found, "report.xlsx has no cell {NEW}");

    // HTML: the new theme's name and its own colour, and no colour reused for two themes.
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(&taxonomy.themes[n - 1].name));
    // The trend chart: a panel per theme, each line in its own colour.
    assert_eq!(
        html.matches("<div class=\"sm\">").count(),
        n,
        "one panel per theme"
    );
    let line_colours: BTreeSet<&str> = html
        .match_indices("<polyline points=\"")
        .filter_map(|(i, _)| html[i..].split("stroke=\"").nth(1))
        .map(|s| &s[..7])
        .collect();
    assert_eq!(line_colours.len(), n, "{line_colours:?}");
}
