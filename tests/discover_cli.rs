//! `shuzhi discover` on small corpora, where a new theme first shows: too few unplaced statements to choose the
//! number of clusters are listed, with a note, not refused; `--k` still splits them. The reports are the
//! 14th-theme fixture's (their 意识形态 statements fit none of the shipped themes), read with the built-in model.

mod common;

use common::{repo, shuzhi};
use std::fs;
use std::path::Path;

/// A corpus of the first `n` fixture reports.
fn corpus(n: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let year = tmp.path().join("2024");
    fs::create_dir_all(&year).unwrap();
    let src = repo().join("tests/fixtures/theme14/reports/2024");
    let mut files: Vec<_> = fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files.into_iter().take(n) {
        fs::copy(&f, year.join(f.file_name().unwrap())).unwrap();
    }
    tmp
}

fn discover(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let out = shuzhi()
        .arg("discover")
        .arg(dir)
        .args(["--json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "discover failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn few_unplaced_statements_are_listed_with_a_note() {
    let dir = corpus(2);
    let d = discover(dir.path(), &[]);
    let n = d["candidates"].as_u64().unwrap() as usize;
    assert!(
        (1..6).contains(&n),
        "{n} candidates: the set-up needs fewer than 6"
    );
    let clusters = d["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["size"].as_u64().unwrap() as usize, n);
    assert_eq!(
        clusters[0]["examples"].as_array().unwrap().len(),
        n,
        "every candidate listed"
    );
    assert!(clusters[0]["examples"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["text"].as_str().unwrap().contains("意识形态")));
    assert!(d["note"].as_str().unwrap().contains("too few"));

    // The text view says so too, and exits 0.
    let out = shuzhi().arg("discover").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("note: ") && text.contains("--k"), "{text}");

    // --k 2 splits the same few statements.
    let d = discover(dir.path(), &["--k", "2"]);
    assert_eq!(d["clusters"].as_array().unwrap().len(), 2);
    assert!(d.get("note").is_none());
}

#[test]
fn a_k_larger_than_the_candidates_is_an_error_naming_both() {
    let dir = corpus(1);
    let out = shuzhi()
        .arg("discover")
        .arg(dir.path())
        .args(["--k", "50"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("--k 50") && e.contains("candidate"), "{e}");
}
