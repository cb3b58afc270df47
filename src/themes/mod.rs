//! The theme taxonomy (`models/themes.toml`) and its rules: keywords and regular expressions per theme.
//!
//! Rules are the transparent half of classification: every rule hit names the words that fired, so an
//! analyst can see why a statement was tagged. The file format is documented at the top of
//! `models/themes.toml`.

pub mod gate;

use crate::error::{Error, Result};
use aho_corasick::AhoCorasick;
use regex_automata::{meta::Regex as MetaRegex, Anchored, Input};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The shipped taxonomy, compiled in as a fallback.
pub const BUILTIN_THEMES: &str = include_str!("../../models/themes.toml");

/// The leftmost match of `re` that starts at one of the places where a literal of `ids` starts: the same
/// match as an unanchored search when every match starts with one of those literals.
fn first_anchored(
    re: &MetaRegex,
    text: &str,
    starts: &[(u32, usize)],
    ids: &[u32],
) -> Option<(usize, usize)> {
    let mut at: Vec<usize> = starts
        .iter()
        .filter(|(id, _)| ids.contains(id))
        .map(|&(_, s)| s)
        .collect();
    at.sort_unstable();
    at.dedup();
    at.into_iter().find_map(|s| {
        re.search(&Input::new(text).range(s..).anchored(Anchored::Yes))
            .map(|m| (m.start(), m.end()))
    })
}

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
    /// Regular expressions (the meta engine, which can search anchored at a given position).
    pub patterns: Vec<MetaRegex>,
    /// Vetoes.
    pub exclude: Vec<MetaRegex>,
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
    /// One automaton for every keyword and every gate literal.
    literals: Option<AhoCorasick>,
    /// Literal id → themes it is a keyword of.
    keyword_themes: Vec<Vec<usize>>,
    /// Per theme, per pattern: sets of literal ids, each of which must have a member in the text.
    gates: Vec<Vec<Vec<Vec<u32>>>>,
    /// Per theme, per pattern: literal ids every match starts with, if known.
    prefixes: Vec<Vec<Option<Vec<u32>>>>,
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
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
        let sources: Vec<Vec<String>> = raw.themes.iter().map(|t| t.patterns.clone()).collect();
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
            let compile = |list: &[String], what: &str| -> Result<Vec<MetaRegex>> {
                list.iter()
                    .map(|p| {
                        MetaRegex::new(p).map_err(|e| {
                            // The syntax error says where and why; the build error only which pattern.
                            let why = e
                                .syntax_error()
                                .map_or_else(|| e.to_string(), |s| s.to_string());
                            Error::data(
                                path,
                                line_of(text, p),
                                format!("theme '{}': {what} '{p}' does not compile: {why}", t.id),
                            )
                        })
                    })
                    .collect()
            };
            let patterns = compile(&t.patterns, "pattern")?;
            let exclude = compile(&t.exclude, "exclude")?;
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
                patterns,
                exclude,
            });
        }
        Self::build(themes, &sources, sha256_hex(text.as_bytes()))
    }

    fn build(themes: Vec<Theme>, sources: &[Vec<String>], hash: String) -> Result<Taxonomy> {
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
        let mut gates: Vec<Vec<Vec<Vec<u32>>>> = Vec::new();
        let mut prefixes: Vec<Vec<Option<Vec<u32>>>> = Vec::new();
        for patterns in sources {
            let (mut g, mut p) = (Vec::new(), Vec::new());
            for src in patterns {
                g.push(
                    gate::required_literals(src)
                        .into_iter()
                        .map(|set| set.into_iter().map(|l| intern(l, &mut lits)).collect())
                        .collect(),
                );
                p.push(
                    gate::prefix_literals(src)
                        .map(|set| set.into_iter().map(|l| intern(l, &mut lits)).collect()),
                );
            }
            gates.push(g);
            prefixes.push(p);
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
            gates,
            prefixes,
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
        let mut present = vec![false; self.keyword_themes.len()];
        // (literal id, start) of every literal occurrence: where prefixed patterns can start.
        let mut starts: Vec<(u32, usize)> = Vec::new();
        if let Some(ac) = &self.literals {
            for m in ac.find_overlapping_iter(text) {
                let id = m.pattern().as_usize();
                present[id] = true;
                starts.push((id as u32, m.start()));
                for &t in &self.keyword_themes[id] {
                    if first[t].is_none_or(|cur| (m.start(), m.end()) < cur) {
                        first[t] = Some((m.start(), m.end()));
                    }
                }
            }
        }
        // Each pattern on its own, not one RegexSet: the set of ~240 patterns with bounded Unicode
        // repetitions outgrows the lazy DFA and falls back to the PikeVM. Only the patterns whose literal
        // gates are all open run, and those with known prefixes run anchored at each place a prefix
        // occurs, earliest first: an unanchored search of `(党员|…)[^。；]{0,15}…` tracks every 党员 in
        // reach at once, so its lazy DFA meets new states in nearly every statement.
        for (t, theme) in self.themes.iter().enumerate() {
            let rules = theme.patterns.iter().zip(&self.gates[t]);
            for ((p, gate), prefix) in rules.zip(&self.prefixes[t]) {
                if !gate
                    .iter()
                    .all(|set| set.iter().any(|&i| present[i as usize]))
                {
                    continue;
                }
                let found = match prefix {
                    Some(ids) => first_anchored(p, text, &starts, ids),
                    None => p.find(text).map(|m| (m.start(), m.end())),
                };
                if let Some(m) = found {
                    if first[t].is_none_or(|cur| m < cur) {
                        first[t] = Some(m);
                    }
                }
            }
        }
        self.finish(text, first)
    }

    /// [`Taxonomy::rule_hits`] without the literal gates: every pattern runs. The reference the gates are
    /// tested against.
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
            for p in &theme.patterns {
                if let Some(m) = p.find(text) {
                    if first[t].is_none_or(|cur| (m.start(), m.end()) < cur) {
                        first[t] = Some((m.start(), m.end()));
                    }
                }
            }
        }
        self.finish(text, first)
    }

    fn finish(&self, text: &str, first: Vec<Option<(usize, usize)>>) -> Vec<RuleHit> {
        first
            .into_iter()
            .enumerate()
            .filter_map(|(t, span)| {
                let span = span?;
                let vetoed = self.themes[t].exclude.iter().any(|r| r.is_match(text));
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
        let open: usize = t.gates.iter().flatten().filter(|g| g.is_empty()).count();
        let all: usize = t.gates.iter().map(Vec::len).sum();
        assert!(open * 10 < all, "{open} of {all} patterns have no gate");
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
