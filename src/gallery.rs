//! The held-out style gallery: documents in the layouts real files arrive in, with the themes each raises,
//! scored report by report. Nothing in the rules, dictionaries or thresholds is tuned on it.
//!
//! `expected.jsonl` has one line per document: `{"report", "layout", "raised": [theme ids]}` (other fields
//! are kept for people). [`score`] compares those with what an analysis raised.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// One expected document.
#[derive(Debug, Clone, Deserialize)]
pub struct Expected {
    /// Report id (path relative to the gallery folder).
    pub report: String,
    /// Its layout (`clean`, `traditional`, `flattened`, …).
    pub layout: String,
    /// Themes its problem and cause statements raise.
    pub raised: Vec<String>,
}

/// Figures of one layout (or of all).
#[derive(Debug, Clone, PartialEq)]
pub struct StyleScore {
    /// Documents.
    pub documents: usize,
    /// Report-level macro-F1 over the themes with support.
    pub macro_f1: f64,
    /// Documents that raise something by the labels where nothing was found.
    pub nothing_found: usize,
}

/// Reads `expected.jsonl`.
///
/// # Errors
/// An unreadable file or a bad line (named).
pub fn load(path: &Path) -> Result<Vec<Expected>> {
    let text = crate::regular_file::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| Error::data(path, i + 1, format!("bad JSON: {e}")))
        })
        .collect()
}

fn macro_f1(docs: &[&Expected], found: &HashMap<&str, BTreeSet<&str>>) -> f64 {
    let themes: BTreeSet<&str> = docs
        .iter()
        .flat_map(|d| d.raised.iter().map(String::as_str))
        .collect();
    let empty = BTreeSet::new();
    let f1s: Vec<f64> = themes
        .iter()
        .map(|t| {
            let (mut tp, mut fp, mut fn_) = (0f64, 0f64, 0f64);
            for d in docs {
                let g = d.raised.iter().any(|x| x == t);
                let p = found.get(d.report.as_str()).unwrap_or(&empty).contains(t);
                match (g, p) {
                    (true, true) => tp += 1.0,
                    (false, true) => fp += 1.0,
                    (true, false) => fn_ += 1.0,
                    _ => {}
                }
            }
            if tp > 0.0 {
                2.0 * tp / (2.0 * tp + fp + fn_)
            } else {
                0.0
            }
        })
        .collect();
    if f1s.is_empty() {
        0.0
    } else {
        f1s.iter().sum::<f64>() / f1s.len() as f64
    }
}

/// Scores what was raised (report id → themes) against the expectations, per layout and over all
/// (key `all`).
pub fn score(
    expected: &[Expected],
    raised: &HashMap<String, Vec<String>>,
) -> BTreeMap<String, StyleScore> {
    let found: HashMap<&str, BTreeSet<&str>> = raised
        .iter()
        .map(|(k, v)| (k.as_str(), v.iter().map(String::as_str).collect()))
        .collect();
    let mut by: BTreeMap<String, Vec<&Expected>> = BTreeMap::new();
    for e in expected {
        by.entry(e.layout.clone()).or_default().push(e);
        by.entry("all".into()).or_default().push(e);
    }
    by.into_iter()
        .map(|(k, docs)| {
            let nothing = docs
                .iter()
                .filter(|d| {
                    !d.raised.is_empty()
                        && found.get(d.report.as_str()).is_none_or(|s| s.is_empty())
                })
                .count();
            let s = StyleScore {
                documents: docs.len(),
                macro_f1: macro_f1(&docs, &found),
                nothing_found: nothing,
            };
            (k, s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_per_layout() {
        let e = |r: &str, l: &str, t: &[&str]| Expected {
            report: r.into(),
            layout: l.into(),
            raised: t.iter().map(|s| s.to_string()).collect(),
        };
        let exp = [e("a", "clean", &["x", "y"]), e("b", "flat", &["x"])];
        let raised: HashMap<String, Vec<String>> =
            [("a".to_string(), vec!["x".to_string(), "y".to_string()])].into();
        let s = score(&exp, &raised);
        assert_eq!(s["clean"].macro_f1, 1.0);
        assert_eq!(s["flat"].nothing_found, 1);
        assert_eq!(s["flat"].macro_f1, 0.0);
        // x: tp 1, fn 1 → 2/3; y: 1 → macro 5/6.
        assert!((s["all"].macro_f1 - 5.0 / 6.0).abs() < 1e-9);
    }
}
