//! Literal gates for rule patterns: strings that must occur in a text before a pattern can match it.
//!
//! Most statements contain a cue such as 党员 that opens the search of dozens of patterns, yet only a few
//! contain everything one pattern needs (平均年龄 *and* 偏大…). From each pattern's syntax tree we take the
//! sets of literals of which every match must contain one member; one Aho-Corasick pass over the text then
//! tells which patterns can possibly match, and only those run. A gate is a necessary condition, never a
//! sufficient one, so the hits are exactly those of running every pattern.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Strings as bytes: literals of the syntax tree are UTF-8 fragments.
type Set = Vec<Vec<u8>>;

/// Most members a set may have; products beyond it are cut where they stand.
const MAX_SET: usize = 64;
/// Largest character class expanded into its members (`[少缺]`, a class made from `(少|缺)`).
const MAX_CLASS: u32 = 16;
/// Largest bounded repetition expanded into its members.
const MAX_REPEAT: u32 = 3;

/// The conditions under which `pattern` can match: every inner set must have a member in the text. Empty
/// when nothing can be said (the pattern always runs) or when the pattern does not parse.
pub fn required_literals(pattern: &str) -> Vec<Vec<Vec<u8>>> {
    match regex_syntax::parse(pattern) {
        Ok(hir) => required_literals_of(&hir),
        Err(_) => Vec::new(),
    }
}

/// [`required_literals`] of a parsed pattern.
pub fn required_literals_of(hir: &Hir) -> Vec<Vec<Vec<u8>>> {
    let mut sets = required(hir);
    for s in &mut sets {
        s.sort();
        s.dedup();
    }
    sets.sort();
    sets.dedup();
    sets
}

/// The strings every match of `pattern` starts with, when they are known and none is empty: the only places
/// an anchored search can succeed. `None` when the pattern may start anywhere.
pub fn prefix_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    prefix_literals_of(&regex_syntax::parse(pattern).ok()?)
}

/// [`prefix_literals`] of a parsed pattern.
pub fn prefix_literals_of(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let seq = regex_syntax::hir::literal::Extractor::new().extract(hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    Some(dedup(lits.iter().map(|l| l.as_bytes().to_vec()).collect()))
}

fn dedup(mut s: Set) -> Set {
    s.sort();
    s.dedup();
    s
}

/// A set fit to gate on: no empty member (the empty string occurs everywhere), and no member that
/// contains another (老党员 says nothing 党员 does not).
fn usable(s: Set) -> Option<Set> {
    if s.is_empty() || s.iter().any(Vec::is_empty) {
        return None;
    }
    let keep: Set = s
        .iter()
        .filter(|m| {
            !s.iter()
                .any(|o| o.len() < m.len() && m.windows(o.len()).any(|w| w == o.as_slice()))
        })
        .cloned()
        .collect();
    Some(dedup(keep))
}

fn product(a: &Set, b: &Set) -> Option<Set> {
    if a.len().saturating_mul(b.len()) > MAX_SET {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    Some(dedup(out))
}

/// The characters (or bytes) of a small class, each as its UTF-8 string.
fn class_members(c: &Class) -> Option<Set> {
    let ranges: Vec<(u32, u32)> = match c {
        Class::Unicode(u) => u
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        Class::Bytes(b) => b
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
    };
    if ranges.iter().map(|(a, b)| b - a + 1).sum::<u32>() > MAX_CLASS {
        return None;
    }
    let unicode = matches!(c, Class::Unicode(_));
    Some(
        ranges
            .iter()
            .flat_map(|&(a, b)| a..=b)
            .filter_map(|cp| match unicode {
                true => char::from_u32(cp).map(|ch| ch.to_string().into_bytes()),
                false => u8::try_from(cp).ok().map(|b| vec![b]),
            })
            .collect(),
    )
}

/// Every string the expression can match, when there are few.
fn exact(h: &Hir) -> Option<Set> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(l) => Some(vec![l.0.to_vec()]),
        HirKind::Class(c) => class_members(c),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Repetition(r) => {
            let max = r.max?;
            if max > MAX_REPEAT {
                return None;
            }
            let sub = exact(&r.sub)?;
            let mut out = Set::new();
            let mut cur: Set = vec![Vec::new()];
            for k in 0..=max {
                if k >= r.min {
                    out.extend(cur.iter().cloned());
                }
                if k < max {
                    cur = product(&cur, &sub)?;
                }
            }
            let out = dedup(out);
            (out.len() <= MAX_SET).then_some(out)
        }
        HirKind::Concat(subs) => {
            let mut acc: Set = vec![Vec::new()];
            for s in subs {
                acc = product(&acc, &exact(s)?)?;
            }
            Some(acc)
        }
        HirKind::Alternation(subs) => {
            let mut out = Set::new();
            for s in subs {
                out.extend(exact(s)?);
                if out.len() > MAX_SET {
                    return None;
                }
            }
            Some(dedup(out))
        }
    }
}

/// Sets of which every match contains a member (all of them hold at once).
fn required(h: &Hir) -> Vec<Set> {
    if let Some(e) = exact(h) {
        return usable(e).into_iter().collect();
    }
    match h.kind() {
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Concat(subs) => {
            let mut out = Vec::new();
            // Neighbouring exact parts joined: 平均年龄 + (偏大|偏高) gives longer, rarer strings.
            let mut run: Option<Set> = None;
            for s in subs {
                match exact(s) {
                    Some(e) => {
                        run = Some(match run.take() {
                            None => e,
                            Some(r) => match product(&r, &e) {
                                Some(p) => p,
                                None => {
                                    out.extend(usable(r));
                                    e
                                }
                            },
                        });
                    }
                    None => {
                        if let Some(r) = run.take() {
                            out.extend(usable(r));
                        }
                        out.extend(required(s));
                    }
                }
            }
            if let Some(r) = run {
                out.extend(usable(r));
            }
            out
        }
        HirKind::Alternation(subs) => {
            // One set per branch (its longest-membered), all branches together.
            let mut all = Set::new();
            for s in subs {
                let Some(best) = required(s)
                    .into_iter()
                    .max_by_key(|set| set.iter().map(Vec::len).min().unwrap_or(0))
                else {
                    return Vec::new();
                };
                all.extend(best);
            }
            if all.len() > 4 * MAX_SET {
                return Vec::new();
            }
            vec![dedup(all)]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(p: &str) -> Vec<Vec<String>> {
        required_literals(p)
            .into_iter()
            .map(|s| {
                s.into_iter()
                    .map(|m| String::from_utf8(m).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn joins_neighbouring_literals() {
        assert_eq!(
            sets("平均年龄(偏大|偏高)"),
            vec![vec!["平均年龄偏大".to_string(), "平均年龄偏高".to_string()]]
        );
    }

    #[test]
    fn wildcards_split_requirements() {
        let s = sets("(党员|在册)[^。；]{0,15}平均年龄.{0,4}(偏大|老化)");
        assert_eq!(s.len(), 3, "{s:?}");
        assert!(s.contains(&vec!["偏大".to_string(), "老化".to_string()]));
        assert!(s.contains(&vec!["平均年龄".to_string()]));
    }

    #[test]
    fn optional_parts_are_not_required() {
        let s = sets("(老|老年)?党员.{0,3}少");
        assert!(
            s.iter().all(|set| !set.iter().any(|m| m.contains('老'))),
            "{s:?}"
        );
        assert!(s.contains(&vec!["少".to_string()]));
        // A branch that can be empty makes the whole alternation useless as a gate.
        assert!(sets("(甲|)").is_empty());
        assert!(sets(".*").is_empty());
    }

    #[test]
    fn alternation_of_wildcard_branches_keeps_one_set_per_branch() {
        let s = sets("(党员.{0,3}少|缺乏.{0,2}人才)");
        assert_eq!(s.len(), 1, "{s:?}");
        let set = &s[0];
        assert_eq!(set.len(), 2, "{set:?}");
        assert!(set.iter().any(|m| m == "党员" || m == "少"));
        assert!(set.iter().any(|m| m == "缺乏" || m == "人才"));
    }

    #[test]
    fn prefixes_are_where_matches_can_start() {
        let p = prefix_literals("(党员|在册)(周)?[^。；]{0,15}平均年龄").unwrap();
        assert!(p
            .iter()
            .all(|l| l.starts_with("党".as_bytes()) || l.starts_with("在".as_bytes())));
        assert_eq!(prefix_literals(".{0,3}党员"), None);
        assert_eq!(
            prefix_literals("(甲)?乙"),
            Some(vec!["乙".as_bytes().to_vec(), "甲乙".as_bytes().to_vec()])
        );
    }

    #[test]
    fn repeated_parts_need_one_copy() {
        assert_eq!(sets("(党建)+"), vec![vec!["党建".to_string()]]);
        assert!(sets("(党建)*").is_empty());
        assert_eq!(sets(r"\d+名"), vec![vec!["名".to_string()]]);
    }
}
