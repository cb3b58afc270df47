//! Word segmentation: one shared jieba-rs instance with the domain user dictionary, plus token filters.
//!
//! jieba-rs gives a user-dictionary word listed without a frequency a weight of zero (it then never comes
//! out whole), so [`Segmenter::new`] rejects such lines instead of silently accepting them.

use crate::classify::features::FxHasher;
use crate::error::{Error, Result};
use jieba_rs::Jieba;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::path::Path;

/// The domain dictionary shipped with shuzhi (used when no other is given).
pub const BUILTIN_USERDICT: &str = include_str!("../models/userdict.txt");
/// The stopword list shipped with shuzhi.
pub const BUILTIN_STOPWORDS: &str = include_str!("../models/stopwords.txt");

/// jieba-rs with a user dictionary and a stopword list. `Send + Sync`: build it once, share it across threads.
pub struct Segmenter {
    jieba: Jieba,
    // Looked up for every token: FxHash, not SipHash (the words are the model's own list, not hostile keys).
    stopwords: HashSet<String, BuildHasherDefault<FxHasher>>,
    dict_words: usize,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter")
            .field("dict_words", &self.dict_words)
            .field("stopwords", &self.stopwords.len())
            .finish()
    }
}

/// Parses and checks a user dictionary: `word freq [tag]` a line.
///
/// # Errors
/// A line without an integer frequency, or with a word that has spaces, names its line number.
pub fn parse_userdict(origin: &Path, text: &str) -> Result<Vec<(String, usize, Option<String>)>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{FEFF}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let word = parts.next().unwrap_or_default();
        let freq = parts
            .next()
            .and_then(|f| f.parse::<usize>().ok())
            .ok_or_else(|| {
                Error::data(
                    origin,
                    i + 1,
                    format!(
                        "'{word}' has no integer frequency (jieba-rs would never cut it whole)"
                    ),
                )
            })?;
        if freq == 0 {
            return Err(Error::data(
                origin,
                i + 1,
                format!("'{word}' has frequency 0"),
            ));
        }
        out.push((word.to_string(), freq, parts.next().map(str::to_string)));
    }
    Ok(out)
}

impl Segmenter {
    /// Builds a segmenter from dictionary and stopword texts (`origin` names them in errors).
    ///
    /// # Errors
    /// See [`parse_userdict`].
    pub fn new(dict_origin: &Path, userdict: &str, stopwords: &str) -> Result<Self> {
        let mut jieba = Jieba::new();
        let entries = parse_userdict(dict_origin, userdict)?;
        for (word, freq, tag) in &entries {
            jieba.add_word(word, Some(*freq), tag.as_deref());
        }
        let stopwords = stopwords
            .lines()
            .map(|l| l.trim_start_matches('\u{FEFF}').trim())
            .filter(|l| !l.is_empty() && !l.starts_with("# "))
            .map(str::to_string)
            .collect();
        Ok(Segmenter {
            jieba,
            stopwords,
            dict_words: entries.len(),
        })
    }

    /// The segmenter with the dictionary and stopwords compiled into shuzhi.
    pub fn builtin() -> Self {
        Self::new(
            Path::new("<built-in userdict>"),
            BUILTIN_USERDICT,
            BUILTIN_STOPWORDS,
        )
        .expect("the shipped dictionary is valid (checked by tests)")
    }

    /// Loads dictionary and stopwords from files.
    ///
    /// # Errors
    /// Unreadable files, or a malformed dictionary line.
    pub fn from_files(userdict: &Path, stopwords: &Path) -> Result<Self> {
        let d =
            crate::regular_file::read_to_string(userdict).map_err(|e| Error::io(userdict, e))?;
        let s =
            crate::regular_file::read_to_string(stopwords).map_err(|e| Error::io(stopwords, e))?;
        Self::new(userdict, &d, &s)
    }

    /// Number of user dictionary entries.
    pub fn dict_words(&self) -> usize {
        self.dict_words
    }

    /// Raw jieba segmentation (HMM on for unknown words), no filtering.
    pub fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    /// Tokens that carry meaning: [`Segmenter::cut`] without punctuation, numbers, placeholders, spaces and
    /// stopwords.
    pub fn tokens<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.tokens_at(text).into_iter().map(|(_, t)| t).collect()
    }

    /// [`Segmenter::tokens`] with the byte offset of each token in `text`.
    pub fn tokens_at<'a>(&self, text: &'a str) -> Vec<(usize, &'a str)> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .filter(|t| keep_token(t.word) && !self.stopwords.contains(t.word))
            .map(|t| (t.byte_start, t.word))
            .collect()
    }
}

/// The token filter: drops whitespace, punctuation, numbers (Arabic, full-width, percentages, decimals) and
/// anonymisation placeholders (***, 000, XX, ○○).
pub fn keep_token(t: &str) -> bool {
    // Common Han characters first (all letters, none numeric): they are most tokens, and the general
    // Unicode tables are slow for them.
    let has_word_char = t
        .chars()
        .any(|c| matches!(c as u32, 0x4E00..=0x9FFF) || (c.is_alphanumeric() && !c.is_numeric()));
    if !has_word_char {
        return false;
    }
    // Placeholders: X/x/×/○ runs (XX, XXX) stand for anonymised names and numbers.
    !t.chars().all(|c| {
        matches!(
            c,
            'X' | 'x' | 'Ｘ' | 'ｘ' | '×' | '○' | '〇' | '*' | '＊' | '.' | '%'
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_dictionary_is_valid_and_large() {
        let s = Segmenter::builtin();
        assert!(s.dict_words() >= 400, "{}", s.dict_words());
    }

    #[test]
    fn domain_terms_come_out_whole() {
        let s = Segmenter::builtin();
        let t = s.cut(
            "严格落实三会一课制度，整顿软弱涣散党组织，加强非公企业和两新组织党建，消除空壳村。",
        );
        for w in ["三会一课", "软弱涣散", "非公企业", "两新组织", "空壳村"] {
            assert!(t.contains(&w), "{w} not whole in {t:?}");
        }
    }

    #[test]
    fn filters_drop_noise() {
        for t in ["，", " ", "2023", "000", "***", "XX", "12.5%", "３"] {
            assert!(!keep_token(t), "{t}");
        }
        for t in ["党员", "村", "App", "老龄化"] {
            assert!(keep_token(t), "{t}");
        }
    }

    #[test]
    fn missing_frequency_is_an_error_naming_the_line() {
        let err = Segmenter::new(Path::new("d.txt"), "三会一课 100 n\n主题党日\n", "").unwrap_err();
        assert!(err.to_string().starts_with("d.txt:2:"), "{err}");
    }
}
