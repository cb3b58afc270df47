//! Additive counts of themes by year, by any manifest grouping, persistent problems per unit, and the best
//! evidence per theme. Everything here merges by addition, so shards can be combined into exactly the
//! tables one run gives.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};
use std::collections::{BTreeMap, BTreeSet};

/// One line of `reports.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRecord {
    /// Report id.
    pub id: String,
    /// Path read.
    pub path: String,
    /// Year, if known.
    pub year: Option<i32>,
    /// Unit name.
    pub unit: Option<String>,
    /// Unit type.
    pub unit_type: Option<String>,
    /// Extra manifest columns.
    pub groups: BTreeMap<String, String>,
    /// Encoding found.
    pub encoding: String,
    /// Theme ids raised (carried by a problem or cause statement), sorted.
    pub raised: Vec<String>,
    /// Theme ids of measure statements, sorted.
    pub measures: Vec<String>,
    /// Raised themes with no measure of the same theme.
    pub uncovered: Vec<String>,
    /// Statements in the report.
    pub statements: usize,
    /// Problem and cause statements.
    pub problem_statements: usize,
    /// Problem/cause statements carrying each raised theme.
    pub theme_statements: BTreeMap<String, usize>,
    /// Warnings (unknown year, replaced bytes, near-duplicates, …).
    pub warnings: Vec<String>,
    /// Repairs the normaliser made before structure (`traditional`, `unwrapped`, `split`, …).
    #[serde(default)]
    pub normalized: Vec<String>,
    /// How many statements got their role from a heading, a turn phrase, the role model or by default.
    #[serde(default)]
    pub roles_by: BTreeMap<String, usize>,
}

/// One line of `mentions.jsonl`: a (statement, theme) hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// Report id.
    pub report: String,
    /// Report year.
    pub year: Option<i32>,
    /// Role of the statement.
    pub role: String,
    /// Statement index in the report.
    pub statement: usize,
    /// The evidence sentence.
    pub text: String,
    /// Start of the evidence sentence (characters in the decoded text).
    pub start: usize,
    /// End of the evidence sentence.
    pub end: usize,
    /// Theme id.
    pub theme: String,
    /// Model probability (rounded to 4 decimals).
    pub score: f64,
    /// `model`, `rule` or `both`.
    pub source: String,
    /// Words that fired.
    pub cues: Vec<String>,
}

/// Counters of one cell (a year, or a group).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Reports in the cell.
    pub reports: u64,
    /// Reports raising each theme.
    pub raised: Vec<u64>,
    /// Problem/cause statements carrying each theme.
    pub statements: Vec<u64>,
    /// Reports raising each theme without a matching measure.
    pub uncovered: Vec<u64>,
}

impl Counts {
    fn ensure(&mut self, n: usize) {
        for v in [&mut self.raised, &mut self.statements, &mut self.uncovered] {
            v.resize(n.max(v.len()), 0);
        }
    }

    /// Adds another cell's counts; `None` when a count would overflow.
    fn add(&mut self, other: &Counts) -> Option<()> {
        self.ensure(other.raised.len());
        self.reports = self.reports.checked_add(other.reports)?;
        for (mine, theirs) in [
            (&mut self.raised, &other.raised),
            (&mut self.statements, &other.statements),
            (&mut self.uncovered, &other.uncovered),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a = a.checked_add(*b)?;
            }
        }
        Some(())
    }

    /// Whether the counts can come from a run over `themes` themes: one count per theme, no theme raised
    /// by more reports than the cell has, no more uncovered than raised.
    fn check(&self, themes: usize) -> std::result::Result<(), String> {
        for (what, v) in [
            ("raised", &self.raised),
            ("statements", &self.statements),
            ("uncovered", &self.uncovered),
        ] {
            if v.len() != themes {
                return Err(format!("{what} has {} counts for {themes} themes", v.len()));
            }
        }
        for i in 0..themes {
            if self.raised[i] > self.reports {
                return Err(format!(
                    "{} reports raise a theme in a cell of {} reports",
                    self.raised[i], self.reports
                ));
            }
            if self.uncovered[i] > self.raised[i] {
                return Err("more reports leave a theme uncovered than raise it".into());
            }
        }
        Ok(())
    }
}

/// A mention kept as evidence for the report page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Score, for ranking.
    pub score: f64,
    /// Report id.
    pub report: String,
    /// Unit.
    pub unit: Option<String>,
    /// Year.
    pub year: Option<i32>,
    /// Role.
    pub role: String,
    /// Evidence sentence.
    pub text: String,
}

/// Evidence sentences kept per theme.
pub const EVIDENCE_PER_THEME: usize = 8;

/// The mergeable state of an analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Theme ids, in taxonomy order.
    pub themes: Vec<String>,
    /// Grouping dimensions of `by_group` (manifest columns or year/unit/unit_type).
    pub by: Vec<String>,
    /// Per year (`None` = unknown), keyed by the year as text ("" for unknown) to keep JSON keys simple.
    pub by_year: BTreeMap<String, Counts>,
    /// Per value tuple of `by`.
    pub by_group: BTreeMap<String, Counts>,
    /// unit → theme → years it was raised.
    pub persistent: Persistence,
    /// Best evidence per theme id.
    pub evidence: BTreeMap<String, Vec<Evidence>>,
    /// Reports with no problem or cause statement.
    pub without_problems: u64,
    /// Of those, the reports where a heading announced problems or causes (structure worth checking by hand).
    #[serde(default)]
    pub without_problems_headed: u64,
    /// The first ids (in id order) of reports with no problem or cause statement, at most
    /// [`SILENT_LISTED`]; reports.jsonl lists every one in its warnings.
    #[serde(default)]
    pub silent_reports: Vec<String>,
    /// Reports per text repair of the normaliser (traditional, unwrapped, split, …).
    #[serde(default)]
    pub repairs: BTreeMap<String, u64>,
}

/// unit → theme → years it was raised. A corpus may name a fresh unit in nearly every report, so each unit
/// holds one flat list of (theme number, year) pairs, sorted by theme name and year (8 bytes a pair; theme
/// names are kept once, in `themes`), instead of a list of named themes, each its own allocation.
/// Serialised as a map of unit → map of theme → years.
#[derive(Debug, Clone, Default)]
pub struct Persistence {
    /// Theme names in the order first met; pairs refer to them by position.
    themes: Vec<Box<str>>,
    units: BTreeMap<Box<str>, Vec<(u16, i32)>>,
}

impl Persistence {
    /// Records that `unit` raised `theme` in `year`.
    pub fn insert(&mut self, unit: &str, theme: &str, year: i32) {
        let t = match self.themes.iter().position(|n| &**n == theme) {
            Some(t) => t,
            None => {
                self.themes.push(theme.into());
                self.themes.len() - 1
            }
        };
        // A taxonomy has tens of themes; more than u16 can number are never written by analyze.
        let Ok(t) = u16::try_from(t) else {
            return;
        };
        let themes = &self.themes;
        let pairs = match self.units.get_mut(unit) {
            Some(p) => p,
            None => self.units.entry(unit.into()).or_default(),
        };
        if let Err(i) =
            pairs.binary_search_by(|&(x, y)| (&*themes[x as usize], y).cmp(&(theme, year)))
        {
            pairs.insert(i, (t, year));
        }
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether no unit raised anything.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// (unit, its (theme, years) in theme order, years sorted), units in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, UnitThemes<'_>)> {
        self.units.iter().map(|(u, pairs)| {
            (
                &**u,
                UnitThemes {
                    pairs,
                    themes: &self.themes,
                },
            )
        })
    }
}

/// One unit's themes in a [`Persistence`] table.
#[derive(Debug, Clone, Copy)]
pub struct UnitThemes<'a> {
    pairs: &'a [(u16, i32)],
    themes: &'a [Box<str>],
}

impl<'a> UnitThemes<'a> {
    /// (theme, years) in theme order, years sorted.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, Vec<i32>)> + use<'a> {
        let themes = self.themes;
        self.pairs.chunk_by(|a, b| a.0 == b.0).map(move |run| {
            (
                &*themes[run[0].0 as usize],
                run.iter().map(|&(_, y)| y).collect(),
            )
        })
    }
}

impl PartialEq for Persistence {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|((u, a), (v, b))| u == v && a.iter().eq(b.iter()))
    }
}

impl Serialize for UnitThemes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let themes: Vec<(&str, Vec<i32>)> = self.iter().collect();
        let mut m = s.serialize_map(Some(themes.len()))?;
        for (t, years) in &themes {
            m.serialize_entry(t, years)?;
        }
        m.end()
    }
}

impl Serialize for Persistence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.len()))?;
        for (unit, themes) in self.iter() {
            m.serialize_entry(unit, &themes)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Persistence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, BTreeMap<String, BTreeSet<i32>>>::deserialize(d)?;
        let mut p = Persistence::default();
        for (unit, themes) in map {
            for (t, years) in themes {
                for y in years {
                    p.insert(&unit, &t, y);
                }
            }
        }
        Ok(p)
    }
}

/// Report ids kept in [`Aggregate::silent_reports`].
pub const SILENT_LISTED: usize = 20;

fn trim_silent(list: &mut Vec<String>) {
    list.sort();
    list.dedup();
    list.truncate(SILENT_LISTED);
}

/// The key of one report in a grouping.
pub fn group_key(rec: &ReportRecord, by: &[String]) -> String {
    by.iter()
        .map(|d| match d.as_str() {
            "year" => rec.year.map(|y| y.to_string()).unwrap_or_default(),
            "unit" => rec.unit.clone().unwrap_or_default(),
            "unit_type" => rec.unit_type.clone().unwrap_or_default(),
            other => rec.groups.get(other).cloned().unwrap_or_default(),
        })
        .map(|v| {
            if v.is_empty() {
                "(unknown)".to_string()
            } else {
                v
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

impl Aggregate {
    /// An empty aggregate for these themes and grouping.
    pub fn new(themes: Vec<String>, by: Vec<String>) -> Self {
        Aggregate {
            themes,
            by,
            ..Default::default()
        }
    }

    fn counts_of(&self, rec: &ReportRecord) -> Counts {
        let n = self.themes.len();
        let mut c = Counts {
            reports: 1,
            raised: vec![0; n],
            statements: vec![0; n],
            uncovered: vec![0; n],
        };
        for (i, t) in self.themes.iter().enumerate() {
            if rec.raised.contains(t) {
                c.raised[i] = 1;
            }
            if rec.uncovered.contains(t) {
                c.uncovered[i] = 1;
            }
            c.statements[i] = *rec.theme_statements.get(t).unwrap_or(&0) as u64;
        }
        c
    }

    /// Adds one report and its mentions.
    pub fn add(&mut self, rec: &ReportRecord, mentions: &[Mention]) {
        let c = self.counts_of(rec);
        let year = rec.year.map(|y| y.to_string()).unwrap_or_default();
        // Counting reports one at a time cannot reach u64::MAX.
        let _ = self.by_year.entry(year).or_default().add(&c);
        let key = group_key(rec, &self.by);
        let _ = self.by_group.entry(key).or_default().add(&c);
        if rec.problem_statements == 0 {
            self.without_problems += 1;
            if rec
                .warnings
                .iter()
                .any(|w| w == crate::pipeline::NO_PROBLEMS_HEADED)
            {
                self.without_problems_headed += 1;
            }
            self.silent_reports.push(rec.id.clone());
            trim_silent(&mut self.silent_reports);
        }
        for step in &rec.normalized {
            *self.repairs.entry(step.clone()).or_default() += 1;
        }
        if let (Some(unit), Some(y)) = (&rec.unit, rec.year) {
            let unit = match rec.groups.get("region") {
                Some(r) => format!("{unit}（{r}）"),
                None => unit.clone(),
            };
            for t in &rec.raised {
                self.persistent.insert(&unit, t, y);
            }
        }
        for m in mentions
            .iter()
            .filter(|m| m.role == "problem" || m.role == "cause")
        {
            let list = self.evidence.entry(m.theme.clone()).or_default();
            if ranks_out(list, m.score, &m.report, &m.text) {
                continue;
            }
            list.push(Evidence {
                score: m.score,
                report: m.report.clone(),
                unit: rec.unit.clone(),
                year: m.year,
                role: m.role.clone(),
                text: m.text.clone(),
            });
            trim_evidence(list);
        }
    }

    /// Checks that the counts are consistent (see [`Aggregate::merge`]): one count per theme in every
    /// cell, no count above its total, years and groups adding up to the same number of reports.
    ///
    /// # Errors
    /// What is inconsistent.
    pub fn check(&self) -> std::result::Result<(), String> {
        let n = self.themes.len();
        for (cells, what) in [(&self.by_year, "year"), (&self.by_group, "group")] {
            for (k, c) in cells {
                c.check(n).map_err(|e| format!("{what} {k}: {e}"))?;
            }
        }
        let total = |cells: &BTreeMap<String, Counts>| {
            cells
                .values()
                .try_fold(0u64, |a, c| a.checked_add(c.reports))
        };
        let years = total(&self.by_year).ok_or("report counts overflow")?;
        let groups = total(&self.by_group).ok_or("report counts overflow")?;
        if years != groups {
            return Err(format!("{years} reports by year but {groups} by group"));
        }
        if self.without_problems > years || self.without_problems_headed > self.without_problems {
            return Err("more reports without problems than reports".into());
        }
        if self.repairs.values().any(|&n| n > years) {
            return Err("more repaired reports than reports".into());
        }
        Ok(())
    }

    /// Adds another aggregate (a shard) into this one. Both should pass [`Aggregate::check`]; themes and
    /// grouping are the caller's check (see `shuzhi merge`).
    ///
    /// # Errors
    /// A count would overflow.
    pub fn merge(&mut self, other: Aggregate) -> std::result::Result<(), String> {
        let overflow = || "counts overflow when added".to_string();
        for (k, c) in other.by_year {
            self.by_year
                .entry(k)
                .or_default()
                .add(&c)
                .ok_or_else(overflow)?;
        }
        for (k, c) in other.by_group {
            self.by_group
                .entry(k)
                .or_default()
                .add(&c)
                .ok_or_else(overflow)?;
        }
        for (u, themes) in other.persistent.iter() {
            for (t, years) in themes.iter() {
                for y in years {
                    self.persistent.insert(u, t, y);
                }
            }
        }
        for (t, list) in other.evidence {
            let e = self.evidence.entry(t).or_default();
            e.extend(list);
            trim_evidence(e);
        }
        self.without_problems = self
            .without_problems
            .checked_add(other.without_problems)
            .ok_or_else(overflow)?;
        self.without_problems_headed = self
            .without_problems_headed
            .checked_add(other.without_problems_headed)
            .ok_or_else(overflow)?;
        self.silent_reports.extend(other.silent_reports);
        trim_silent(&mut self.silent_reports);
        for (k, n) in other.repairs {
            let e = self.repairs.entry(k).or_default();
            *e = e.checked_add(n).ok_or_else(overflow)?;
        }
        Ok(())
    }

    /// Total reports.
    pub fn reports(&self) -> u64 {
        self.by_year.values().map(|c| c.reports).sum()
    }

    /// Known years in order.
    pub fn years(&self) -> Vec<i32> {
        self.by_year
            .keys()
            .filter_map(|k| k.parse().ok())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// Counts of a year (`None` = unknown).
    pub fn year(&self, y: Option<i32>) -> Option<&Counts> {
        self.by_year
            .get(&y.map(|y| y.to_string()).unwrap_or_default())
    }

    /// Units raising the same theme in two or more consecutive years: (unit, theme, years).
    pub fn persistent_problems(&self) -> Vec<(String, String, Vec<i32>)> {
        let mut out = Vec::new();
        for (unit, themes) in self.persistent.iter() {
            for (t, ys) in themes.iter() {
                let consecutive = ys.windows(2).any(|w| w[1] == w[0] + 1);
                if consecutive {
                    out.push((unit.to_string(), t.to_string(), ys));
                }
            }
        }
        out
    }

    /// Chi-square test of independence of theme × year (known years only): (statistic, df, p-value,
    /// smallest expected count). `None` with fewer than two years or when a theme is raised by all or none.
    pub fn chi_square(&self, theme: usize) -> Option<(f64, u32, f64, f64)> {
        let years = self.years();
        if years.len() < 2 {
            return None;
        }
        let cells: Vec<(f64, f64)> = years
            .iter()
            .filter_map(|&y| self.year(Some(y)))
            .map(|c| {
                let r = c.raised.get(theme).copied().unwrap_or(0) as f64;
                (r, c.reports as f64 - r)
            })
            .collect();
        let n: f64 = cells.iter().map(|(a, b)| a + b).sum();
        let yes: f64 = cells.iter().map(|(a, _)| a).sum();
        let no = n - yes;
        if yes == 0.0 || no == 0.0 {
            return None;
        }
        let mut stat = 0.0;
        let mut min_e = f64::MAX;
        for (a, b) in &cells {
            let row = a + b;
            let (ea, eb) = (row * yes / n, row * no / n);
            min_e = min_e.min(ea).min(eb);
            stat += (a - ea).powi(2) / ea + (b - eb).powi(2) / eb;
        }
        let df = (cells.len() - 1) as u32;
        let p = ChiSquared::new(df as f64).ok().map(|d| 1.0 - d.cdf(stat))?;
        Some((stat, df, p, min_e))
    }
}

/// Whether [`trim_evidence`] would drop a newcomer at once, so that it need not be copied in: the list is
/// full of sentences from distinct reports (so it is in ranking order) and the newcomer ranks at or after
/// its last one. It is then either a second sentence of a listed report or a first one that ranks ninth.
fn ranks_out(list: &[Evidence], score: f64, report: &str, text: &str) -> bool {
    let Some(last) = list.last().filter(|_| list.len() >= EVIDENCE_PER_THEME) else {
        return false;
    };
    let after_last = last
        .score
        .total_cmp(&score)
        .then_with(|| report.cmp(&last.report))
        .then_with(|| text.cmp(&last.text))
        .is_ge();
    after_last
        && list
            .iter()
            .enumerate()
            .all(|(i, a)| list[i + 1..].iter().all(|b| a.report != b.report))
}

fn trim_evidence(list: &mut Vec<Evidence>) {
    list.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.report.cmp(&b.report))
            .then_with(|| a.text.cmp(&b.text))
    });
    list.dedup_by(|a, b| a.report == b.report && a.text == b.text);
    // One sentence per report first, so the page shows many units, not one report's sentences.
    let mut seen = BTreeSet::new();
    let (mut first, mut rest): (Vec<Evidence>, Vec<Evidence>) = (Vec::new(), Vec::new());
    for e in list.drain(..) {
        if seen.insert(e.report.clone()) {
            first.push(e);
        } else {
            rest.push(e);
        }
    }
    first.extend(rest);
    first.truncate(EVIDENCE_PER_THEME);
    *list = first;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_that_ranks_out_is_what_trimming_drops() {
        let mut rng = crate::rng::SplitMix(36);
        let mut skipped = 0;
        for _ in 0..200 {
            let (mut fast, mut slow): (Vec<Evidence>, Vec<Evidence>) = (Vec::new(), Vec::new());
            for k in 0..60 {
                let e = Evidence {
                    score: [0.5, 0.6, 0.7, 0.9][rng.below(4)],
                    report: format!("r{}", rng.below(12)),
                    unit: None,
                    year: Some(2020),
                    role: ["problem", "cause"][rng.below(2)].to_string(),
                    text: format!("t{}", rng.below(3)),
                };
                slow.push(e.clone());
                trim_evidence(&mut slow);
                if ranks_out(&fast, e.score, &e.report, &e.text) {
                    skipped += 1;
                } else {
                    fast.push(e);
                    trim_evidence(&mut fast);
                }
                assert_eq!(fast, slow, "after {k}");
            }
        }
        assert!(skipped > 1000, "{skipped}");
    }

    fn rec(id: &str, year: i32, unit: &str, raised: &[&str]) -> ReportRecord {
        ReportRecord {
            id: id.into(),
            path: id.into(),
            year: Some(year),
            unit: Some(unit.into()),
            unit_type: Some("镇党委".into()),
            groups: BTreeMap::new(),
            encoding: "UTF-8".into(),
            raised: raised.iter().map(|s| s.to_string()).collect(),
            measures: vec![],
            uncovered: raised.iter().map(|s| s.to_string()).collect(),
            statements: 3,
            problem_statements: 1,
            theme_statements: raised.iter().map(|s| (s.to_string(), 1)).collect(),
            warnings: vec![],
            normalized: vec![],
            roles_by: Default::default(),
        }
    }

    /// The table of numbered (theme, year) pairs writes the JSON of a map of unit → theme → set of years,
    /// and reads it back.
    #[test]
    fn persistence_serialises_as_a_map_of_sets() {
        let raised = [
            ("乙村", "b", 2021),
            ("甲村", "a", 2023),
            ("甲村", "b", 2019),
            ("甲村", "a", 2023),
            ("甲村", "c", 2020),
            ("乙村", "a", 2019),
            ("甲村", "b", 2021),
        ];
        let mut table = Persistence::default();
        let mut sets: BTreeMap<String, BTreeMap<String, BTreeSet<i32>>> = BTreeMap::new();
        for (u, t, y) in raised {
            table.insert(u, t, y);
            sets.entry(u.to_string())
                .or_default()
                .entry(t.to_string())
                .or_default()
                .insert(y);
        }
        let json = serde_json::to_string(&table).unwrap();
        assert_eq!(json, serde_json::to_string(&sets).unwrap());
        assert_eq!(
            json,
            r#"{"乙村":{"a":[2019],"b":[2021]},"甲村":{"a":[2023],"b":[2019,2021],"c":[2020]}}"#
        );
        let back = serde_json::from_str::<Persistence>(&json).unwrap();
        assert_eq!(back, table);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn merge_equals_single_pass_and_persistence_is_found() {
        let themes = vec!["a".to_string(), "b".to_string()];
        let mut silent = rec("4", 2022, "丙村", &[]);
        silent.problem_statements = 0;
        silent.warnings = vec![crate::pipeline::NO_PROBLEMS_HEADED.into()];
        silent.normalized = vec!["traditional".into()];
        let mut silent2 = silent.clone();
        silent2.id = "0".into();
        silent2.warnings = vec![crate::pipeline::NO_PROBLEMS.into()];
        let recs = [
            rec("1", 2021, "甲镇", &["a"]),
            rec("2", 2022, "甲镇", &["a", "b"]),
            rec("3", 2022, "乙镇", &["b"]),
            silent,
            silent2,
        ];
        let mut one = Aggregate::new(themes.clone(), vec!["unit_type".into()]);
        for r in &recs {
            one.add(r, &[]);
        }
        let mut s1 = Aggregate::new(themes.clone(), vec!["unit_type".into()]);
        let mut s2 = s1.clone();
        s1.add(&recs[0], &[]);
        s2.add(&recs[1], &[]);
        s2.add(&recs[2], &[]);
        s2.add(&recs[3], &[]);
        s1.add(&recs[4], &[]);
        s1.merge(s2).unwrap();
        assert_eq!(one, s1);
        assert_eq!((one.without_problems, one.without_problems_headed), (2, 1));
        assert_eq!(one.silent_reports, vec!["0".to_string(), "4".to_string()]);
        assert_eq!(one.repairs.get("traditional"), Some(&2));
        assert!(one.check().is_ok());
        assert_eq!(
            one.persistent_problems(),
            vec![("甲镇".to_string(), "a".to_string(), vec![2021, 2022])]
        );
        assert_eq!(one.year(Some(2022)).unwrap().raised, vec![1, 2]);
    }

    #[test]
    fn chi_square_by_hand() {
        // 2021: 10 of 20 raise; 2022: 2 of 20 → strong change.
        let mut agg = Aggregate::new(vec!["a".into()], vec![]);
        for i in 0..20 {
            agg.add(
                &rec(
                    &format!("x{i}"),
                    2021,
                    "u",
                    if i < 10 { &["a"] } else { &[] },
                ),
                &[],
            );
            agg.add(
                &rec(
                    &format!("y{i}"),
                    2022,
                    "v",
                    if i < 2 { &["a"] } else { &[] },
                ),
                &[],
            );
        }
        let (stat, df, p, _) = agg.chi_square(0).unwrap();
        // Expected 6 / 14 per year: (16/6 + 16/14) * 2 = 7.619…
        assert!((stat - 7.6190476).abs() < 1e-5, "{stat}");
        assert_eq!(df, 1);
        assert!(p < 0.01);
    }
}
