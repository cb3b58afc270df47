//! The binary on its own: copied alone into an empty folder on the PATH, run from a folder with no models/,
//! it analyses reports with the model built into it, and gives the same outputs as `--model models/default`.

mod common;

use assert_cmd::Command;
use common::{expect_code, repo};
use std::fs;
use std::path::{Path, PathBuf};

/// The files of one analyze run that carry results (not the progress-free terminal output).
const OUTPUTS: [&str; 8] = [
    "reports.jsonl",
    "mentions.jsonl",
    "theme_frequency.csv",
    "theme_trends.csv",
    "theme_by_group.csv",
    "summary.md",
    "report.html",
    "aggregate.json",
];

/// A temp folder holding `bin/shuzhi` (a copy of the built binary, nothing else) and `work/reports/` (one year
/// of the shipped corpus).
fn installed() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::copy(env!("CARGO_BIN_EXE_shuzhi"), bin.join("shuzhi")).unwrap();
    let work = tmp.path().join("work");
    let reports = work.join("reports").join("2025");
    fs::create_dir_all(&reports).unwrap();
    for e in fs::read_dir(repo().join("corpus/2025")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), reports.join(e.file_name())).unwrap();
    }
    (tmp, bin, work)
}

/// `shuzhi` found on a PATH that holds only the copy, run in `work`.
fn on_path(bin: &Path, work: &Path) -> Command {
    let mut cmd = Command::new("shuzhi");
    cmd.env_clear().env("PATH", bin).current_dir(work);
    cmd
}

/// The checksum recorded in the envelope of `models/default/model.json`.
fn default_checksum() -> String {
    let text = fs::read_to_string(repo().join("models/default/model.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["checksum"].as_str().unwrap().to_string()
}

#[test]
fn a_lone_binary_analyses_with_its_built_in_model() {
    let (_tmp, bin, work) = installed();
    assert!(!work.join("models").exists());
    let out = on_path(&bin, &work)
        .args(["analyze", "reports", "--out", "out", "--quiet"])
        .output()
        .unwrap();
    expect_code(&out, 0);
    let reports = fs::read_to_string(work.join("out/reports.jsonl")).unwrap();
    let n = reports.lines().count();
    let with_themes = reports
        .lines()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            !v["raised"].as_array().unwrap().is_empty()
        })
        .count();
    assert!(n >= 30, "{n} reports");
    assert!(
        with_themes * 10 >= n * 9,
        "{with_themes} of {n} raise a theme"
    );

    // The same reports, from the same folder, with the model folder the binary was built from: the same bytes.
    common::shuzhi()
        .current_dir(&work)
        .args(["analyze", "reports", "--quiet", "--out", "ref", "--model"])
        .arg(repo().join("models/default"))
        .assert()
        .success();
    let reference = work.join("ref");
    for f in OUTPUTS {
        assert!(
            fs::read(work.join("out").join(f)).unwrap() == fs::read(reference.join(f)).unwrap(),
            "{f} differs between the built-in model and models/default"
        );
    }
}

#[test]
fn version_and_model_name_the_built_in_model() {
    let (_tmp, bin, work) = installed();
    let checksum = default_checksum();
    let out = on_path(&bin, &work).arg("--version").output().unwrap();
    let version = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(
        version.contains(&checksum),
        "--version should name the model built from models/default ({checksum}):\n{version}"
    );
    let out = on_path(&bin, &work)
        .args(["model", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["name"], "default");
    assert_eq!(d["checksum"], checksum.as_str());
    assert!(d["source"].as_str().unwrap().contains("built in"));
    assert!(d["training"]["statements"].as_u64().unwrap() > 0);
    let themes = shuzhi::themes::Taxonomy::load(&repo().join("models/default/themes.toml"))
        .unwrap()
        .len();
    assert_eq!(d["themes"].as_array().unwrap().len(), themes);
    let card = on_path(&bin, &work)
        .args(["model", "--card"])
        .output()
        .unwrap();
    assert_eq!(
        card.stdout,
        fs::read(repo().join("models/default/MODEL.md")).unwrap()
    );
}

#[test]
fn a_model_folder_still_overrides_and_a_missing_one_is_an_error() {
    let (_tmp, bin, work) = installed();
    // A model folder copied beside the reports, given with --model: used, and named by `shuzhi model`.
    let mine = work.join("mine");
    fs::create_dir_all(&mine).unwrap();
    for e in fs::read_dir(repo().join("models/default")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), mine.join(e.file_name())).unwrap();
    }
    let out = on_path(&bin, &work)
        .args(["model", "--json", "--model", "mine"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (d["name"].as_str(), d["source"].as_str()),
        (Some("mine"), Some("mine"))
    );
    on_path(&bin, &work)
        .args([
            "analyze", "reports", "--out", "out", "--quiet", "--model", "mine",
        ])
        .assert()
        .success();
    // An absent folder is an error naming it, never a silent fall-back to the built-in model.
    let out = on_path(&bin, &work)
        .args([
            "analyze",
            "reports",
            "--out",
            "out2",
            "--quiet",
            "--model",
            "models/default",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("models/default") && e.contains("model.json"),
        "{e}"
    );
    assert!(!work.join("out2/reports.jsonl").exists());
}
