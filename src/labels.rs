//! `labels.jsonl`: labelled statements for training and evaluation.
//!
//! A label names a report and a fragment of one of its statements; the fragment must fall inside exactly one
//! statement as the structure stage splits it. Errors name the line, so a labeller can fix the file.

use crate::error::{clip, Error, Result};
use crate::ingest::decode::normalize;
use crate::pipeline::Parsed;
use crate::structure::{Role, Structure};
use crate::themes::Taxonomy;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// One line of `labels.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// Report id (path relative to the corpus root).
    pub report: String,
    /// A fragment of the statement's text.
    pub text: String,
    /// Theme ids; empty for a statement that carries none.
    pub themes: Vec<String>,
    /// The statement's role as the labeller reads it, when given: what the statement-role model learns
    /// from (the structure stage decides roles at run time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// 1-based line in the file (not serialised).
    #[serde(skip)]
    pub line: usize,
}

/// Parses `labels.jsonl`, checking JSON and theme ids.
///
/// # Errors
/// Every bad line, as one error listing them all (`labels.jsonl:12: unknown theme id 'x'`).
pub fn parse(path: &Path, text: &str, taxonomy: &Taxonomy) -> Result<Vec<Label>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let l = line.trim_start_matches('\u{FEFF}').trim();
        if l.is_empty() {
            continue;
        }
        match serde_json::from_str::<Label>(l) {
            Ok(mut label) => {
                label.line = line_no;
                label.text = normalize_fragment(&label.text);
                if label.text.is_empty() {
                    errors.push(format!("{}:{line_no}: empty text fragment", path.display()));
                    continue;
                }
                for id in &label.themes {
                    if taxonomy.index(id).is_none() {
                        errors.push(format!(
                            "{}:{line_no}: unknown theme id '{}'",
                            path.display(),
                            clip(id)
                        ));
                    }
                }
                out.push(label);
            }
            Err(e) => errors.push(format!(
                "{}:{line_no}: bad JSON: {}",
                path.display(),
                clip(&e.to_string())
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::data(
            path,
            0,
            format!("{} bad line(s):\n{}", errors.len(), errors.join("\n")),
        ))
    }
}

/// A label fragment as it must appear in a normalised statement: whitespace folded like decoded text, then
/// script and punctuation normalised like the text, trimmed.
pub fn normalize_fragment(fragment: &str) -> String {
    crate::normalize::fragment(&normalize(fragment))
        .trim()
        .to_string()
}

/// Reads and parses a labels file.
///
/// # Errors
/// See [`parse`].
pub fn load(path: &Path, taxonomy: &Taxonomy) -> Result<Vec<Label>> {
    let text = crate::regular_file::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(path, &text, taxonomy)
}

/// A label resolved to its statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Report id.
    pub report: String,
    /// Index of the statement in the report (document order).
    pub statement: usize,
    /// Role of that statement, as the structure stage found it.
    pub role: Role,
    /// Role the labeller gave, if any (the last line that gave one wins).
    pub labelled_role: Option<Role>,
    /// Theme indices into the taxonomy, sorted, unique.
    pub themes: Vec<usize>,
    /// Lines of the labels file that point here.
    pub lines: Vec<usize>,
}

/// Outcome of matching labels against structured reports.
#[derive(Debug, Default)]
pub struct Resolution {
    /// Labelled statements, sorted by report and statement.
    pub statements: Vec<Resolved>,
    /// Labels that could not be resolved, with their line numbers.
    pub errors: Vec<String>,
    /// Non-fatal remarks (two labels on one statement, merged).
    pub warnings: Vec<String>,
}

/// What labels are resolved against: each report's structure and decoded text, by report id (borrowed).
pub type Targets<'a> = HashMap<&'a str, (&'a Structure, &'a str)>;

/// The [`Targets`] of parsed reports.
pub fn targets(reports: &[Parsed]) -> Targets<'_> {
    reports
        .iter()
        .map(|p| (p.doc.id.as_str(), (&p.structure, p.doc.text.as_str())))
        .collect()
}

/// Matches labels to statements of the given reports (by id).
pub fn resolve(
    path: &Path,
    labels: &[Label],
    reports: &Targets,
    taxonomy: &Taxonomy,
) -> Resolution {
    let mut res = Resolution::default();
    let mut by_key: BTreeMap<(String, usize), Resolved> = BTreeMap::new();
    let p = path.display();
    for label in labels {
        let Some(&(structure, text)) = reports.get(label.report.as_str()) else {
            res.errors.push(format!(
                "{p}:{}: unknown report '{}'",
                label.line,
                clip(&label.report)
            ));
            continue;
        };
        let hits: Vec<(usize, Role)> = structure
            .statements()
            .enumerate()
            .filter(|(_, s)| s.text.contains(&label.text))
            .map(|(i, s)| (i, s.role))
            .collect();
        match hits.as_slice() {
            [(i, role)] => {
                let mut themes: Vec<usize> = label
                    .themes
                    .iter()
                    .filter_map(|t| taxonomy.index(t))
                    .collect();
                let entry = by_key
                    .entry((label.report.clone(), *i))
                    .or_insert_with(|| Resolved {
                        report: label.report.clone(),
                        statement: *i,
                        role: *role,
                        labelled_role: None,
                        themes: Vec::new(),
                        lines: Vec::new(),
                    });
                if !entry.lines.is_empty() {
                    res.warnings.push(format!(
                        "{p}:{}: labels the same statement as line {} of '{}'; themes merged",
                        label.line,
                        entry.lines[0],
                        clip(&label.report)
                    ));
                }
                entry.lines.push(label.line);
                if label.role.is_some() {
                    entry.labelled_role = label.role;
                }
                entry.themes.append(&mut themes);
                entry.themes.sort_unstable();
                entry.themes.dedup();
            }
            [] => {
                let in_text = text.contains(&label.text);
                res.errors.push(format!(
                    "{p}:{}: fragment '{}' matches no statement of '{}'{}",
                    label.line,
                    clip(&label.text),
                    clip(&label.report),
                    if in_text {
                        " (it is in the text, but in a heading, lead-in or across two statements)"
                    } else {
                        " (not in the text)"
                    }
                ));
            }
            many => res.errors.push(format!(
                "{p}:{}: fragment '{}' matches {} statements of '{}' (make it longer)",
                label.line,
                clip(&label.text),
                many.len(),
                clip(&label.report)
            )),
        }
    }
    res.statements = by_key.into_values().collect();
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure;

    #[test]
    fn bad_lines_are_reported_with_numbers() {
        let tax = Taxonomy::builtin();
        let text = "{\"report\":\"a.txt\",\"text\":\"甲\",\"themes\":[\"member_aging\"]}\nnot json\n{\"report\":\"a.txt\",\"text\":\"乙\",\"themes\":[\"nope\"]}\n";
        let err = parse(Path::new("labels.jsonl"), text, &tax)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("labels.jsonl: 2 bad line(s)"), "{err}");
        assert!(err.contains("labels.jsonl:2: bad JSON"), "{err}");
        assert!(
            err.contains("labels.jsonl:3: unknown theme id 'nope'"),
            "{err}"
        );
    }

    #[test]
    fn fragments_resolve_to_exactly_one_statement() {
        let tax = Taxonomy::builtin();
        let doc = "标题\n一、存在问题\n（一）党员老化严重。\n（二）经费不足，党员活动难开展。\n";
        let structure = structure::build(doc);
        let reports: Targets = [("r.txt", (&structure, doc))].into_iter().collect();
        let labels = parse(
            Path::new("l.jsonl"),
            "{\"report\":\"r.txt\",\"text\":\"党员老化\",\"themes\":[\"member_aging\"]}\n\
             {\"report\":\"r.txt\",\"text\":\"党员\",\"themes\":[]}\n\
             {\"report\":\"r.txt\",\"text\":\"存在问题\",\"themes\":[]}\n\
             {\"report\":\"x.txt\",\"text\":\"党员\",\"themes\":[]}\n",
            &tax,
        )
        .unwrap();
        let r = resolve(Path::new("l.jsonl"), &labels, &reports, &tax);
        assert_eq!(r.statements.len(), 1);
        assert_eq!(r.statements[0].role, Role::Problem);
        assert_eq!(r.errors.len(), 3, "{:?}", r.errors);
        assert!(r.errors[0].contains("l.jsonl:2:") && r.errors[0].contains("matches 2 statements"));
        assert!(r.errors[1].contains("heading"));
        assert!(r.errors[2].contains("unknown report"));
    }
}
