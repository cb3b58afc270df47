//! One parsed report → its `reports.jsonl` record and `mentions.jsonl` lines.

use crate::aggregate::{Mention, ReportRecord};
use crate::classify::Engine;
use crate::pipeline::Parsed;
use crate::structure::Role;
use crate::themes::RuleHit;
use std::collections::{BTreeMap, BTreeSet};

/// Classifies every problem, cause and measure statement of a report and summarises the report.
pub fn report_findings(p: &Parsed, engine: &Engine) -> (ReportRecord, Vec<Mention>) {
    report_findings_ruled(p, engine, &statement_rule_hits(p, engine))
}

/// The rule hits of each statement of a report, in [`Parsed::statements`] order (none for the statements
/// that are not classified): the first part of [`report_findings`], which a batch runs for many reports
/// before the rest.
pub fn statement_rule_hits(p: &Parsed, engine: &Engine) -> Vec<Vec<RuleHit>> {
    p.statements()
        .map(|(_, st, _)| {
            if st.role.classified() {
                engine.taxonomy.rule_hits(&st.text)
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// [`report_findings`] given [`statement_rule_hits`] of the report.
pub fn report_findings_ruled(
    p: &Parsed,
    engine: &Engine,
    rule_hits: &[Vec<RuleHit>],
) -> (ReportRecord, Vec<Mention>) {
    let tax = &engine.taxonomy;
    let mut raised: BTreeSet<String> = BTreeSet::new();
    let mut measures: BTreeSet<String> = BTreeSet::new();
    let mut theme_statements: BTreeMap<String, usize> = BTreeMap::new();
    let mut mentions = Vec::new();
    let mut problem_statements = 0;
    let mut n = 0;
    for (i, st, tokens) in p.statements() {
        n += 1;
        if st.role.raises() {
            problem_statements += 1;
        }
        let starts = p.starts.get(i).map(Vec::as_slice);
        for h in engine.classify_ruled(&st.text, tokens, starts, st.role, &rule_hits[i]) {
            let id = tax.themes[h.theme].id.clone();
            match st.role {
                Role::Problem | Role::Cause => {
                    raised.insert(id.clone());
                    *theme_statements.entry(id.clone()).or_default() += 1;
                }
                Role::Measure => {
                    measures.insert(id.clone());
                }
                _ => {}
            }
            let text: String = st
                .text
                .chars()
                .skip(h.evidence.0)
                .take(h.evidence.1 - h.evidence.0)
                .collect();
            mentions.push(Mention {
                report: p.doc.id.clone(),
                year: p.meta.year,
                role: st.role.to_string(),
                statement: i,
                text,
                start: st.start + h.evidence.0,
                end: st.start + h.evidence.1,
                theme: id,
                score: (h.score as f64 * 10_000.0).round() / 10_000.0,
                source: h.source.as_str().to_string(),
                cues: h.cues,
            });
        }
    }
    let uncovered = raised.difference(&measures).cloned().collect();
    let record = ReportRecord {
        id: p.doc.id.clone(),
        path: p.doc.path.clone(),
        year: p.meta.year,
        unit: p.meta.unit.clone(),
        unit_type: p.meta.unit_type.clone(),
        groups: p.meta.groups.clone(),
        encoding: p.doc.encoding.clone(),
        raised: raised.into_iter().collect(),
        measures: measures.into_iter().collect(),
        uncovered,
        statements: n,
        problem_statements,
        theme_statements,
        warnings: p.doc.warnings.clone(),
        normalized: p
            .normalized
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        roles_by: p.structure.statements().fold(BTreeMap::new(), |mut m, s| {
            *m.entry(s.role_by.as_str().to_string()).or_default() += 1;
            m
        }),
    };
    (record, mentions)
}
