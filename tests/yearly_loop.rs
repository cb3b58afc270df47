//! The yearly loop end to end on a small copy of the corpus: train on one year, export the next year's
//! statements, fill the sheet, import it, retrain, and compare the two models.

mod common;

use common::{repo, shuzhi};
use std::collections::HashMap;
use std::fs;
use std::path::Path;

fn copy_year(src: &Path, dst: &Path, year: &str) {
    fs::create_dir_all(dst.join(year)).unwrap();
    for e in fs::read_dir(src.join(year)).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dst.join(year).join(e.file_name())).unwrap();
    }
}

#[derive(serde::Deserialize)]
struct Gold {
    report: String,
    text: String,
    themes: Vec<String>,
}

#[test]
fn export_edit_import_train_compare() {
    let tmp = tempfile::tempdir().unwrap();
    let src = repo().join("corpus");
    let corpus = tmp.path().join("corpus");
    let (old_year, new_year) = ("2023", "2024");
    for y in [old_year, new_year] {
        copy_year(&src, &corpus, y);
    }
    let manifest = fs::read_to_string(src.join("manifest.csv")).unwrap();
    let kept: Vec<&str> = manifest
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.starts_with(old_year) || l.starts_with(new_year))
        .map(|(_, l)| l)
        .collect();
    fs::write(corpus.join("manifest.csv"), kept.join("\n") + "\n").unwrap();

    // Labels of the first year only; the second year's gold labels stand in for the labeller.
    let all = fs::read_to_string(src.join("labels.jsonl")).unwrap();
    let mut first = String::new();
    let mut gold: HashMap<String, Vec<Gold>> = HashMap::new();
    for line in all.lines().filter(|l| !l.trim().is_empty()) {
        let g: Gold = serde_json::from_str(line).unwrap();
        if g.report.starts_with(old_year) {
            first.push_str(line);
            first.push('\n');
        } else if g.report.starts_with(new_year) {
            gold.entry(g.report.clone()).or_default().push(g);
        }
    }
    let labels = corpus.join("labels.jsonl");
    fs::write(&labels, &first).unwrap();

    let old_model = tmp.path().join("m_old");
    let new_model = tmp.path().join("m_new");
    let train = |out: &Path| {
        shuzhi()
            .args(["train", "--quiet", "--threshold-folds", "3", "--corpus"])
            .arg(&corpus)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
    };
    train(&old_model);

    // Export the new year's statements.
    let sheet = tmp.path().join("sheet.csv");
    shuzhi()
        .args(["label", "export", "--years", new_year, "--model"])
        .arg(&old_model)
        .arg("--out")
        .arg(&sheet)
        .arg(&corpus)
        .assert()
        .success();

    // "Edit": fill the themes column from the gold labels.
    let mut rdr = csv::Reader::from_path(&sheet).unwrap();
    let header: Vec<String> = rdr
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim_start_matches('\u{FEFF}').to_string())
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (rc, xc, tc) = (col("report"), col("text"), col("themes"));
    let mut wtr = csv::Writer::from_path(tmp.path().join("filled.csv")).unwrap();
    wtr.write_record(&header).unwrap();
    let mut filled = 0;
    for rec in rdr.records() {
        let mut rec: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
        let hit = gold
            .get(&rec[rc])
            .and_then(|gs| gs.iter().find(|g| rec[xc].contains(&g.text)));
        if let Some(g) = hit {
            rec[tc] = if g.themes.is_empty() {
                "-".into()
            } else {
                g.themes.join(";")
            };
            filled += 1;
        }
        wtr.write_record(&rec).unwrap();
    }
    wtr.flush().unwrap();
    assert!(filled > 50, "only {filled} rows filled");

    let import = || {
        shuzhi()
            .args(["label", "import"])
            .arg(tmp.path().join("filled.csv"))
            .arg("--labels")
            .arg(&labels)
            .arg("--corpus")
            .arg(&corpus)
            .assert()
            .success()
    };
    let out = import();
    let printed = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        printed.contains(&format!("{filled} added, 0 changed")),
        "{printed}"
    );
    // Importing again changes nothing.
    let again = import();
    assert!(String::from_utf8_lossy(&again.get_output().stdout)
        .contains(&format!("0 added, 0 changed, {filled} unchanged")));

    train(&new_model);

    let md = tmp.path().join("compare.md");
    let out = shuzhi()
        .arg("compare")
        .arg("--old")
        .arg(&old_model)
        .arg("--new")
        .arg(&new_model)
        .arg("--corpus")
        .arg(&corpus)
        .arg("--out")
        .arg(&md)
        .assert()
        .success();
    let printed = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        printed.contains(&format!("F1 on {new_year} labels")),
        "{printed}"
    );
    let micro: Vec<f64> = printed
        .lines()
        .find(|l| l.trim_start().starts_with("micro"))
        .unwrap()
        .split_whitespace()
        .skip(1)
        .take(2)
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        micro[1] > micro[0] + 0.02,
        "adding a year's labels should help on that year: {printed}"
    );
    let md = fs::read_to_string(md).unwrap();
    assert!(md.contains("| theme | 2023 | 2024 |"), "{md}");
    assert!(md.contains("moved most"), "{md}");
}
