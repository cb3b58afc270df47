//! Report text → sections with roles → statements with character spans.
//!
//! The rules look for *shapes*, not for a list of exact headings: the enumeration level that carries the
//! section headings is the one whose headings announce the most different roles; inside a section, the first
//! enumeration level found splits it into statements; cue sentences (「究其原因」「但也存在一些不足」「下一步」)
//! switch roles where there is no heading to do it.

pub mod markers;
pub mod roles;

use markers::{Kind, Marker};
pub use roles::Role;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// How a statement's role was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// A section heading names the role (「二、存在的问题」).
    Heading,
    /// A turn phrase in the running text opened it (「但也存在一些不足，主要表现在」「究其原因」).
    Turn,
    /// The statement-role model read the statement itself.
    Model,
    /// Nothing said: the position in the document (opening text reads as achievements).
    Default,
}

impl Basis {
    /// The lower-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Heading => "heading",
            Basis::Turn => "turn",
            Basis::Model => "model",
            Basis::Default => "default",
        }
    }
}

/// One statement: an enumerated item with its elaboration, or an unenumerated paragraph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    /// The role of the section it belongs to.
    pub role: Role,
    /// How that role was decided.
    pub role_by: Basis,
    /// Confidence in the role: 1 for a heading or turn phrase, the model's probability, 0.5 by default.
    pub role_score: f32,
    /// Start, in characters of the normalised text.
    pub start: usize,
    /// End (exclusive), in characters.
    pub end: usize,
    /// The statement's text.
    pub text: String,
}

/// A section: a heading (when there is one) and its statements.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Its role.
    pub role: Role,
    /// Heading text, or the cue sentence that opened it.
    pub heading: Option<String>,
    /// Statements in document order.
    pub statements: Vec<Statement>,
}

/// The structure of one report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Structure {
    /// Sections in document order.
    pub sections: Vec<Section>,
    /// Whether a heading announced problems or causes (for the warning when none were found).
    pub problem_heading: bool,
}

impl Structure {
    /// All statements in document order.
    pub fn statements(&self) -> impl Iterator<Item = &Statement> {
        self.sections.iter().flat_map(|s| s.statements.iter())
    }
}

/// A byte span of the text.
type Span = (usize, usize);

/// A section before statements are split: role, heading, content chunks (byte spans).
struct Draft {
    role: Role,
    basis: Basis,
    heading: Option<String>,
    chunks: Vec<Span>,
}

fn paragraphs(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let trimmed_start = line.len() - line.trim_start().len();
        let body = line.trim();
        if !body.is_empty() {
            let s = pos + trimmed_start;
            out.push((s, s + body.len()));
        }
        pos += line.len();
    }
    out
}

/// Byte length of a heading's title: up to the first sentence break after the marker.
fn title_end(p: &str, marker_len: usize) -> usize {
    p[marker_len..]
        .find(['。', '：', ':', '；', '！', '？'])
        .map(|i| marker_len + i)
        .unwrap_or(p.len())
}

/// A paragraph that could head a section.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    kind: Kind,
    role: Option<Role>,
    /// Byte offset (within the paragraph) where content after the heading starts, if any.
    content_from: Option<usize>,
}

const HEADING_KINDS: [Kind; 5] = [
    Kind::Part,
    Kind::Cn,
    Kind::CnParen,
    Kind::Arabic,
    Kind::ArabicParen,
];
const MAX_TITLE_CHARS: usize = 26;

fn candidate(p: &str) -> Option<Candidate> {
    match markers::at_start(p) {
        Some(m) if HEADING_KINDS.contains(&m.kind) => {
            let te = title_end(p, m.len);
            let title = &p[m.len..te];
            // A title with clauses is a sentence, not a heading that names a part.
            let short = title.chars().count() <= MAX_TITLE_CHARS && !title.contains(['，', ',']);
            let role = if short {
                roles::heading_role(title)
            } else {
                None
            };
            let rest = p[te..].trim_start_matches(['。', '：', ':', '；', '！', '？', ' ']);
            let content_from = (short && !rest.is_empty()).then(|| p.len() - rest.len());
            Some(Candidate {
                kind: m.kind,
                role,
                content_from: if short { content_from } else { Some(0) },
            })
        }
        Some(_) => None,
        None => {
            // A line that ends a sentence is body text, however short.
            if p.ends_with('。') {
                return None;
            }
            let body = p.trim_end_matches(['：', ':', '？', '?']);
            let n = body.chars().count();
            if n == 0 || n > 24 || body.contains(['。', '，', ',', '；', ';', '！', '？']) {
                return None;
            }
            if roles::document_title(body) {
                return None;
            }
            let role = roles::heading_role(body)?;
            Some(Candidate {
                kind: Kind::Bare,
                role: Some(role),
                content_from: None,
            })
        }
    }
}

/// Chooses the enumeration level of section headings: the kind whose cue headings name most roles.
///
/// On a tie, the kind whose occurrences most often name a role wins (items only sometimes do, section headings
/// nearly always), then the outer level.
fn top_kind(cands: &[(usize, Candidate)]) -> Option<Kind> {
    let mut roles: HashMap<Kind, BTreeSet<Role>> = HashMap::new();
    let mut seen: HashMap<Kind, (usize, usize)> = HashMap::new();
    for (_, c) in cands {
        let e = seen.entry(c.kind).or_default();
        e.0 += 1;
        if let Some(r) = c.role {
            e.1 += 1;
            let r = if r == Role::Cause { Role::Problem } else { r };
            roles.entry(c.kind).or_default().insert(r);
        }
    }
    let cue_share = |k: &Kind| {
        let (n, with_role) = seen.get(k).copied().unwrap_or((1, 0));
        with_role as f64 / n.max(1) as f64
    };
    roles
        .into_iter()
        .max_by(|a, b| {
            a.1.len()
                .cmp(&b.1.len())
                .then_with(|| cue_share(&a.0).total_cmp(&cue_share(&b.0)))
                .then_with(|| b.0.cmp(&a.0))
        })
        .map(|(k, _)| k)
}

fn is_title_line(p: &str) -> bool {
    // A line with a full stop or several clauses is body text: a continuation page starts mid-report.
    p.chars().count() <= 80
        && markers::at_start(p).is_none()
        && !p.ends_with(['：', ':'])
        && !p.contains(['。', '；'])
        && p.matches('，').count() < 2
}

/// Splits a report text into sections and statements.
pub fn build(text: &str) -> Structure {
    let paras = paragraphs(text);
    if paras.is_empty() {
        return Structure::default();
    }
    let ptext = |i: usize| &text[paras[i].0..paras[i].1];

    // Title block: the first line, and short unnumbered lines right after it (unit, date, name).
    let mut first_body = 0;
    if is_title_line(ptext(0)) && paras.len() > 1 {
        first_body = 1;
        while first_body < paras.len().min(3) {
            let p = ptext(first_body);
            if p.chars().count() <= 30 && !p.contains(['。', '，', '；']) && candidate(p).is_none()
            {
                first_body += 1;
            } else {
                break;
            }
        }
    }

    let cands: Vec<(usize, Candidate)> = (first_body..paras.len())
        .filter_map(|i| candidate(ptext(i)).map(|c| (i, c)))
        .collect();
    let top = top_kind(&cands);
    let is_start =
        |c: &Candidate| Some(c.kind) == top || (c.kind == Kind::Bare && c.role.is_some());
    let headed: BTreeSet<Role> = cands
        .iter()
        .filter(|(_, c)| is_start(c))
        .filter_map(|(_, c)| c.role)
        .collect();

    let mut drafts: Vec<Draft> = Vec::new();
    if first_body > 0 {
        drafts.push(Draft {
            role: Role::Other,
            basis: Basis::Default,
            heading: Some(ptext(0).to_string()),
            chunks: (1..first_body).map(|i| paras[i]).collect(),
        });
    }
    // Unheaded text opens as achievements (after an opening paragraph) until a cue says otherwise.
    let mut current = Draft {
        role: Role::Other,
        basis: Basis::Default,
        heading: None,
        chunks: Vec::new(),
    };
    let mut seen_problem_or_measure = false;
    let cand_at: HashMap<usize, Candidate> = cands.iter().copied().collect();
    for (i, &(s, e)) in paras.iter().enumerate().skip(first_body) {
        match cand_at.get(&i).filter(|c| is_start(c)) {
            Some(c) => {
                // A heading that names no role: under problems it is an area of them (对照检查材料's
                // 「（二）在思想政治方面」); elsewhere achievements before any problem, other after.
                let basis = if c.role.is_some() {
                    Basis::Heading
                } else {
                    Basis::Default
                };
                let role = c.role.unwrap_or(if current.role.classified() {
                    current.role
                } else if seen_problem_or_measure {
                    Role::Other
                } else {
                    Role::Highlight
                });
                if matches!(role, Role::Problem | Role::Cause | Role::Measure) {
                    seen_problem_or_measure = true;
                }
                let (heading, chunk) = match c.content_from {
                    Some(0) => (text[s..e].to_string(), Some((s, e))),
                    Some(off) => (text[s..s + off].trim_end().to_string(), Some((s + off, e))),
                    None => (text[s..e].to_string(), None),
                };
                let prev = std::mem::replace(
                    &mut current,
                    Draft {
                        role,
                        basis,
                        heading: Some(heading),
                        chunks: chunk.into_iter().collect(),
                    },
                );
                drafts.push(prev);
            }
            None => current.chunks.push((s, e)),
        }
    }
    drafts.push(current);
    if top.is_none() && headed.is_empty() {
        // No headings at all: the opening paragraph is "other", the rest starts as achievements.
        if let Some(d) = drafts
            .iter_mut()
            .find(|d| d.heading.is_none() && d.chunks.len() > 1)
        {
            d.role = Role::Highlight;
        }
    }

    let drafts = split_on_cues(text, drafts, &headed);
    let drafts = peel_closing(text, drafts);

    let mut cursor = CharCursor::new(text);
    let mut sections = Vec::new();
    for d in drafts {
        if d.chunks.is_empty() && d.heading.is_none() {
            continue;
        }
        let spans = split_statements(text, &d.chunks, top, d.role);
        let statements = spans
            .into_iter()
            .map(|(s, e)| Statement {
                role: d.role,
                role_by: d.basis,
                role_score: if d.basis == Basis::Default { 0.5 } else { 1.0 },
                start: cursor.chars_at(s),
                end: cursor.chars_at(e),
                text: text[s..e].to_string(),
            })
            .collect();
        sections.push(Section {
            role: d.role,
            heading: d.heading,
            statements,
        });
    }
    let problem_heading = headed.contains(&Role::Problem) || headed.contains(&Role::Cause);
    Structure {
        sections,
        problem_heading,
    }
}

/// Sentence starts inside a chunk: its start and the byte after each 。；！？.
fn sentence_starts(text: &str, (s, e): Span) -> Vec<usize> {
    let mut out = vec![s];
    for (i, ch) in text[s..e].char_indices() {
        if matches!(ch, '。' | '；' | ';' | '！' | '？') {
            let next = s + i + ch.len_utf8();
            if next < e {
                out.push(next);
            }
        }
    }
    out
}

/// Whether a list marker or a colon follows soon after a cue: the cue then opens a list of causes.
fn list_follows(after: &str) -> bool {
    let window: String = after.chars().take(24).collect();
    window.contains(['：', ':']) || !markers::inline(&window).is_empty()
}

/// The role a turn phrase at the start of `sentence` switches to, if any.
///
/// `item_head` is true for the first sentence of an enumerated item (「（三）……」), where turns to problems
/// and next steps are not taken: an item is a statement of its section, not a new part.
fn turn_to(
    role: Role,
    sentence: &str,
    item_head: bool,
    para_start: bool,
    headed: &BTreeSet<Role>,
) -> Option<Role> {
    if !item_head
        && matches!(role, Role::Highlight | Role::Other)
        && !headed.contains(&Role::Problem)
        && roles::problem_cue(sentence)
    {
        return Some(Role::Problem);
    }
    if !item_head
        && role != Role::Measure
        && !headed.contains(&Role::Measure)
        && roles::measure_cue(sentence)
    {
        return Some(Role::Measure);
    }
    if role != Role::Measure && role != Role::Cause && !headed.contains(&Role::Cause) {
        if let Some(cue_end) = roles::cause_cue(sentence) {
            // Outside a problems part only a cue that points back at problems counts.
            let ok_here = role == Role::Problem || roles::refers_to_problems(sentence);
            if ok_here && (para_start || list_follows(&sentence[cue_end..])) {
                return Some(Role::Cause);
            }
        }
    }
    None
}

/// Role switches inside sections, where turn phrases in the running text say what headings do not: at
/// any sentence start, so 「……取得了一定成效，但也存在一些问题和不足，主要表现在：一是……」 turns mid-paragraph.
fn split_on_cues(text: &str, drafts: Vec<Draft>, headed: &BTreeSet<Role>) -> Vec<Draft> {
    let mut out = Vec::new();
    for d in drafts {
        let mut cur = Draft {
            role: d.role,
            basis: d.basis,
            heading: d.heading,
            chunks: Vec::new(),
        };
        for (s, e) in d.chunks {
            let item = markers::at_start(&text[s..e]);
            let item_len = item.map(|m: Marker| m.len).unwrap_or(0);
            let mut start = s;
            for ss in sentence_starts(text, (s, e)) {
                let at = if ss == s { s + item_len } else { ss };
                let sentence = &text[at..e];
                let item_head = ss == s && item.is_some_and(|m| m.kind != Kind::Bare);
                let Some(role) = turn_to(cur.role, sentence, item_head, ss == s, headed) else {
                    continue;
                };
                if ss > start {
                    cur.chunks.push((start, ss));
                }
                let prev = std::mem::replace(
                    &mut cur,
                    Draft {
                        role,
                        basis: Basis::Turn,
                        heading: Some(cue_heading(sentence)),
                        chunks: Vec::new(),
                    },
                );
                out.push(prev);
                start = ss;
            }
            if start < e {
                cur.chunks.push((start, e));
            }
        }
        out.push(cur);
    }
    out
}

/// The clause that opened a cue section, for display.
fn cue_heading(s: &str) -> String {
    let end = s
        .find(['，', ',', '：', ':', '。', '；'])
        .unwrap_or(s.len());
    s[..end].chars().take(30).collect()
}

/// Closing remarks and sign-off lines at the end become an "other" section.
fn peel_closing(text: &str, mut drafts: Vec<Draft>) -> Vec<Draft> {
    let Some(last) = drafts.last_mut() else {
        return drafts;
    };
    let mut tail = Vec::new();
    while let Some(&(s, e)) = last.chunks.last() {
        let p = &text[s..e];
        let signoff = p.chars().count() <= 30
            && !p.contains(['。', '，', '；'])
            && markers::at_start(p).is_none();
        if roles::closing(p) || signoff {
            tail.push((s, e));
            last.chunks.pop();
        } else {
            break;
        }
    }
    if !tail.is_empty() {
        tail.reverse();
        drafts.push(Draft {
            role: Role::Other,
            basis: Basis::Default,
            heading: None,
            chunks: tail,
        });
    }
    drafts
}

/// Splits a section's chunks into statement spans (trimmed, non-overlapping, in order).
fn split_statements(text: &str, chunks: &[Span], top: Option<Kind>, role: Role) -> Vec<Span> {
    if chunks.is_empty() {
        return Vec::new();
    }
    if role == Role::Other {
        return chunks.to_vec();
    }
    let usable = |m: &Marker| Some(m.kind) != top && m.kind != Kind::Bare;
    let start_marks: Vec<Option<Marker>> = chunks
        .iter()
        .map(|&(s, e)| markers::at_start(&text[s..e]).filter(usable))
        .collect();
    // Every inline occurrence, absolute offsets, per kind.
    let mut occurrences: HashMap<Kind, Vec<usize>> = HashMap::new();
    for (ci, &(s, e)) in chunks.iter().enumerate() {
        if let Some(m) = start_marks[ci] {
            occurrences.entry(m.kind).or_default().push(s);
        }
        for (off, m) in markers::inline(&text[s..e]) {
            if off > 0 && usable(&m) {
                occurrences.entry(m.kind).or_default().push(s + off);
            }
        }
    }
    let count = |k: Kind| occurrences.get(&k).map_or(0, Vec::len);
    let chosen = start_marks
        .iter()
        .flatten()
        .map(|m| m.kind)
        .find(|&k| count(k) >= if k.needs_two() { 2 } else { 1 })
        .map(|k| (k, true))
        .or_else(|| {
            // Inline only: the earliest kind that occurs at least twice.
            let mut best: Option<(usize, Kind)> = None;
            for (&k, offs) in &occurrences {
                if offs.len() >= 2 && best.is_none_or(|(o, bk)| (offs[0], k) < (o, bk)) {
                    best = Some((offs[0], k));
                }
            }
            best.map(|(_, k)| (k, false))
        });

    let mut cuts: BTreeSet<usize> = BTreeSet::new();
    let item_starts: BTreeSet<usize> = match chosen {
        Some((k, _)) => occurrences[&k].iter().copied().collect(),
        None => BTreeSet::new(),
    };
    cuts.extend(item_starts.iter().copied());
    let at_chunk_level = matches!(chosen, Some((_, true)));
    let first_item = item_starts.iter().next().copied();
    for &(s, _) in chunks {
        // Chunk boundaries cut unless paragraphs are elaborations of enumerated items.
        if !at_chunk_level || first_item.is_none_or(|f| s < f) {
            cuts.insert(s);
        }
    }
    let mut spans = Vec::new();
    let cut_list: Vec<usize> = cuts.into_iter().collect();
    for (i, &c) in cut_list.iter().enumerate() {
        // A span runs to the next cut, but never across the end of the chunk it is in when chunks cut.
        let chunk_end = chunks
            .iter()
            .find(|&&(s, e)| s <= c && c < e)
            .map(|&(_, e)| e)
            .unwrap_or(c);
        let next = cut_list.get(i + 1).copied();
        let end = if at_chunk_level && first_item.is_some_and(|f| c >= f) {
            // Items absorb following unmarked paragraphs up to the next cut.
            let limit = next.unwrap_or(usize::MAX);
            chunks
                .iter()
                .filter(|&&(s, _)| s < limit)
                .map(|&(_, e)| e)
                .filter(|&e| e > c)
                .max()
                .unwrap_or(chunk_end)
                .min(limit)
        } else {
            next.map_or(chunk_end, |n| n.min(chunk_end))
        };
        let raw = &text[c..end];
        let s = c + (raw.len() - raw.trim_start().len());
        let e = c + raw.trim_end().len();
        if s >= e {
            continue;
        }
        let is_item = item_starts.contains(&c);
        if !is_item && roles::lead_in(&text[s..e]) {
            continue;
        }
        spans.push((s, e));
    }
    spans
}

/// Converts increasing byte offsets to character offsets in one pass.
struct CharCursor<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharCursor<'a> {
    fn new(text: &'a str) -> Self {
        CharCursor {
            text,
            byte: 0,
            chars: 0,
        }
    }

    fn chars_at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            return self.text[..byte].chars().count();
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
mod tests;
