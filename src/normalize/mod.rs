//! Decoded text → the text that structure and themes read: one script, one punctuation, one line per
//! paragraph.
//!
//! Real files arrive in traditional script, with ASCII punctuation, hard-wrapped by PDF or e-mail, flattened
//! onto one line by a web page, or wrapped in a site's boilerplate. Each pass here undoes one of those and
//! keeps, for every output character, the character of the decoded text it came from, so evidence can be
//! traced back to the file.

mod lines;
mod punct;
mod script;

pub use script::warm_up;

use serde::Serialize;

/// One repair the normaliser made to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Pinyin glosses of converter sites removed (「長(zhǎng)」).
    Pinyin,
    /// Traditional characters converted to simplified.
    Traditional,
    /// ASCII punctuation between Chinese text turned full-width.
    AsciiPunct,
    /// Page numbers and site boilerplate lines dropped.
    Noise,
    /// A table of contents dropped.
    Contents,
    /// Repetitions of the title (running headers) dropped.
    RepeatedTitle,
    /// Hard-wrapped lines joined into paragraphs.
    Unwrapped,
    /// Flattened text split into lines at headings and list markers.
    Split,
}

impl Step {
    /// The name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Pinyin => "pinyin",
            Step::Traditional => "traditional",
            Step::AsciiPunct => "ascii_punct",
            Step::Noise => "noise",
            Step::Contents => "contents",
            Step::RepeatedTitle => "repeated_title",
            Step::Unwrapped => "unwrapped",
            Step::Split => "split",
        }
    }
}

/// A normalised text and where its characters came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// For each character of `text` (and one past the end), its character offset in the input; `None`
    /// when every character kept its place.
    pub origin: Option<Vec<u32>>,
    /// The repairs made, in pipeline order, each once.
    pub steps: Vec<Step>,
}

impl Normalized {
    /// The input character offset of normalised character offset `i` (clamped to the end).
    pub fn origin_of(&self, i: usize) -> usize {
        match &self.origin {
            None => i,
            Some(m) => m[i.min(m.len() - 1)] as usize,
        }
    }
}

/// Characters with their input offsets: what each pass reads and writes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Buf {
    pub chars: Vec<char>,
    pub orig: Vec<u32>,
}

impl Buf {
    fn from_text(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let orig = (0..chars.len() as u32).collect();
        Buf { chars, orig }
    }

    pub(crate) fn with_capacity(n: usize) -> Self {
        Buf {
            chars: Vec::with_capacity(n),
            orig: Vec::with_capacity(n),
        }
    }

    pub(crate) fn push(&mut self, c: char, o: u32) {
        self.chars.push(c);
        self.orig.push(o);
    }

    pub(crate) fn len(&self) -> usize {
        self.chars.len()
    }

    /// Line ranges (without the newline), in order.
    pub(crate) fn lines(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut s = 0;
        for (i, &c) in self.chars.iter().enumerate() {
            if c == '\n' {
                out.push((s, i));
                s = i + 1;
            }
        }
        out.push((s, self.chars.len()));
        out
    }
}

/// Normalises a decoded text (see the module documentation).
pub fn normalize(text: &str) -> Normalized {
    let mut steps = Vec::new();
    let n_in = text.chars().count();
    let mut buf = Buf::from_text(text);
    if script::strip_pinyin(&mut buf) {
        steps.push(Step::Pinyin);
    }
    if script::to_simplified(&mut buf) {
        steps.push(Step::Traditional);
    }
    if punct::to_full_width(&mut buf) {
        steps.push(Step::AsciiPunct);
    }
    steps.extend(lines::repair(&mut buf));
    // No pass changed anything (each changes the text only when it reports a step).
    if steps.is_empty() {
        return Normalized {
            text: text.to_string(),
            origin: None,
            steps,
        };
    }
    let identity = buf.len() == n_in && buf.orig.iter().enumerate().all(|(i, &o)| o as usize == i);
    let origin = (!identity).then(|| {
        let mut m = buf.orig.clone();
        m.push(n_in as u32);
        m
    });
    Normalized {
        text: buf.chars.iter().collect(),
        origin,
        steps,
    }
}

/// The character-level part of [`normalize`] (script and punctuation), for short fragments such as label
/// texts that must match normalised statements.
pub fn fragment(text: &str) -> String {
    let mut buf = Buf::from_text(text);
    script::strip_pinyin(&mut buf);
    script::to_simplified(&mut buf);
    punct::to_full_width(&mut buf);
    buf.chars.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_untouched() {
        let t = "一、存在的问题\n（一）党员队伍老化。全镇党员平均年龄58岁。\n二、下一步打算\n";
        let n = normalize(t);
        assert_eq!(n.text, t);
        assert!(n.origin.is_none());
        assert!(n.steps.is_empty());
    }

    #[test]
    fn origins_follow_deletions() {
        let t = "市長(zhǎng)述職(zhí)報告\n";
        let n = normalize(t);
        assert_eq!(n.text, "市长述职报告\n");
        assert_eq!(n.steps, [Step::Pinyin, Step::Traditional]);
        // 「述」 is character 2 of the output and character 9 of the input.
        assert_eq!(n.origin_of(2), 9);
        assert_eq!(n.origin_of(n.text.chars().count()), t.chars().count());
    }

    #[test]
    fn fragments_normalise_like_text() {
        assert_eq!(fragment("黨員隊伍老化,經費不足"), "党员队伍老化，经费不足");
    }
}
