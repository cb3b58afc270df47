//! A small backtracking matcher for rule patterns, run anchored at the places where a cue literal was found.
//!
//! The rule patterns are short windows between cue words (`党员[^。；]{0,10}(年龄|年纪).{0,6}(偏大|偏高)`).
//! Run by the regex engine's lazy DFA, each of them builds new states in nearly every statement it meets,
//! because a Unicode window compiles to many byte-level states; and each call pays for the engine's
//! general set-up. Tried only at the few starts the literal pass found, a backtracker that steps over
//! whole characters does far less work.
//!
//! Semantics are the regex crate's leftmost-first ones: alternatives in order, greedy repetitions longest
//! first, lazy ones shortest first; the first way the pattern matches from the start is the match. That is
//! what a backtracking search finds, and what every engine of the regex crate reports. Patterns with parts
//! this matcher does not model (look-around assertions such as `^` or `\b`, byte classes, unbounded
//! repetition of something that can match empty, very large programs) are not compiled here and stay with
//! the regex engine.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Most instructions a program may have; larger patterns stay with the regex engine.
const MAX_INSTS: usize = 4096;
/// Most class ranges over all class instructions: bounds the size of the regex engine's own automaton for
/// a pattern compiled here, so that building it later (for the reference matcher, or when a search runs
/// out of steps) cannot fail where it did not fail at load time.
const MAX_RANGES: usize = 8192;
/// Steps a single anchored search may take before it gives up and the regex engine answers instead.
pub const STEP_BUDGET: usize = 20_000;

#[derive(Debug, Clone)]
enum Inst {
    /// These bytes, here.
    Lit(Box<[u8]>),
    /// One of these strings, tried in order (an alternation of literals).
    Alts(Box<Alts>),
    /// One character in these sorted, disjoint ranges.
    Class(Box<[(char, char)]>),
    /// Between `min` and `max` characters of a class: a window such as `[^。；]{0,15}`.
    Gap {
        ranges: Box<[(char, char)]>,
        min: u32,
        max: u32,
        greedy: bool,
    },
    /// Try the first target, then the second.
    Split(usize, usize),
    Jmp(usize),
    Match,
}

#[derive(Debug, Clone)]
struct Alts {
    lits: Vec<Box<[u8]>>,
    /// Bits of [`first_key`] of every member: most places fail this one test.
    first: [u64; 32],
}

/// A hash of the first one or two bytes of a string (at most 2047).
fn first_key(b: &[u8]) -> Option<usize> {
    let b0 = *b.first()?;
    if b0 < 0x80 {
        return Some(usize::from(b0));
    }
    let b1 = *b.get(1)?;
    Some(128 + ((usize::from(b0 & 0x1F) << 6 | usize::from(b1 & 0x3F)) % 1920))
}

/// A place to come back to when what follows fails.
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// Go on at `pc` from `pos`.
    At(usize, usize),
    /// The alternation at `pc` at `pos`, from member `k` on.
    Alt(usize, usize, usize),
    /// A greedy window ending at `pos`: give back one more character, not going below `lo`.
    Back(usize, usize, usize),
    /// A lazy window at `pc` that has taken `taken` characters up to `pos`: take one more.
    Fwd(usize, usize, u32),
}

/// Scratch space for searches, reused between them.
#[derive(Debug, Default)]
pub struct Stack(Vec<Frame>);

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Program {
    insts: Vec<Inst>,
}

/// Why a search gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfSteps;

struct Compiler {
    insts: Vec<Inst>,
    ranges: usize,
}

/// The strings an alternation branch stands for when it is one literal or a small class (members of a
/// class are one character each, so their order does not matter).
fn branch_literals(h: &Hir) -> Option<Vec<Box<[u8]>>> {
    match h.kind() {
        HirKind::Literal(l) => {
            std::str::from_utf8(&l.0).ok()?;
            Some(vec![l.0.clone()])
        }
        HirKind::Class(Class::Unicode(u)) => {
            let n: u32 = u
                .ranges()
                .iter()
                .map(|r| u32::from(r.end()) - u32::from(r.start()) + 1)
                .sum();
            (n <= 16).then(|| {
                u.iter()
                    .flat_map(|r| r.start()..=r.end())
                    .map(|c| c.to_string().into_bytes().into_boxed_slice())
                    .collect()
            })
        }
        HirKind::Capture(c) => branch_literals(&c.sub),
        _ => None,
    }
}

impl Compiler {
    fn push(&mut self, i: Inst) -> Option<usize> {
        if self.insts.len() >= MAX_INSTS {
            return None;
        }
        self.insts.push(i);
        Some(self.insts.len() - 1)
    }

    /// The ranges of a class that the regex engine compiles `copies` times.
    fn class(&mut self, h: &Hir, copies: u32) -> Option<Box<[(char, char)]>> {
        let HirKind::Class(Class::Unicode(u)) = h.kind() else {
            return None;
        };
        let r: Box<[(char, char)]> = u.ranges().iter().map(|r| (r.start(), r.end())).collect();
        self.ranges = self
            .ranges
            .saturating_add(r.len().saturating_mul(copies.max(1) as usize));
        (self.ranges <= MAX_RANGES).then_some(r)
    }

    fn c(&mut self, h: &Hir) -> Option<()> {
        match h.kind() {
            HirKind::Empty => Some(()),
            HirKind::Literal(l) => {
                // Literals are whole characters in Unicode mode; anything else stays with the engine.
                std::str::from_utf8(&l.0).ok()?;
                self.push(Inst::Lit(l.0.clone()))?;
                Some(())
            }
            HirKind::Class(Class::Unicode(_)) => {
                let r = self.class(h, 1)?;
                self.push(Inst::Class(r))?;
                Some(())
            }
            HirKind::Class(Class::Bytes(_)) | HirKind::Look(_) => None,
            HirKind::Capture(c) => self.c(&c.sub),
            HirKind::Concat(subs) => subs.iter().try_for_each(|s| self.c(s)),
            HirKind::Alternation(subs) => {
                if let Some(lits) = subs.iter().map(branch_literals).collect::<Option<Vec<_>>>() {
                    let lits: Vec<Box<[u8]>> = lits.into_iter().flatten().collect();
                    if lits.iter().all(|l| !l.is_empty()) {
                        let mut first = [0u64; 32];
                        for l in &lits {
                            let k = first_key(l)?;
                            first[k / 64] |= 1 << (k % 64);
                        }
                        self.push(Inst::Alts(Box::new(Alts { lits, first })))?;
                        return Some(());
                    }
                }
                let mut jumps = Vec::new();
                for (i, s) in subs.iter().enumerate() {
                    if i + 1 < subs.len() {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.c(s)?;
                        jumps.push(self.push(Inst::Jmp(0))?);
                        let next = self.insts.len();
                        self.insts[split] = Inst::Split(split + 1, next);
                    } else {
                        self.c(s)?;
                    }
                }
                let end = self.insts.len();
                for j in jumps {
                    self.insts[j] = Inst::Jmp(end);
                }
                Some(())
            }
            HirKind::Repetition(r) => {
                if let (HirKind::Class(Class::Unicode(_)), Some(max)) = (r.sub.kind(), r.max) {
                    let ranges = self.class(&r.sub, max)?;
                    self.push(Inst::Gap {
                        ranges,
                        min: r.min,
                        max,
                        greedy: r.greedy,
                    })?;
                    return Some(());
                }
                for _ in 0..r.min {
                    self.c(&r.sub)?;
                }
                match r.max {
                    Some(max) => {
                        // Nested optional copies, each split leaving for the common end: (x(x(x)?)?)?.
                        let mut splits = Vec::new();
                        for _ in r.min..max {
                            splits.push(self.push(Inst::Split(0, 0))?);
                            self.c(&r.sub)?;
                        }
                        let end = self.insts.len();
                        for s in splits {
                            self.insts[s] = match r.greedy {
                                true => Inst::Split(s + 1, end),
                                false => Inst::Split(end, s + 1),
                            };
                        }
                        Some(())
                    }
                    None => {
                        // A loop over something that can match empty has the engines' own empty-match
                        // rules; leave it to them.
                        if r.sub.properties().minimum_len().is_none_or(|n| n == 0) {
                            return None;
                        }
                        let top = self.push(Inst::Split(0, 0))?;
                        self.c(&r.sub)?;
                        self.push(Inst::Jmp(top))?;
                        let end = self.insts.len();
                        self.insts[top] = match r.greedy {
                            true => Inst::Split(top + 1, end),
                            false => Inst::Split(end, top + 1),
                        };
                        Some(())
                    }
                }
            }
        }
    }
}

impl Program {
    /// Compiles a pattern, or `None` when it uses something this matcher leaves to the regex engine (or
    /// does not parse).
    pub fn new(pattern: &str) -> Option<Program> {
        let hir = regex_syntax::parse(pattern).ok()?;
        Self::from_hir(&hir)
    }

    /// Compiles a parsed pattern; see [`Program::new`].
    pub fn from_hir(hir: &Hir) -> Option<Program> {
        let mut c = Compiler {
            insts: Vec::new(),
            ranges: 0,
        };
        c.c(hir)?;
        c.push(Inst::Match)?;
        Some(Program { insts: c.insts })
    }

    /// The end of the leftmost-first match that starts exactly at `at`, if any; `Err` when the search
    /// took more than [`STEP_BUDGET`] steps.
    pub fn match_at(
        &self,
        text: &str,
        at: usize,
        stack: &mut Stack,
    ) -> Result<Option<usize>, OutOfSteps> {
        let bytes = text.as_bytes();
        let stack = &mut stack.0;
        stack.clear();
        stack.push(Frame::At(0, at));
        let mut steps = 0usize;
        while let Some(frame) = stack.pop() {
            let (mut pc, mut pos) = match frame {
                Frame::At(pc, pos) => (pc, pos),
                Frame::Alt(pc, pos, k) => {
                    let Inst::Alts(a) = &self.insts[pc] else {
                        unreachable!("an Alt frame points at an alternation")
                    };
                    match try_alts(a, bytes, pos, k, pc, stack) {
                        Some(end) => (pc + 1, end),
                        None => continue,
                    }
                }
                Frame::Back(pc, lo, cur) => {
                    let prev = prev_boundary(bytes, cur);
                    if prev > lo {
                        stack.push(Frame::Back(pc, lo, prev));
                    }
                    (pc, prev)
                }
                Frame::Fwd(gap, pos, taken) => {
                    let Inst::Gap { ranges, max, .. } = &self.insts[gap] else {
                        unreachable!("a Fwd frame points at a window")
                    };
                    match next_char(bytes, pos) {
                        Some((c, n)) if taken < *max && in_ranges(ranges, c) => {
                            stack.push(Frame::Fwd(gap, pos + n, taken + 1));
                            (gap + 1, pos + n)
                        }
                        _ => continue,
                    }
                }
            };
            loop {
                steps += 1;
                if steps > STEP_BUDGET {
                    return Err(OutOfSteps);
                }
                match &self.insts[pc] {
                    Inst::Lit(l) => {
                        if bytes.len() - pos >= l.len() && bytes[pos..pos + l.len()] == **l {
                            pos += l.len();
                            pc += 1;
                        } else {
                            break;
                        }
                    }
                    Inst::Alts(a) => match try_alts(a, bytes, pos, 0, pc, stack) {
                        Some(end) => {
                            pos = end;
                            pc += 1;
                        }
                        None => break,
                    },
                    Inst::Class(ranges) => match next_char(bytes, pos) {
                        Some((c, n)) if in_ranges(ranges, c) => {
                            pos += n;
                            pc += 1;
                        }
                        _ => break,
                    },
                    Inst::Gap {
                        ranges,
                        min,
                        max,
                        greedy,
                    } => {
                        let mut end = pos;
                        let mut lo = pos;
                        let limit = if *greedy { *max } else { *min };
                        let mut taken = 0;
                        while taken < limit {
                            match next_char(bytes, end) {
                                Some((c, n)) if in_ranges(ranges, c) => end += n,
                                _ => break,
                            }
                            taken += 1;
                            if taken == *min {
                                lo = end;
                            }
                        }
                        steps += taken as usize;
                        if taken < *min {
                            break;
                        }
                        if *greedy {
                            if end > lo {
                                stack.push(Frame::Back(pc + 1, lo, end));
                            }
                        } else if taken < *max {
                            stack.push(Frame::Fwd(pc, end, taken));
                        }
                        pos = end;
                        pc += 1;
                    }
                    &Inst::Split(a, b) => {
                        stack.push(Frame::At(b, pos));
                        pc = a;
                    }
                    &Inst::Jmp(t) => pc = t,
                    Inst::Match => return Ok(Some(pos)),
                }
            }
        }
        Ok(None)
    }
}

/// The end of the first member of `a` from the `k`-th on that is at `pos`, leaving a frame for the
/// members after it.
fn try_alts(
    a: &Alts,
    bytes: &[u8],
    pos: usize,
    k: usize,
    pc: usize,
    stack: &mut Vec<Frame>,
) -> Option<usize> {
    let key = first_key(&bytes[pos..])?;
    if a.first[key / 64] >> (key % 64) & 1 == 0 {
        return None;
    }
    let rest = &bytes[pos..];
    for (i, l) in a.lits.iter().enumerate().skip(k) {
        if rest.len() >= l.len() && rest[..l.len()] == **l {
            if i + 1 < a.lits.len() {
                stack.push(Frame::Alt(pc, pos, i + 1));
            }
            return Some(pos + l.len());
        }
    }
    None
}

/// The start of the character that ends at `pos` (valid UTF-8, `pos` > 0).
fn prev_boundary(bytes: &[u8], pos: usize) -> usize {
    let mut p = pos - 1;
    while p > 0 && bytes[p] & 0xC0 == 0x80 {
        p -= 1;
    }
    p
}

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    if ranges.len() <= 8 {
        return ranges.iter().any(|&(a, b)| a <= c && c <= b);
    }
    match ranges.binary_search_by(|&(a, _)| a.cmp(&c)) {
        Ok(_) => true,
        Err(0) => false,
        Err(i) => c <= ranges[i - 1].1,
    }
}

/// The character starting at byte `pos` of valid UTF-8 and its length; `None` at the end or inside a
/// character.
fn next_char(bytes: &[u8], pos: usize) -> Option<(char, usize)> {
    let b0 = *bytes.get(pos)?;
    let (n, init) = match b0 {
        0x00..=0x7F => return Some((b0 as char, 1)),
        0xC0..=0xDF => (2, u32::from(b0 & 0x1F)),
        0xE0..=0xEF => (3, u32::from(b0 & 0x0F)),
        0xF0..=0xF7 => (4, u32::from(b0 & 0x07)),
        _ => return None,
    };
    let tail = bytes.get(pos + 1..pos + n)?;
    let cp = tail
        .iter()
        .fold(init, |acc, &b| (acc << 6) | u32::from(b & 0x3F));
    char::from_u32(cp).map(|c| (c, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::{meta::Regex, Anchored, Input};

    /// The matcher's answer at every start of `text` against the regex engine's anchored search.
    fn same_everywhere(pattern: &str, text: &str) {
        let p = Program::new(pattern).expect(pattern);
        let re = Regex::new(pattern).unwrap();
        let mut stack = Stack::default();
        for at in 0..=text.len() {
            let want = text.is_char_boundary(at).then(|| {
                re.search(&Input::new(text).range(at..).anchored(Anchored::Yes))
                    .map(|m| m.end())
            });
            let got = p.match_at(text, at, &mut stack).unwrap();
            assert_eq!(got, want.flatten(), "{pattern} on {text:?} at {at}");
        }
    }

    #[test]
    fn follows_leftmost_first_preferences() {
        same_everywhere("党员.{0,6}(少|少数)", "党员很少数，党员少");
        same_everywhere("党员.{0,6}?(少|少数)", "党员很少数，党员少");
        same_everywhere("(少数|少)党员", "少数党员少党员");
        same_everywhere(r"(\d+|[一二三]+)(名|人)", "仅12名党员，一二三人，99");
        same_everywhere(r"[^。；\d]{0,4}(5[0-9]|六十)", "平均年龄57岁。六十；5");
        same_everywhere(r"连续\S{0,3}年未", "连续三 年未连续三年未");
        same_everywhere("(的)?(老|老年)?党员", "的老年党员老党员的党员");
        same_everywhere("a{2,4}?b|a+", "aaaaab aab a");
    }

    #[test]
    fn leaves_what_it_does_not_model_to_the_engine() {
        assert!(Program::new("^党员").is_none());
        assert!(Program::new(r"\b党员").is_none());
        assert!(Program::new("(a|)*b").is_none());
        assert!(Program::new(r"(?-u:\xFF)").is_none());
        assert!(Program::new(r"\w{0,5000}").is_none());
        assert!(Program::new("(未闭合").is_none());
        assert!(Program::new("(a|b)*c").is_some());
    }

    #[test]
    fn what_it_compiles_the_regex_engine_builds_too() {
        // The largest windows of big classes within the bound: the engine's automaton still fits.
        for p in [r"\w{0,10}", r"\S{0,10}\d{0,4}", r"(\w\w\w\w\w){2}"] {
            assert!(Program::new(p).is_some(), "{p}");
            assert!(Regex::new(p).is_ok(), "{p}");
        }
        assert!(Program::new(r"\w{0,12}").is_none());
    }

    #[test]
    fn gives_up_after_its_budget() {
        let p = Program::new("(a|aa)*(a|aa)*b").unwrap();
        let text = "a".repeat(60);
        assert_eq!(p.match_at(&text, 0, &mut Stack::default()), Err(OutOfSteps));
    }

    #[test]
    fn decodes_only_at_character_starts() {
        let s = "甲乙";
        assert_eq!(next_char(s.as_bytes(), 0), Some(('甲', 3)));
        assert_eq!(next_char(s.as_bytes(), 1), None);
        assert_eq!(next_char(s.as_bytes(), 6), None);
    }
}
