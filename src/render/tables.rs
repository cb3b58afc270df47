//! The tables every renderer shows, computed once from an [`Aggregate`]: theme frequency by year, trends with
//! a chi-square test, theme × group, persistent problems, problem–measure coverage.

use crate::aggregate::{Aggregate, Evidence};
use crate::themes::Taxonomy;
use serde::Serialize;
use std::collections::BTreeMap;

/// Significance level for flagging a theme × year association.
pub const ALPHA: f64 = 0.05;

/// Theme id, family and name.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeInfo {
    /// Id.
    pub id: String,
    /// `problem` or `cause`.
    pub family: String,
    /// Chinese name.
    pub name: String,
}

/// A row of `theme_frequency.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct FreqRow {
    /// Theme id.
    pub theme: String,
    /// Family.
    pub family: String,
    /// Name.
    pub name: String,
    /// Year (None = unknown).
    pub year: Option<i32>,
    /// Reports raising it.
    pub reports: u64,
    /// Reports of that year.
    pub reports_total: u64,
    /// reports / reports_total.
    pub share: f64,
    /// Problem/cause statements carrying it.
    pub statements: u64,
    /// Share change vs the previous known year, in percentage points.
    pub delta_pp: Option<f64>,
}

/// A row of `theme_trends.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct TrendRow {
    /// Theme id.
    pub theme: String,
    /// Name.
    pub name: String,
    /// Reports raising it, all years.
    pub reports: u64,
    /// Share of all reports.
    pub share: f64,
    /// Share in the first known year.
    pub first_share: Option<f64>,
    /// Share in the last known year.
    pub last_share: Option<f64>,
    /// last − first, percentage points.
    pub change_pp: Option<f64>,
    /// Chi-square statistic of theme × year.
    pub chi2: Option<f64>,
    /// Degrees of freedom.
    pub df: Option<u32>,
    /// p-value.
    pub p_value: Option<f64>,
    /// p < 0.05.
    pub significant: bool,
    /// Smallest expected cell count (below 5 the test is rough).
    pub min_expected: Option<f64>,
}

/// A row of the theme × group table.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    /// Theme id.
    pub theme: String,
    /// Name.
    pub name: String,
    /// Group value(s), joined by " | ".
    pub group: String,
    /// Reports raising it.
    pub reports: u64,
    /// Reports in the group.
    pub reports_total: u64,
    /// Share.
    pub share: f64,
    /// Statements.
    pub statements: u64,
}

/// A unit that raised a theme in consecutive years.
#[derive(Debug, Clone, Serialize)]
pub struct PersistRow {
    /// Unit (with region when known).
    pub unit: String,
    /// Theme id.
    pub theme: String,
    /// Name.
    pub name: String,
    /// Years raised, joined by ";".
    pub years: String,
}

/// Per theme: how often a raised theme has no measure of the same theme.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    /// Theme id.
    pub theme: String,
    /// Name.
    pub name: String,
    /// Reports raising it.
    pub raised: u64,
    /// Of those, with no matching measure.
    pub uncovered: u64,
    /// uncovered / raised.
    pub uncovered_share: f64,
}

/// Everything a renderer needs.
#[derive(Debug, Clone, Serialize)]
pub struct Tables {
    /// Themes in taxonomy order.
    pub themes: Vec<ThemeInfo>,
    /// Known years.
    pub years: Vec<i32>,
    /// Reports analysed.
    pub reports_total: u64,
    /// Reports without any problem or cause statement.
    pub without_problems: u64,
    /// Of those, reports where a heading announced problems or causes.
    pub without_problems_headed: u64,
    /// The first of those reports by id.
    pub silent_reports: Vec<String>,
    /// Reports per text repair.
    pub repairs: Vec<(String, u64)>,
    /// Inputs skipped.
    pub skipped: u64,
    /// Grouping dimensions of `groups`.
    pub by: Vec<String>,
    /// Theme × year.
    pub frequency: Vec<FreqRow>,
    /// Per theme trend.
    pub trends: Vec<TrendRow>,
    /// Theme × group.
    pub groups: Vec<GroupRow>,
    /// Persistent problems.
    pub persistent: Vec<PersistRow>,
    /// Coverage by measures.
    pub coverage: Vec<CoverageRow>,
    /// Best evidence sentences per theme id.
    pub evidence: BTreeMap<String, Vec<Evidence>>,
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Rounds for output, so files are stable and readable.
pub fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

impl Tables {
    /// Computes all tables.
    pub fn build(agg: &Aggregate, tax: &Taxonomy, skipped: u64) -> Tables {
        let themes: Vec<ThemeInfo> = tax
            .themes
            .iter()
            .map(|t| ThemeInfo {
                id: t.id.clone(),
                family: t.family.as_str().to_string(),
                name: t.name.clone(),
            })
            .collect();
        let years = agg.years();
        let mut year_keys: Vec<Option<i32>> = years.iter().map(|&y| Some(y)).collect();
        if agg.year(None).is_some() {
            year_keys.push(None);
        }
        let get = |v: &Vec<u64>, i: usize| v.get(i).copied().unwrap_or(0);
        let mut frequency = Vec::new();
        let mut trends = Vec::new();
        let mut coverage = Vec::new();
        let total = agg.reports();
        for (i, th) in themes.iter().enumerate() {
            let mut prev: Option<f64> = None;
            for y in &year_keys {
                let Some(c) = agg.year(*y) else { continue };
                let s = share(get(&c.raised, i), c.reports);
                let delta = match (y, prev) {
                    (Some(_), Some(p)) => Some(round((s - p) * 100.0, 2)),
                    _ => None,
                };
                if y.is_some() {
                    prev = Some(s);
                }
                frequency.push(FreqRow {
                    theme: th.id.clone(),
                    family: th.family.clone(),
                    name: th.name.clone(),
                    year: *y,
                    reports: get(&c.raised, i),
                    reports_total: c.reports,
                    share: round(s, 4),
                    statements: get(&c.statements, i),
                    delta_pp: delta,
                });
            }
            let raised: u64 = agg.by_year.values().map(|c| get(&c.raised, i)).sum();
            let uncovered: u64 = agg.by_year.values().map(|c| get(&c.uncovered, i)).sum();
            let ys = |y: Option<&i32>| {
                y.and_then(|y| agg.year(Some(*y)))
                    .map(|c| share(get(&c.raised, i), c.reports))
            };
            let (first, last) = (ys(years.first()), ys(years.last()));
            let chi = agg.chi_square(i);
            trends.push(TrendRow {
                theme: th.id.clone(),
                name: th.name.clone(),
                reports: raised,
                share: round(share(raised, total), 4),
                first_share: first.map(|v| round(v, 4)),
                last_share: last.map(|v| round(v, 4)),
                change_pp: first.zip(last).map(|(a, b)| round((b - a) * 100.0, 2)),
                chi2: chi.map(|c| round(c.0, 4)),
                df: chi.map(|c| c.1),
                p_value: chi.map(|c| round(c.2, 6)),
                significant: chi.is_some_and(|c| c.2 < ALPHA),
                min_expected: chi.map(|c| round(c.3, 2)),
            });
            coverage.push(CoverageRow {
                theme: th.id.clone(),
                name: th.name.clone(),
                raised,
                uncovered,
                uncovered_share: round(share(uncovered, raised), 4),
            });
        }
        let mut groups = Vec::new();
        for (i, th) in themes.iter().enumerate() {
            for (g, c) in &agg.by_group {
                groups.push(GroupRow {
                    theme: th.id.clone(),
                    name: th.name.clone(),
                    group: g.clone(),
                    reports: get(&c.raised, i),
                    reports_total: c.reports,
                    share: round(share(get(&c.raised, i), c.reports), 4),
                    statements: get(&c.statements, i),
                });
            }
        }
        let name_of = |id: &str| {
            themes
                .iter()
                .find(|t| t.id == id)
                .map(|t| t.name.clone())
                .unwrap_or_default()
        };
        let persistent = agg
            .persistent_problems()
            .into_iter()
            .map(|(unit, theme, ys)| PersistRow {
                name: name_of(&theme),
                unit,
                theme,
                years: ys
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join(";"),
            })
            .collect();
        Tables {
            themes,
            years,
            reports_total: total,
            without_problems: agg.without_problems,
            without_problems_headed: agg.without_problems_headed,
            silent_reports: agg.silent_reports.clone(),
            repairs: agg.repairs.iter().map(|(k, &n)| (k.clone(), n)).collect(),
            skipped,
            by: agg.by.clone(),
            frequency,
            trends,
            groups,
            persistent,
            coverage,
            evidence: agg.evidence.clone(),
        }
    }

    /// Trend rows, most raised first (ties by id): the order every renderer lists themes in.
    pub fn ranked(&self) -> Vec<&TrendRow> {
        let mut rows: Vec<_> = self.trends.iter().collect();
        rows.sort_by(|a, b| {
            b.reports
                .cmp(&a.reports)
                .then_with(|| a.theme.cmp(&b.theme))
        });
        rows
    }

    /// Theme name by id.
    pub fn name(&self, id: &str) -> &str {
        self.themes
            .iter()
            .find(|t| t.id == id)
            .map_or("", |t| t.name.as_str())
    }
}

/// Chinese label of a theme family (`problem` → 问题, `cause` → 原因).
pub fn family_zh(f: &str) -> &str {
    match f {
        "problem" => "问题",
        "cause" => "原因",
        other => other,
    }
}

/// Chinese label of a statement role.
pub fn role_zh(r: &str) -> &str {
    match r {
        "problem" => "问题",
        "cause" => "原因",
        "measure" => "措施",
        other => other,
    }
}

/// Chinese label of a grouping dimension (manifest columns other than the known ones keep their name).
pub fn dim_zh(d: &str) -> &str {
    match d {
        "year" => "年份",
        "unit" => "单位",
        "unit_type" => "单位类型",
        "region" => "地区",
        other => other,
    }
}
