//! The theme taxonomy (`models/themes.toml`) and its rules: keywords and regular expressions per theme.
//!
//! Rules are the transparent half of classification: every rule hit names the words that fired, so an
//! analyst can see why a statement was tagged. The file format is documented at the top of
//! `models/themes.toml`.

pub mod gate;
pub mod matcher;

use crate::error::{Error, Result};
use aho_corasick::AhoCorasick;
use matcher::{OutOfSteps, Program};
use regex_automata::{meta::Regex as MetaRegex, Anchored, Input};
use regex_syntax::hir::Hir;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

/// The shipped taxonomy, compiled in as a fallback.
pub const BUILTIN_THEMES: &str = include_str!("../../models/themes.toml");

/// The two theme families of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// 存在的问题
    Problem,
    /// 原因
    Cause,
}

impl Family {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Problem => "problem",
            Family::Cause => "cause",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: u32,
    #[serde(rename = "theme", default)]
    themes: Vec<RawTheme>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    id: String,
    family: Family,
    name: String,
    #[serde(default)]
    definition: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

/// One theme with its compiled rules.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Stable id (`member_aging`).
    pub id: String,
    /// Problem or cause.
    pub family: Family,
    /// Chinese name.
    pub name: String,
    /// Annotator definition.
    pub definition: String,
    /// Literal keywords.
    pub keywords: Vec<String>,
    /// Regular expressions, as written in the file.
    pub patterns: Vec<String>,
    /// Vetoes, as written in the file.
    pub exclude: Vec<String>,
}

/// Parsed patterns with their compiled rules.
type Compiled = Vec<(Hir, Rule)>;

/// The longest pattern whose regex-engine matcher is built only when first needed. Shipped patterns are
/// under 600 bytes; the backtracker bounds a pattern's instructions and class ranges but not its literal
/// text, and a pattern of megabytes of literals is over the engine's size limit.
const LAZY_REGEX_MAX_BYTES: usize = 4096;

/// One pattern or veto, ready to run.
#[derive(Debug, Clone)]
struct Rule {
    source: String,
    /// The regex engine's matcher, built when first needed: at load time only for patterns the
    /// backtracker does not model.
    regex: OnceLock<MetaRegex>,
    /// The backtracking matcher, for patterns it models.
    program: Option<Program>,
    /// Literal ids every match starts with, as a bitset over literal ids; `None` when not known.
    prefix: Option<Vec<u64>>,
    /// How many literal gates the rule has (sets of which the text must contain a member).
    gates: u16,
}

impl Rule {
    fn regex(&self) -> &MetaRegex {
        self.regex.get_or_init(|| {
            MetaRegex::new(&self.source)
                .expect("a pattern the backtracker compiles is small enough for the regex engine")
        })
    }

    /// The leftmost-first match starting at `at`, from the backtracker when it finishes in its budget.
    fn match_at(&self, text: &str, at: usize, stack: &mut matcher::Stack) -> Option<usize> {
        let by_engine = || {
            self.regex()
                .search(&Input::new(text).range(at..).anchored(Anchored::Yes))
                .map(|m| m.end())
        };
        match &self.program {
            Some(p) => match p.match_at(text, at, stack) {
                Ok(end) => end,
                Err(OutOfSteps) => by_engine(),
            },
            None => by_engine(),
        }
    }

    /// The leftmost-first match in `text` that starts no later than `bound`. `starts` holds (start,
    /// literal id) of every literal occurrence, sorted.
    fn find(
        &self,
        text: &str,
        starts: &[(usize, u32)],
        bound: Option<usize>,
        stack: &mut matcher::Stack,
    ) -> Option<(usize, usize)> {
        let within = |s: usize| bound.is_none_or(|b| s <= b);
        match (&self.prefix, &self.program) {
            (Some(mask), _) => {
                let mut tried = usize::MAX;
                for &(s, id) in starts {
                    if !within(s) {
                        break;
                    }
                    if s == tried || mask[id as usize / 64] >> (id % 64) & 1 == 0 {
                        continue;
                    }
                    tried = s;
                    if let Some(e) = self.match_at(text, s, stack) {
                        return Some((s, e));
                    }
                }
                None
            }
            (None, Some(_)) => (0..=text.len())
                .filter(|&s| text.is_char_boundary(s))
                .take_while(|&s| within(s))
                .find_map(|s| self.match_at(text, s, stack).map(|e| (s, e))),
            (None, None) => self
                .regex()
                .find(text)
                .map(|m| (m.start(), m.end()))
                .filter(|m| within(m.0)),
        }
    }
}

/// A rule that fired on a statement: which theme, and where (byte span in the statement text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHit {
    /// Index of the theme in [`Taxonomy::themes`].
    pub theme: usize,
    /// Byte span of the first match.
    pub span: (usize, usize),
}

/// The taxonomy: themes in file order, with matchers built for speed.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// Themes in file order.
    pub themes: Vec<Theme>,
    /// SHA-256 of the file's bytes, recorded by models to detect a changed taxonomy.
    pub hash: String,
    /// One automaton for every keyword, every gate literal and every prefix literal.
    literals: Option<AhoCorasick>,
    /// Literal id → themes it is a keyword of.
    keyword_themes: Vec<Vec<usize>>,
    /// Literal id → the gates (numbered over all rules) it opens.
    literal_gates: Vec<Vec<u32>>,
    /// Gate → the rule it belongs to.
    gate_rule: Vec<u32>,
    /// Every pattern and veto of every theme.
    rules: Vec<Rule>,
    /// Per theme, its patterns and its vetoes in `rules`.
    theme_rules: Vec<(Range<usize>, Range<usize>)>,
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of a digest.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn line_of(text: &str, needle: &str) -> usize {
    line_of_nth(text, needle, 0)
}

/// 1-based line of the `n`-th (0-based) occurrence of `needle`; 0 when there is none.
fn line_of_nth(text: &str, needle: &str, n: usize) -> usize {
    text.match_indices(needle)
        .nth(n)
        .map(|(i, _)| text[..i].lines().count().max(1))
        .unwrap_or(0)
}

impl Taxonomy {
    /// Parses and validates a taxonomy file's text; `path` names it in errors.
    ///
    /// # Errors
    /// TOML syntax errors, an unknown field, a bad or duplicate id, an empty name, a regex that does not
    /// compile: each names the file, the line where it can be found, and the theme.
    pub fn parse(path: &Path, text: &str) -> Result<Taxonomy> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
                .unwrap_or(0);
            Error::data(path, line, e.message().to_string())
        })?;
        if raw.format != 1 {
            return Err(Error::data(
                path,
                line_of(text, "format"),
                format!(
                    "format {} is not supported (this shuzhi reads format 1)",
                    raw.format
                ),
            ));
        }
        if raw.themes.is_empty() {
            return Err(Error::data(path, 0, "no [[theme]] entries"));
        }
        // Per theme: its patterns and its vetoes, each parsed and compiled.
        let mut rules: Vec<(Compiled, Compiled)> = Vec::new();
        let mut themes = Vec::new();
        let mut ids = std::collections::HashSet::new();
        let mut occurrences: std::collections::HashMap<String, usize> = Default::default();
        for t in raw.themes {
            // The n-th theme with this id is at the n-th place the quoted id appears (a duplicate's own line).
            let nth = occurrences.entry(t.id.clone()).or_default();
            let at = line_of_nth(text, &format!("\"{}\"", t.id), *nth);
            *nth += 1;
            let valid_id = !t.id.is_empty()
                && t.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && t.id.starts_with(|c: char| c.is_ascii_lowercase());
            if !valid_id {
                return Err(Error::data(
                    path,
                    at,
                    format!("theme id '{}' must be snake_case ascii", t.id),
                ));
            }
            if !ids.insert(t.id.clone()) {
                return Err(Error::data(
                    path,
                    at,
                    format!("duplicate theme id '{}'", t.id),
                ));
            }
            if t.name.trim().is_empty() {
                return Err(Error::data(
                    path,
                    at,
                    format!("theme '{}' has no name", t.id),
                ));
            }
            let compile = |list: &[String], what: &str| -> Result<Compiled> {
                list.iter()
                    .map(|p| {
                        let fail = |why: String| {
                            Error::data(
                                path,
                                line_of(text, p),
                                format!(
                                    "theme '{}': {what} '{}' does not compile: {why}",
                                    t.id,
                                    crate::error::clip(p)
                                ),
                            )
                        };
                        // The syntax error says where and why; the build error only which pattern.
                        let hir = regex_syntax::parse(p).map_err(|e| fail(e.to_string()))?;
                        let program = Program::from_hir(&hir);
                        let regex = OnceLock::new();
                        // The engine also serves a modelled pattern whose search runs out of steps, built
                        // then: a long pattern (its literals unbounded by the backtracker's limits) is built
                        // now, so that one the engine cannot compile is refused here, not met mid-run.
                        if program.is_none() || p.len() > LAZY_REGEX_MAX_BYTES {
                            let re = MetaRegex::new(p).map_err(|e| {
                                fail(match (e.syntax_error(), e.size_limit()) {
                                    (Some(s), _) => s.to_string(),
                                    (None, Some(_)) => crate::error::REGEX_TOO_LARGE.to_string(),
                                    (None, None) => e.to_string(),
                                })
                            })?;
                            let _ = regex.set(re);
                        }
                        let rule = Rule {
                            source: p.clone(),
                            regex,
                            program,
                            prefix: None,
                            gates: 0,
                        };
                        Ok((hir, rule))
                    })
                    .collect()
            };
            rules.push((
                compile(&t.patterns, "pattern")?,
                compile(&t.exclude, "exclude")?,
            ));
            if let Some(k) = t.keywords.iter().find(|k| k.trim().is_empty()) {
                return Err(Error::data(
                    path,
                    at,
                    format!("theme '{}': empty keyword '{k}'", t.id),
                ));
            }
            themes.push(Theme {
                id: t.id,
                family: t.family,
                name: t.name,
                definition: t.definition,
                keywords: t.keywords,
                patterns: t.patterns,
                exclude: t.exclude,
            });
        }
        Self::build(themes, rules, sha256_hex(text.as_bytes()))
    }

    fn build(
        themes: Vec<Theme>,
        compiled: Vec<(Compiled, Compiled)>,
        hash: String,
    ) -> Result<Taxonomy> {
        let mut lits: Vec<Vec<u8>> = Vec::new();
        let mut ids: std::collections::HashMap<Vec<u8>, u32> = std::collections::HashMap::new();
        let mut intern = |lit: Vec<u8>, lits: &mut Vec<Vec<u8>>| -> u32 {
            *ids.entry(lit.clone()).or_insert_with(|| {
                lits.push(lit);
                (lits.len() - 1) as u32
            })
        };
        let mut keyword_of: Vec<(u32, usize)> = Vec::new();
        for (i, t) in themes.iter().enumerate() {
            for k in &t.keywords {
                keyword_of.push((intern(k.as_bytes().to_vec(), &mut lits), i));
            }
        }
        let mut rules = Vec::new();
        let mut theme_rules = Vec::new();
        // Per rule: its gates (sets of literal ids) and its prefix literal ids.
        let mut gate_sets: Vec<Vec<Vec<u32>>> = Vec::new();
        let mut prefix_ids: Vec<Option<Vec<u32>>> = Vec::new();
        for (patterns, vetoes) in compiled {
            let mut add = |list: Compiled| -> Range<usize> {
                let from = rules.len();
                for (hir, rule) in list {
                    gate_sets.push(
                        gate::required_literals_of(&hir)
                            .into_iter()
                            .map(|set| set.into_iter().map(|l| intern(l, &mut lits)).collect())
                            .collect(),
                    );
                    prefix_ids.push(
                        gate::prefix_literals_of(&hir)
                            .map(|set| set.into_iter().map(|l| intern(l, &mut lits)).collect()),
                    );
                    rules.push(rule);
                }
                from..rules.len()
            };
            let p = add(patterns);
            let v = add(vetoes);
            theme_rules.push((p, v));
        }
        let words = lits.len().div_ceil(64);
        let mut literal_gates = vec![Vec::new(); lits.len()];
        let mut gate_rule = Vec::new();
        for (r, rule) in rules.iter_mut().enumerate() {
            rule.gates = u16::try_from(gate_sets[r].len()).map_err(|_| {
                Error::Invalid(format!("pattern '{}': too many gates", rule.source))
            })?;
            for set in &gate_sets[r] {
                let g = gate_rule.len() as u32;
                gate_rule.push(r as u32);
                for &id in set {
                    literal_gates[id as usize].push(g);
                }
            }
            rule.prefix = prefix_ids[r].as_ref().map(|ids| {
                let mut mask = vec![0u64; words];
                for &id in ids {
                    mask[id as usize / 64] |= 1 << (id % 64);
                }
                mask
            });
        }
        let mut keyword_themes = vec![Vec::new(); lits.len()];
        for (id, t) in keyword_of {
            if !keyword_themes[id as usize].contains(&t) {
                keyword_themes[id as usize].push(t);
            }
        }
        let literals = if lits.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&lits).map_err(|e| Error::Invalid(format!("keywords: {e}")))?)
        };
        Ok(Taxonomy {
            themes,
            hash,
            literals,
            keyword_themes,
            literal_gates,
            gate_rule,
            rules,
            theme_rules,
        })
    }

    /// Reads a taxonomy file.
    ///
    /// # Errors
    /// See [`Taxonomy::parse`].
    pub fn load(path: &Path) -> Result<Taxonomy> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(path, &text)
    }

    /// The compiled-in taxonomy.
    pub fn builtin() -> Taxonomy {
        Self::parse(Path::new("<built-in themes.toml>"), BUILTIN_THEMES)
            .expect("the shipped taxonomy is valid (checked by tests)")
    }

    /// Index of a theme id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.themes.iter().position(|t| t.id == id)
    }

    /// Theme ids in file order.
    pub fn ids(&self) -> Vec<String> {
        self.themes.iter().map(|t| t.id.clone()).collect()
    }

    /// Number of themes.
    pub fn len(&self) -> usize {
        self.themes.len()
    }

    /// Whether there are no themes.
    pub fn is_empty(&self) -> bool {
        self.themes.is_empty()
    }

    /// Themes whose rules fire on `text`, each once, in theme order, with the span of the first match
    /// (earliest start, then shortest).
    pub fn rule_hits(&self, text: &str) -> Vec<RuleHit> {
        let mut first: Vec<Option<(usize, usize)>> = vec![None; self.themes.len()];
        // (start, literal id) of every literal occurrence: where prefixed rules can start.
        let mut starts: Vec<(usize, u32)> = Vec::new();
        // Per rule, the gates still closed; a rule runs only when all are open.
        let mut closed: Vec<u16> = self.rules.iter().map(|r| r.gates).collect();
        let mut seen = vec![0u64; self.keyword_themes.len().div_ceil(64)];
        let mut open = vec![0u64; self.gate_rule.len().div_ceil(64)];
        if let Some(ac) = &self.literals {
            for m in ac.find_overlapping_iter(text) {
                let id = m.pattern().as_usize();
                starts.push((m.start(), id as u32));
                for &t in &self.keyword_themes[id] {
                    if first[t].is_none_or(|cur| (m.start(), m.end()) < cur) {
                        first[t] = Some((m.start(), m.end()));
                    }
                }
                if seen[id / 64] >> (id % 64) & 1 == 0 {
                    seen[id / 64] |= 1 << (id % 64);
                    for &g in &self.literal_gates[id] {
                        let g = g as usize;
                        if open[g / 64] >> (g % 64) & 1 == 0 {
                            open[g / 64] |= 1 << (g % 64);
                            closed[self.gate_rule[g] as usize] -= 1;
                        }
                    }
                }
            }
        }
        starts.sort_unstable();
        let mut stack = matcher::Stack::default();
        // Each pattern runs only from the places where a literal every match starts with was found, and
        // only up to the theme's earliest hit so far: a later match cannot be the first.
        for (t, (patterns, _)) in self.theme_rules.iter().enumerate() {
            for r in patterns.clone() {
                if closed[r] != 0 {
                    continue;
                }
                let bound = first[t].map(|(s, _)| s);
                if let Some(m) = self.rules[r].find(text, &starts, bound, &mut stack) {
                    if first[t].is_none_or(|cur| m < cur) {
                        first[t] = Some(m);
                    }
                }
            }
        }
        self.finish(first, |r| {
            closed[r] == 0
                && self.rules[r]
                    .find(text, &starts, None, &mut stack)
                    .is_some()
        })
    }

    /// [`Taxonomy::rule_hits`] by the regex engine alone, without literal gates or anchored starts: every
    /// keyword is looked for and every pattern and veto runs on the whole text. The reference the fast
    /// path is tested against.
    pub fn rule_hits_ungated(&self, text: &str) -> Vec<RuleHit> {
        let mut first: Vec<Option<(usize, usize)>> = vec![None; self.themes.len()];
        for (t, theme) in self.themes.iter().enumerate() {
            for k in &theme.keywords {
                if let Some(s) = text.find(k.as_str()) {
                    if first[t].is_none_or(|cur| (s, s + k.len()) < cur) {
                        first[t] = Some((s, s + k.len()));
                    }
                }
            }
            for r in &self.rules[self.theme_rules[t].0.clone()] {
                if let Some(m) = r.regex().find(text) {
                    if first[t].is_none_or(|cur| (m.start(), m.end()) < cur) {
                        first[t] = Some((m.start(), m.end()));
                    }
                }
            }
        }
        self.finish(first, |r| self.rules[r].regex().is_match(text))
    }

    /// The hits of the themes with a span and no veto that `vetoes` (given a rule index) says matches.
    fn finish(
        &self,
        first: Vec<Option<(usize, usize)>>,
        mut vetoes: impl FnMut(usize) -> bool,
    ) -> Vec<RuleHit> {
        first
            .into_iter()
            .enumerate()
            .filter_map(|(t, span)| {
                let span = span?;
                let vetoed = self.theme_rules[t].1.clone().any(&mut vetoes);
                (!vetoed).then_some(RuleHit { theme: t, span })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_taxonomy_has_the_contract_ids() {
        let t = Taxonomy::builtin();
        let ids: Vec<&str> = t.themes.iter().map(|t| t.id.as_str()).collect();
        for id in [
            "member_aging",
            "recruitment_weak",
            "village_leadership_weak",
            "nonpublic_coverage_gap",
            "member_management_lax",
            "collective_economy_weak",
            "service_capacity_weak",
            "resources_insufficient",
            "party_business_disconnect",
            "responsibility_unfulfilled",
            "innovation_lacking",
            "execution_formalism",
            "supervision_lax",
        ] {
            assert!(ids.contains(&id), "{id}");
        }
    }

    #[test]
    fn rules_fire_on_clear_cases() {
        let t = Taxonomy::builtin();
        let hits = |s: &str| -> Vec<String> {
            t.rule_hits(s)
                .iter()
                .map(|h| t.themes[h.theme].id.clone())
                .collect()
        };
        assert!(hits("党员队伍老龄化严重，60岁以上党员占比过半。")
            .contains(&"member_aging".to_string()));
        assert!(hits("村集体经济薄弱，多个村仍是空壳村。")
            .contains(&"collective_economy_weak".to_string()));
    }

    /// A pattern the backtracker models but the regex engine cannot compile (megabytes of literal text) is
    /// refused at load with the reason, since the engine is its fallback when a search runs long.
    #[test]
    fn a_long_pattern_the_engine_cannot_compile_is_refused_at_load() {
        let big = "党建".repeat(1_500_000);
        let text = BUILTIN_THEMES.replacen(
            "patterns = [",
            &format!("patterns = [\n  '{big}(甲|乙)[^。]{{0,30}}丙',"),
            1,
        );
        let e = Taxonomy::parse(Path::new("t.toml"), &text).expect_err("over the size limit");
        assert!(
            e.to_string().contains("too large or too complex"),
            "{}",
            crate::error::clip(&e.to_string())
        );
    }

    #[test]
    fn literal_gates_change_no_hit() {
        // Every labelled statement and every line of the shipped UTF-8 reports: the gated matcher must give
        // exactly what running every pattern gives.
        let t = Taxonomy::builtin();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut texts: Vec<String> = std::fs::read_to_string(root.join("labels.jsonl"))
            .expect("corpus/labels.jsonl")
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_string))
            .collect();
        for year in std::fs::read_dir(&root).expect("corpus").flatten() {
            for f in std::fs::read_dir(year.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if let Ok(s) = std::fs::read_to_string(f.path()) {
                    texts.extend(s.lines().map(str::to_string));
                }
            }
        }
        assert!(texts.len() > 3000, "{}", texts.len());
        let mut fired = 0;
        for s in &texts {
            let gated = t.rule_hits(s);
            assert_eq!(gated, t.rule_hits_ungated(s), "{s}");
            fired += gated.len();
        }
        assert!(fired > 1000, "{fired}");
        let open = t.rules.iter().filter(|r| r.gates == 0).count();
        let all = t.rules.len();
        assert!(open * 10 < all, "{open} of {all} patterns have no gate");
        // The fast path really is the backtracker from known starts, not the regex engine.
        let fast = t
            .rules
            .iter()
            .filter(|r| r.program.is_some() && r.prefix.is_some())
            .count();
        assert!(fast * 10 > all * 9, "{fast} of {all}");
        // No shipped pattern or veto needs the regex engine built at load time.
        assert!(t.rules.iter().all(|r| r.program.is_some()));
    }

    #[test]
    fn searches_out_of_steps_are_answered_by_the_engine() {
        let toml = "format = 1\n[[theme]]\nid = \"x\"\nfamily = \"problem\"\nname = \"甲\"\npatterns = ['(党|党党)*(党|党党)*书记']\n";
        let t = Taxonomy::parse(Path::new("t.toml"), toml).unwrap();
        let rule = &t.rules[0];
        assert!(rule.program.is_some() && rule.prefix.is_some());
        // No match: the backtracker tries every split of the 党 run and gives up; the engine says no.
        let text = format!("{}书", "党".repeat(60));
        let p = rule.program.as_ref().unwrap();
        let mut stack = matcher::Stack::default();
        assert_eq!(p.match_at(&text, 0, &mut stack), Err(OutOfSteps));
        assert_eq!(t.rule_hits(&text), Vec::new());
        // A match late in such a run: the engine finds it from the first start.
        let text = format!("{}书{}书记", "党".repeat(60), "党".repeat(60));
        assert_eq!(t.rule_hits(&text), t.rule_hits_ungated(&text));
        assert_eq!(t.rule_hits(&text).len(), 1);
    }

    #[test]
    fn errors_name_line_and_theme() {
        let bad = "format = 1\n[[theme]]\nid = \"x\"\nfamily = \"problem\"\nname = \"甲\"\npatterns = ['(未闭合']\n";
        let err = Taxonomy::parse(Path::new("t.toml"), bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("t.toml:6:") && err.contains("theme 'x'"),
            "{err}"
        );
        let dup = "format = 1\n[[theme]]\nid = \"x\"\nfamily = \"problem\"\nname = \"甲\"\n[[theme]]\nid = \"x\"\nfamily = \"cause\"\nname = \"乙\"\n";
        let err = Taxonomy::parse(Path::new("t.toml"), dup)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("t.toml:7:") && err.contains("duplicate theme id 'x'"),
            "the duplicate's own line: {err}"
        );
        let fam = "format = 1\n[[theme]]\nid = \"x\"\nfamily = \"other\"\nname = \"甲\"\n";
        assert!(Taxonomy::parse(Path::new("t.toml"), fam).is_err());
    }
}
