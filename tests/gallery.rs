//! The held-out style gallery, run through the real binary: one test per layout, each with a floor under
//! its report-level macro-F1 (the figures in models/default/MODEL.md) so that a change that breaks a
//! layout shows here. Nothing is tuned on these documents.

mod common;

use shuzhi::gallery::{self, StyleScore};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

fn scores() -> &'static BTreeMap<String, StyleScore> {
    static S: OnceLock<BTreeMap<String, StyleScore>> = OnceLock::new();
    S.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        common::shuzhi()
            .args(["analyze", "tests/gallery", "--quiet", "--out"])
            .arg(out.path())
            .assert()
            .success();
        let expected = gallery::load(Path::new("tests/gallery/expected.jsonl")).unwrap();
        let text = std::fs::read_to_string(out.path().join("reports.jsonl")).unwrap();
        let raised: HashMap<String, Vec<String>> = text
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let ids = v["raised"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_string())
                    .collect();
                (v["id"].as_str().unwrap().to_string(), ids)
            })
            .collect();
        gallery::score(&expected, &raised)
    })
}

fn check(layout: &str, floor: f64, max_nothing: usize) {
    let s = &scores()[layout];
    assert_eq!(s.documents, if layout == "all" { 48 } else { 6 });
    assert!(
        s.macro_f1 >= floor,
        "{layout}: report macro-F1 {:.3} < {floor}",
        s.macro_f1
    );
    assert!(
        s.nothing_found <= max_nothing,
        "{layout}: nothing found in {} documents with problems",
        s.nothing_found
    );
}

#[test]
fn clean() {
    check("clean", 0.90, 0);
}

#[test]
fn traditional_script() {
    check("traditional", 0.88, 0);
}

#[test]
fn flattened() {
    check("flattened", 0.80, 0);
}

#[test]
fn hard_wrapped() {
    check("hardwrapped", 0.70, 1);
}

#[test]
fn ascii_punctuation() {
    check("ascii_punct", 0.88, 0);
}

#[test]
fn problems_without_a_heading() {
    check("no_heading", 0.75, 0);
}

#[test]
fn continuation_fragments() {
    check("fragment", 0.80, 0);
}

#[test]
fn scraped_noise() {
    check("noisy", 0.58, 1);
}

#[test]
fn whole_gallery() {
    check("all", 0.85, 2);
}
