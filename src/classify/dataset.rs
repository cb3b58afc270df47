//! Labelled statements gathered from a corpus: the examples that models are trained and evaluated on.

use super::features::Input;
use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::labels::{self, Label};
use crate::structure::Role;
use crate::themes::Taxonomy;
use std::collections::HashMap;
use std::path::Path;

/// One labelled statement with what the features need.
#[derive(Debug, Clone)]
pub struct Example {
    /// Report id.
    pub report: String,
    /// Report year.
    pub year: Option<i32>,
    /// Statement index in the report.
    pub statement: usize,
    /// Role.
    pub role: Role,
    /// Statement text.
    pub text: String,
    /// Filtered tokens.
    pub tokens: Vec<String>,
    /// Themes whose rules fire.
    pub rules: Vec<usize>,
    /// Gold themes.
    pub gold: Vec<usize>,
}

impl Example {
    /// The feature extractor's view of this example.
    pub fn input(&self) -> Input<'_> {
        Input {
            tokens: &self.tokens,
            text: &self.text,
            role: self.role,
            rules: &self.rules,
        }
    }
}

/// Examples plus what resolving the labels had to say.
#[derive(Debug)]
pub struct Dataset {
    /// Examples, sorted by report and statement.
    pub examples: Vec<Example>,
    /// Non-fatal remarks.
    pub warnings: Vec<String>,
}

/// Resolves labels against a parsed corpus.
///
/// # Errors
/// Every label that matches no statement, several statements or an unknown report, listed with line numbers.
pub fn build(
    corpus: &Corpus,
    labels_path: &Path,
    labels: &[Label],
    taxonomy: &Taxonomy,
) -> Result<Dataset> {
    let res = labels::resolve(
        labels_path,
        labels,
        &labels::targets(&corpus.reports),
        taxonomy,
    );
    if !res.errors.is_empty() {
        return Err(Error::data(
            labels_path,
            0,
            format!(
                "{} label(s) do not resolve:\n{}",
                res.errors.len(),
                res.errors.join("\n")
            ),
        ));
    }
    let by_id: HashMap<&str, &crate::pipeline::Parsed> = corpus
        .reports
        .iter()
        .map(|p| (p.doc.id.as_str(), p))
        .collect();
    let mut examples = Vec::new();
    for r in res.statements {
        let p = by_id[r.report.as_str()];
        let st = p
            .structure
            .statements()
            .nth(r.statement)
            .expect("resolved index");
        examples.push(Example {
            report: r.report.clone(),
            year: p.meta.year,
            statement: r.statement,
            role: st.role,
            rules: taxonomy
                .rule_hits(&st.text)
                .iter()
                .map(|h| h.theme)
                .collect(),
            text: st.text.clone(),
            tokens: p.tokens[r.statement].clone(),
            gold: r.themes,
        });
    }
    Ok(Dataset {
        examples,
        warnings: res.warnings,
    })
}

/// Parses `A-B`, `A` or `A-` / `-B` into an inclusive year range.
///
/// # Errors
/// [`Error::Invalid`] for anything else.
pub fn parse_years(s: &str) -> Result<(i32, i32)> {
    let bad = || {
        Error::Invalid(format!(
            "--years '{}': expected YEAR or FROM-TO, e.g. 2019-2024",
            crate::error::clip(s)
        ))
    };
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (s.trim(), s.trim()),
    };
    let a = if a.is_empty() {
        i32::MIN
    } else {
        a.parse().map_err(|_| bad())?
    };
    let b = if b.is_empty() {
        i32::MAX
    } else {
        b.parse().map_err(|_| bad())?
    };
    if a > b {
        return Err(bad());
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_ranges() {
        assert_eq!(parse_years("2019-2024").unwrap(), (2019, 2024));
        assert_eq!(parse_years("2025").unwrap(), (2025, 2025));
        assert_eq!(parse_years("2020-").unwrap(), (2020, i32::MAX));
        assert!(parse_years("2024-2019").is_err());
        assert!(parse_years("abc").is_err());
    }
}
