//! Statement → sparse TF-IDF vector: word unigrams and bigrams, character bigrams, the statement's role,
//! and one indicator per theme whose rules fired.
//!
//! linfa's vectorizers are single-threaded and take plain `fn` tokenizers, so vocabulary and vectors are
//! built here, in parallel, from the jieba tokens the pipeline already has.

use crate::structure::{markers::is_han, Role};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A sparse vector: (feature id, value), sorted by id.
pub type Sparse = Vec<(u32, f32)>;

/// `start` plus the dot product of sorted sparse `weights` and `x`. Products are added in feature id order
/// whichever way the pairs are found (a merge when the lengths are comparable, a binary search per entry of
/// `x` when the weights are far more), so both ways give the same bits.
pub fn dot_from(start: f32, weights: &[(u32, f32)], x: &Sparse) -> f32 {
    let mut z = start;
    if weights.len() > 16 * x.len() {
        for &(id, v) in x {
            if let Ok(k) = weights.binary_search_by_key(&id, |&(j, _)| j) {
                z += v * weights[k].1;
            }
        }
        return z;
    }
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < weights.len() {
        match x[i].0.cmp(&weights[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                z += x[i].1 * weights[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    z
}

/// The logistic function.
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The multiply-rotate hash of rustc (FxHash): feature names are short, trusted strings looked up millions
/// of times, where SipHash's protection against crafted keys costs more than the lookup itself.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        // The tail in at most three steps (4, 2, 1 bytes): most words are two or three characters, 6 or 9
        // bytes, and a step per byte made hashing them a chain of dependent multiplications.
        let mut rest = chunks.remainder();
        let mut step = |v: u64| self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        if rest.len() >= 4 {
            step(u64::from(u32::from_le_bytes(
                rest[..4].try_into().expect("4 bytes"),
            )));
            rest = &rest[4..];
        }
        if rest.len() >= 2 {
            step(u64::from(u16::from_le_bytes(
                rest[..2].try_into().expect("2 bytes"),
            )));
            rest = &rest[2..];
        }
        if let Some(&b) = rest.first() {
            step(u64::from(b));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// What a statement offers to the feature extractor.
#[derive(Debug, Clone)]
pub struct Input<'a, S = String> {
    /// Filtered jieba tokens (owned, or borrowed from the text they were cut from).
    pub tokens: &'a [S],
    /// Raw statement text (for character n-grams).
    pub text: &'a str,
    /// Section role.
    pub role: Role,
    /// Theme indices whose rules fired.
    pub rules: &'a [usize],
}

/// Feature extraction settings (part of a model's hyper-parameters).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureParams {
    /// Minimum number of training statements a feature must occur in.
    pub min_df: u32,
    /// Use word bigrams.
    pub word_bigrams: bool,
    /// Use character bigrams of Chinese text.
    pub char_bigrams: bool,
    /// Value given to a rule-hit indicator (0 disables rule features).
    pub rule_weight: f32,
}

impl Default for FeatureParams {
    fn default() -> Self {
        FeatureParams {
            min_df: 2,
            word_bigrams: true,
            char_bigrams: true,
            rule_weight: 1.0,
        }
    }
}

/// Enumerates the raw feature names of one statement (with repetition, for term frequency).
pub fn raw_terms<S: AsRef<str>>(input: &Input<S>, p: &FeatureParams, mut emit: impl FnMut(&str)) {
    let mut buf = String::with_capacity(32);
    for t in input.tokens {
        buf.clear();
        buf.push_str("w:");
        buf.push_str(t.as_ref());
        emit(&buf);
    }
    if p.word_bigrams {
        for w in input.tokens.windows(2) {
            buf.clear();
            buf.push_str("b:");
            buf.push_str(w[0].as_ref());
            buf.push(' ');
            buf.push_str(w[1].as_ref());
            emit(&buf);
        }
    }
    if p.char_bigrams {
        let mut prev: Option<char> = None;
        for c in input.text.chars() {
            if is_han(c) {
                if let Some(a) = prev {
                    buf.clear();
                    buf.push_str("c:");
                    buf.push(a);
                    buf.push(c);
                    emit(&buf);
                }
                prev = Some(c);
            } else {
                prev = None;
            }
        }
    }
}

/// The fitted vocabulary: feature name → id, with IDF weights; role and rule indicators come after the
/// text features.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Vocabulary {
    /// Extraction settings.
    pub params: FeatureParams,
    /// Text feature names in id order.
    pub terms: Vec<String>,
    /// IDF per text feature.
    pub idf: Vec<f32>,
    /// Number of themes (rule indicators).
    pub n_themes: usize,
    #[serde(skip)]
    lookup: Lookup,
}

/// No feature: the word is known only as part of a bigram.
const NONE: u32 = u32::MAX;

/// The text features by interned integer keys, so that a statement's features are found without formatting
/// and hashing a name for each (`"w:…"`, `"b:… …"`, `"c:…"`).
#[derive(Debug, Clone, Default, PartialEq)]
struct Lookup {
    /// Each word of a word or word-pair feature → its word number.
    words: FxMap<Box<str>, u32>,
    /// Word number → its unigram feature id, or [`NONE`].
    unigram: Vec<u32>,
    /// (first word number, second word number) → pair feature id.
    pair: FxMap<u64, u32>,
    /// (first character, second character) → character bigram feature id.
    chars: FxMap<u64, u32>,
    /// Feature names that do not fit the keys above (none in a vocabulary made by [`Vocabulary::fit`]):
    /// then every name is looked up as a string, as [`raw_terms`] makes it.
    by_name: Option<FxMap<String, u32>>,
}

fn char_key(a: char, b: char) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

impl Lookup {
    fn new(terms: &[String]) -> Lookup {
        let mut l = Lookup::default();
        let mut fits = true;
        for (id, t) in terms.iter().enumerate() {
            let id = id as u32;
            if let Some(w) = t.strip_prefix("w:") {
                let n = l.word(w);
                l.unigram[n as usize] = id;
            } else if let Some((a, b)) = t
                .strip_prefix("b:")
                .and_then(|p| p.split_once(' '))
                .filter(|(_, b)| !b.contains(' '))
            {
                let key = (u64::from(l.word(a)) << 32) | u64::from(l.word(b));
                l.pair.insert(key, id);
            } else if let Some(p) = t.strip_prefix("c:") {
                let mut cs = p.chars();
                match (cs.next(), cs.next(), cs.next()) {
                    (Some(a), Some(b), None) => {
                        l.chars.insert(char_key(a, b), id);
                    }
                    _ => fits = false,
                }
            } else {
                fits = false;
            }
        }
        if !fits {
            l.by_name = Some(
                terms
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.clone(), i as u32))
                    .collect(),
            );
        }
        l
    }

    fn word(&mut self, w: &str) -> u32 {
        if let Some(&n) = self.words.get(w) {
            return n;
        }
        let n = self.unigram.len() as u32;
        self.words.insert(w.into(), n);
        self.unigram.push(NONE);
        n
    }

    /// Pushes the feature id of every raw term of `input` that is in the vocabulary, as [`raw_terms`] would
    /// name them.
    fn ids<S: AsRef<str>>(&self, input: &Input<S>, p: &FeatureParams, ids: &mut Vec<u32>) {
        if let Some(by_name) = &self.by_name {
            raw_terms(input, p, |t| {
                if let Some(&id) = by_name.get(t) {
                    ids.push(id);
                }
            });
            return;
        }
        let mut prev: Option<u32> = None;
        for t in input.tokens {
            let w = self.words.get(t.as_ref()).copied();
            if let Some(w) = w {
                let f = self.unigram[w as usize];
                if f != NONE {
                    ids.push(f);
                }
            }
            if p.word_bigrams {
                if let (Some(a), Some(b)) = (prev, w) {
                    if let Some(&f) = self.pair.get(&((u64::from(a) << 32) | u64::from(b))) {
                        ids.push(f);
                    }
                }
            }
            prev = w;
        }
        if p.char_bigrams && !self.chars.is_empty() {
            let mut prev: Option<char> = None;
            for c in input.text.chars() {
                if is_han(c) {
                    if let Some(a) = prev {
                        if let Some(&f) = self.chars.get(&char_key(a, c)) {
                            ids.push(f);
                        }
                    }
                    prev = Some(c);
                } else {
                    prev = None;
                }
            }
        }
    }
}

const ROLES: [Role; 3] = [Role::Problem, Role::Cause, Role::Measure];

impl Vocabulary {
    /// Builds the vocabulary from training statements: features in at least `min_df` of them, sorted by name
    /// so that the same data always gives the same ids.
    pub fn fit(inputs: &[Input], params: FeatureParams, n_themes: usize) -> Vocabulary {
        let df: FxMap<String, u32> = inputs
            .par_iter()
            .fold(FxMap::default, |mut acc: FxMap<String, u32>, inp| {
                let mut seen: std::collections::HashSet<
                    String,
                    std::hash::BuildHasherDefault<FxHasher>,
                > = Default::default();
                raw_terms(inp, &params, |t| {
                    if !seen.contains(t) {
                        seen.insert(t.to_string());
                    }
                });
                for t in seen {
                    *acc.entry(t).or_insert(0) += 1;
                }
                acc
            })
            .reduce(FxMap::default, |mut a, b| {
                for (k, v) in b {
                    *a.entry(k).or_insert(0) += v;
                }
                a
            });
        let n = inputs.len() as f32;
        let mut terms: Vec<(String, u32)> = df
            .into_iter()
            .filter(|(_, d)| *d >= params.min_df)
            .collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let idf = terms
            .iter()
            .map(|(_, d)| ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0)
            .collect();
        let mut v = Vocabulary {
            params,
            terms: terms.into_iter().map(|(t, _)| t).collect(),
            idf,
            n_themes,
            lookup: Lookup::default(),
        };
        v.rebuild_index();
        v
    }

    /// Rebuilds the feature lookup from the names (after deserialising).
    pub fn rebuild_index(&mut self) {
        self.lookup = Lookup::new(&self.terms);
    }

    /// Restricts the vocabulary to the given text feature ids (kept in id order) and returns the old → new map.
    pub fn restrict(&mut self, keep: &[u32]) -> HashMap<u32, u32> {
        let mut keep = keep.to_vec();
        keep.sort_unstable();
        keep.dedup();
        let text_n = self.terms.len() as u32;
        let mut map = HashMap::new();
        let (mut terms, mut idf) = (Vec::new(), Vec::new());
        for &k in keep.iter().filter(|&&k| k < text_n) {
            map.insert(k, terms.len() as u32);
            terms.push(self.terms[k as usize].clone());
            idf.push(self.idf[k as usize]);
        }
        let new_text_n = terms.len() as u32;
        for extra in 0..(ROLES.len() + self.n_themes) as u32 {
            map.insert(text_n + extra, new_text_n + extra);
        }
        self.terms = terms;
        self.idf = idf;
        self.rebuild_index();
        map
    }

    /// Total number of feature dimensions (text, roles, rules).
    pub fn dim(&self) -> usize {
        self.terms.len() + ROLES.len() + self.n_themes
    }

    /// Id of the first role indicator.
    pub fn role_base(&self) -> u32 {
        self.terms.len() as u32
    }

    /// Id of the rule indicator of theme 0.
    pub fn rule_base(&self) -> u32 {
        (self.terms.len() + ROLES.len()) as u32
    }

    /// Name of a feature id, for model cards and evidence.
    pub fn name(&self, id: u32) -> String {
        let i = id as usize;
        if i < self.terms.len() {
            self.terms[i].clone()
        } else if i < self.terms.len() + ROLES.len() {
            format!("role:{}", ROLES[i - self.terms.len()])
        } else {
            format!("rule:{}", i - self.terms.len() - ROLES.len())
        }
    }

    /// The TF-IDF vector of a statement (sublinear tf, L2-normalised text part), plus indicators.
    pub fn transform<S: AsRef<str>>(&self, input: &Input<S>) -> Sparse {
        let mut ids: Vec<u32> = Vec::with_capacity(3 * input.tokens.len() + input.text.len() / 3);
        self.lookup.ids(input, &self.params, &mut ids);
        // Sorted, then counted by runs: ids in order, so float sums never depend on hash order.
        ids.sort_unstable();
        let mut v: Sparse = Vec::with_capacity(ids.len() + 1 + input.rules.len());
        for run in ids.chunk_by(|a, b| a == b) {
            let (id, c) = (run[0], run.len());
            // Most features occur once, and 1 + ln 1 is exactly 1: no logarithm needed.
            let tf = if c == 1 { 1.0 } else { 1.0 + (c as f32).ln() };
            v.push((id, tf * self.idf[id as usize]));
        }
        let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, x) in &mut v {
                *x /= norm;
            }
        }
        if let Some(r) = ROLES.iter().position(|&r| r == input.role) {
            v.push((self.role_base() + r as u32, 1.0));
        }
        if self.params.rule_weight > 0.0 {
            for &t in input.rules {
                v.push((self.rule_base() + t as u32, self.params.rule_weight));
            }
        }
        v.sort_unstable_by_key(|(id, _)| *id);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn vocabulary_is_deterministic_and_vectors_normalised() {
        let a = toks("党员 老龄化 严重");
        let b = toks("党员 老龄化 突出");
        let inputs = vec![
            Input {
                tokens: &a,
                text: "党员老龄化严重",
                role: Role::Problem,
                rules: &[0],
            },
            Input {
                tokens: &b,
                text: "党员老龄化突出",
                role: Role::Cause,
                rules: &[],
            },
        ];
        let v1 = Vocabulary::fit(&inputs, FeatureParams::default(), 2);
        let v2 = Vocabulary::fit(&inputs, FeatureParams::default(), 2);
        assert_eq!(v1, v2);
        assert!(v1.terms.contains(&"w:党员".to_string()));
        assert!(v1.terms.contains(&"b:党员 老龄化".to_string()));
        assert!(v1.terms.contains(&"c:老龄".to_string()));
        assert!(!v1.terms.contains(&"w:严重".to_string()), "min_df 2");
        let x = v1.transform(&inputs[0]);
        let text_norm: f32 = x
            .iter()
            .filter(|(id, _)| *id < v1.role_base())
            .map(|(_, v)| v * v)
            .sum();
        assert!((text_norm - 1.0).abs() < 1e-5);
        assert!(x.iter().any(|&(id, _)| id == v1.rule_base()));
        assert!(x.iter().any(|&(id, _)| id == v1.role_base()));
    }

    /// Interned lookups give the vectors of looking up every formatted name, with the shipped model on
    /// every statement of the shipped reports.
    #[test]
    fn interned_lookup_gives_the_vectors_of_names() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (engine, _) =
            crate::classify::Engine::from_model_dir(&root.join("models/default")).unwrap();
        let vocab = &engine.model.as_ref().unwrap().vocab;
        assert!(vocab.lookup.by_name.is_none());
        let mut by_name = vocab.clone();
        by_name.lookup.by_name = Some(
            vocab
                .terms
                .iter()
                .enumerate()
                .map(|(i, t)| (t.clone(), i as u32))
                .collect(),
        );
        let corpus = crate::corpus::Corpus::load(
            &root.join("corpus"),
            &engine.segmenter,
            None,
            &Default::default(),
        )
        .unwrap();
        let mut nonempty = 0;
        for p in &corpus.reports {
            for (_, st, tokens) in p.statements() {
                let input = Input {
                    tokens,
                    text: &st.text,
                    role: st.role,
                    rules: &[1],
                };
                let x = vocab.transform(&input);
                assert_eq!(x, by_name.transform(&input), "{}", st.text);
                nonempty += usize::from(x.len() > 2);
            }
        }
        assert!(nonempty > 1000, "{nonempty}");
    }

    #[test]
    fn names_that_fit_no_key_are_looked_up_by_name() {
        let terms = ["b:a b c", "c:老龄", "w:党员"].map(str::to_string);
        assert!(Lookup::new(&terms).by_name.is_some());
        assert!(Lookup::new(&terms[1..]).by_name.is_none());
    }
}
