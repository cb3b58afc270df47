//! Near-duplicate reports: MinHash signatures over word 3-gram shingles, banded LSH to find candidate pairs,
//! exact Jaccard similarity of the shingle sets to confirm them, and the longest passages two reports share.
//!
//! Reports written from one template (or copied from last year's) share long runs of words; independently
//! written reports on the same subject share phrases but few 3-word sequences.

use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Words per shingle.
pub const SHINGLE: usize = 3;
/// Number of MinHash functions.
pub const NUM_HASHES: usize = 128;
/// LSH bands (of `NUM_HASHES / BANDS` rows each); candidates are found down to a Jaccard of about 0.3.
pub const BANDS: usize = 64;
/// The similarity threshold suggested for flagging reports.
pub const DEFAULT_THRESHOLD: f64 = 0.5;
/// Bits of one word number in a packed 3-gram key (three fit in 64 bits).
const PACK_BITS: u32 = 21;
/// Shortest shared passage reported, in words.
pub const MIN_PASSAGE: usize = 8;

/// Two reports that look alike.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// Id of the first report (the smaller id).
    pub a: String,
    /// Id of the second report.
    pub b: String,
    /// Jaccard similarity of their 3-gram shingle sets, 0–1.
    pub similarity: f64,
    /// Up to three longest passages (word runs, joined) the two share, longest first.
    pub shared: Vec<String>,
}

fn fnv(bytes: impl IntoIterator<Item = u8>, seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in bytes {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes of the word `SHINGLE`-grams of a token list (fewer tokens: one shingle of them all).
pub fn shingles(tokens: &[String]) -> HashSet<u64> {
    if tokens.is_empty() {
        return HashSet::new();
    }
    if tokens.len() < SHINGLE {
        return [shingle_hash(tokens)].into_iter().collect();
    }
    tokens.windows(SHINGLE).map(shingle_hash).collect()
}

fn shingle_hash(w: &[String]) -> u64 {
    fnv(
        w.iter().flat_map(|t| t.bytes().chain(std::iter::once(0u8))),
        0,
    )
}

/// The MinHash signature of a shingle set.
pub fn signature(sh: &HashSet<u64>) -> Vec<u64> {
    (0..NUM_HASHES as u64)
        .map(|i| {
            let salt = mix(i.wrapping_add(0x9E37_79B9_7F4A_7C15));
            sh.iter().map(|&s| mix(s ^ salt)).min().unwrap_or(u64::MAX)
        })
        .collect()
}

/// The LSH band keys of a shingle set's signature, one per band.
fn band_keys(sh: &HashSet<u64>) -> Box<[u64]> {
    let sig = signature(sh);
    sig.chunks(NUM_HASHES / BANDS)
        .enumerate()
        .map(|(band, chunk)| fnv(chunk.iter().flat_map(|v| v.to_le_bytes()), band as u64))
        .collect()
}

/// [`jaccard`] of two sorted, distinct lists.
fn jaccard_sorted(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Jaccard similarity of two sets.
pub fn jaccard(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let inter = small.iter().filter(|x| large.contains(x)).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// The longest runs of words two token lists share (at least `min_len` words), longest first, without
/// overlaps in either list.
pub fn shared_passages(a: &[String], b: &[String], min_len: usize, max: usize) -> Vec<String> {
    passage_runs(a, b, min_len, max)
        .into_iter()
        .map(|(i, len)| a[i..i + len].concat())
        .collect()
}

/// The runs of [`shared_passages`], as (start in `a`, length), for any token type.
fn passage_runs<T: Eq + std::hash::Hash>(
    a: &[T],
    b: &[T],
    min_len: usize,
    max: usize,
) -> Vec<(usize, usize)> {
    let k = SHINGLE.min(min_len).max(1);
    if a.len() < k || b.len() < k {
        return Vec::new();
    }
    let mut at: HashMap<&[T], Vec<usize>> = HashMap::new();
    for (i, w) in a.windows(k).enumerate() {
        at.entry(w).or_default().push(i);
    }
    let mut runs: Vec<(usize, usize, usize)> = Vec::new(); // (len, i, j)
    for (j, w) in b.windows(k).enumerate() {
        let Some(is) = at.get(w) else { continue };
        for &i in is {
            if i > 0 && j > 0 && a[i - 1] == b[j - 1] {
                continue; // not the start of a maximal run
            }
            let mut len = k;
            while i + len < a.len() && j + len < b.len() && a[i + len] == b[j + len] {
                len += 1;
            }
            if len >= min_len {
                runs.push((len, i, j));
            }
        }
    }
    runs.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| (x.1, x.2).cmp(&(y.1, y.2))));
    let mut used_a: Vec<(usize, usize)> = Vec::new();
    let mut used_b: Vec<(usize, usize)> = Vec::new();
    let overlaps =
        |u: &[(usize, usize)], s: usize, e: usize| u.iter().any(|&(x, y)| s < y && x < e);
    let mut out = Vec::new();
    for (len, i, j) in runs {
        if out.len() >= max {
            break;
        }
        if overlaps(&used_a, i, i + len) || overlaps(&used_b, j, j + len) {
            continue;
        }
        used_a.push((i, i + len));
        used_b.push((j, j + len));
        out.push((i, len));
    }
    out
}

/// An index of reports to be checked for near-duplicates. It keeps, per report, its words as numbers of
/// a shared vocabulary and its LSH band keys (a few bytes a word, half a kilobyte a report); shingle sets
/// are rebuilt from the words only for the candidate pairs.
#[derive(Debug, Default)]
pub struct Index {
    ids: Vec<String>,
    tokens: Vec<Box<[u32]>>,
    /// Band keys of each report; empty for a report without words.
    bands: Vec<Box<[u64]>>,
    words: HashMap<String, u32>,
    names: Vec<String>,
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    /// Number of reports added.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds a report by id with its tokens (the words of its statements, in order).
    pub fn add(&mut self, id: impl Into<String>, tokens: Vec<String>) {
        let set = shingles(&tokens);
        self.bands.push(if set.is_empty() {
            Box::default()
        } else {
            band_keys(&set)
        });
        let ids: Box<[u32]> = tokens
            .into_iter()
            .map(|t| match self.words.get(&t) {
                Some(&w) => w,
                None => {
                    let w = self.names.len() as u32;
                    self.names.push(t.clone());
                    self.words.insert(t, w);
                    w
                }
            })
            .collect();
        self.ids.push(id.into());
        self.tokens.push(ids);
    }

    /// Pairs of reports that share an LSH bucket (the same key in the same band), each once, in order, as
    /// `i << 32 | j` with `i < j`: eight bytes a pair, and a corpus of template copies has millions.
    fn candidates(&self) -> Vec<u64> {
        let mut cand: Vec<u64> = Vec::new();
        let mut distinct = 0;
        let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(self.ids.len());
        for band in 0..BANDS {
            keyed.clear();
            keyed.extend(
                self.bands
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| !b.is_empty())
                    .map(|(i, b)| (b[band], i as u32)),
            );
            keyed.sort_unstable();
            for group in keyed.chunk_by(|x, y| x.0 == y.0) {
                for (x, &(_, i)) in group.iter().enumerate() {
                    for &(_, j) in &group[x + 1..] {
                        cand.push(u64::from(i.min(j)) << 32 | u64::from(i.max(j)));
                    }
                }
            }
            // Most pairs share many bands: drop repeats whenever the list has doubled.
            if cand.len() > 2 * distinct.max(1 << 16) {
                cand.sort_unstable();
                cand.dedup();
                distinct = cand.len();
            }
        }
        cand.sort_unstable();
        cand.dedup();
        cand
    }

    /// The word 3-grams of report `i` as sorted, distinct keys. While every word number fits 21 bits a key
    /// packs the three numbers, so two keys are equal exactly when the 3-grams are; beyond that it hashes them.
    /// A report of fewer words has one key of them all, as in [`shingles`].
    fn shingle_keys(&self, i: usize) -> Vec<u64> {
        self.shingle_keys_as(i, self.names.len() < (1 << PACK_BITS) - 1)
    }

    /// [`Index::shingle_keys`], packed or hashed as told.
    fn shingle_keys_as(&self, i: usize, packed: bool) -> Vec<u64> {
        let key = |w: &[u32]| -> u64 {
            if packed {
                w.iter()
                    .fold(0, |k, &x| (k << PACK_BITS) | (u64::from(x) + 1))
            } else {
                fnv(
                    w.iter()
                        .flat_map(|x| x.to_le_bytes())
                        .chain([w.len() as u8]),
                    0,
                )
            }
        };
        let t = &self.tokens[i];
        let mut v: Vec<u64> = if t.is_empty() {
            Vec::new()
        } else if t.len() < SHINGLE {
            vec![key(t)]
        } else {
            t.windows(SHINGLE).map(key).collect()
        };
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Candidate pairs whose Jaccard similarity is at least `threshold`, most similar first (then by ids).
    /// Each report's 3-gram keys are rebuilt for each pair it is in and dropped after it, so memory does not
    /// grow with the number of candidates; the pairs are checked in parallel.
    pub fn similar(&self, threshold: f64) -> Vec<Similar> {
        let cand = self.candidates();
        let groups: Vec<&[u64]> = cand.chunk_by(|x, y| x >> 32 == y >> 32).collect();
        let mut out: Vec<Similar> = groups
            .par_iter()
            .flat_map_iter(|g| {
                let first = self.shingle_keys((g[0] >> 32) as usize);
                g.iter().filter_map(move |&pair| {
                    let (i, j) = ((pair >> 32) as usize, (pair & 0xFFFF_FFFF) as usize);
                    let s = jaccard_sorted(&first, &self.shingle_keys(j));
                    let (a, b) = if self.ids[i] <= self.ids[j] {
                        (i, j)
                    } else {
                        (j, i)
                    };
                    (s >= threshold).then_some(Similar {
                        a: a as u32,
                        b: b as u32,
                        similarity: s,
                    })
                })
            })
            .collect();
        out.sort_by(|x, y| {
            y.similarity.total_cmp(&x.similarity).then_with(|| {
                (&self.ids[x.a as usize], &self.ids[x.b as usize])
                    .cmp(&(&self.ids[y.a as usize], &self.ids[y.b as usize]))
            })
        });
        out
    }

    /// The id of the report at place `i`.
    pub fn id(&self, i: u32) -> &str {
        &self.ids[i as usize]
    }

    /// A pair of [`Index::similar`] with its ids and shared passages.
    pub fn pair(&self, s: &Similar) -> Pair {
        let (i, j) = (s.a as usize, s.b as usize);
        Pair {
            a: self.ids[i].clone(),
            b: self.ids[j].clone(),
            similarity: s.similarity,
            shared: passage_runs(&self.tokens[i], &self.tokens[j], MIN_PASSAGE, 3)
                .into_iter()
                .map(|(at, len)| {
                    self.tokens[i][at..at + len]
                        .iter()
                        .map(|&w| self.names[w as usize].as_str())
                        .collect()
                })
                .collect(),
        }
    }

    /// Pairs whose Jaccard similarity is at least `threshold`, most similar first, with shared passages.
    pub fn pairs(&self, threshold: f64) -> Vec<Pair> {
        self.similar(threshold)
            .iter()
            .map(|s| self.pair(s))
            .collect()
    }

    /// The pairs at `threshold` or above, kept with the index that can tell their passages.
    pub fn find(self, threshold: f64) -> Found {
        let similar = self.similar(threshold);
        Found {
            index: self,
            similar,
        }
    }

    /// The highest similarity of each report to any other candidate (0 when it shares no LSH bucket).
    pub fn max_similarity(&self) -> Vec<(String, f64)> {
        let mut best = vec![0.0f64; self.ids.len()];
        for s in self.similar(0.0) {
            for k in [s.a, s.b] {
                best[k as usize] = best[k as usize].max(s.similarity);
            }
        }
        self.ids.iter().cloned().zip(best).collect()
    }
}

/// Two reports found alike, by their places in the [`Index`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similar {
    /// Place of the report with the smaller id.
    pub a: u32,
    /// Place of the other report.
    pub b: u32,
    /// Jaccard similarity of their 3-gram sets, 0–1.
    pub similarity: f64,
}

/// Pairs per batch whose passages are found together (in parallel) while pairs are written.
const PASSAGE_BATCH: usize = 1024;

/// The near-duplicate pairs of a run, kept small: places and similarities, the passages found only when the
/// pairs are written (they are the bulk: about 2 KB a pair).
#[derive(Debug, Default)]
pub struct Found {
    index: Index,
    similar: Vec<Similar>,
}

impl Found {
    /// The pairs by place, most similar first.
    pub fn similar(&self) -> &[Similar] {
        &self.similar
    }

    /// The id of the report at place `i`.
    pub fn id(&self, i: u32) -> &str {
        self.index.id(i)
    }

    /// The pairs with ids and passages, most similar first; passages are found a batch at a time.
    pub fn pairs(&self) -> impl Iterator<Item = Pair> + '_ {
        self.similar
            .chunks(PASSAGE_BATCH)
            .flat_map(move |c| c.par_iter().map(|s| self.index.pair(s)).collect::<Vec<_>>())
    }
}

/// Near-duplicate pairs among the documents `(id, tokens)`: Jaccard similarity of word 3-gram shingles at
/// least `threshold` (see [`DEFAULT_THRESHOLD`]).
pub fn find_pairs(docs: &[(String, Vec<String>)], threshold: f64) -> Vec<Pair> {
    let mut idx = Index::new();
    for (id, toks) in docs {
        idx.add(id.clone(), toks.clone());
    }
    idx.pairs(threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    const TEMPLATE: &str = "今年 以来 我 坚持 把 抓 基层 党建 作为 第一 责任 全面 落实 党建 工作 责任制 \
        召开 党委 会议 专题 研究 党建 工作 推动 党支部 标准化 规范化 建设 开展 主题 党日 活动 \
        但 也 存在 一些 问题 一是 党员 队伍 老化 发展 党员 不够 二是 集体 经济 薄弱 三是 阵地 建设 滞后 \
        下一步 将 加强 党员 教育 管理 壮大 村级 集体 经济 提升 组织力";

    #[test]
    fn template_reports_are_flagged() {
        let a = format!("枫林镇 党委 书记 {TEMPLATE} 全镇 党员 1200 名");
        let b = format!("松坪乡 党委 书记 {TEMPLATE} 全乡 党员 860 名 另有 流动 党员");
        let c = "社区 网格 治理 物业 矛盾 调处 志愿 服务 队伍 小区 党支部 覆盖 不够 \
                 居民 议事 协商 机制 不健全 在职 党员 报到 积极性 不高 非公 企业 党组织 作用 发挥 有限";
        let docs = vec![
            ("a".to_string(), toks(&a)),
            ("b".to_string(), toks(&b)),
            ("c".to_string(), toks(c)),
        ];
        let pairs = find_pairs(&docs, DEFAULT_THRESHOLD);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!((pairs[0].a.as_str(), pairs[0].b.as_str()), ("a", "b"));
        assert!(pairs[0].similarity > 0.7);
        assert!(pairs[0].shared[0].contains("基层党建"));
    }

    #[test]
    fn index_pairs_agree_with_the_set_and_string_functions() {
        let mut rng = crate::rng::SplitMix(7);
        let words: Vec<String> = (0..60).map(|i| format!("w{i}")).collect();
        let base: Vec<String> = (0..80).map(|_| words[rng.below(60)].clone()).collect();
        // Copies of one text, each with a few words changed, and unrelated texts.
        let mut docs: Vec<(String, Vec<String>)> = Vec::new();
        for d in 0..12 {
            let mut t = base.clone();
            for _ in 0..d {
                let at = rng.below(t.len());
                t[at] = words[rng.below(60)].clone();
            }
            docs.push((format!("copy{d:02}"), t));
            let other: Vec<String> = (0..80).map(|_| words[rng.below(60)].clone()).collect();
            docs.push((format!("other{d:02}"), other));
        }
        let pairs = find_pairs(&docs, DEFAULT_THRESHOLD);
        assert!(pairs.len() > 10, "{}", pairs.len());
        let of = |id: &str| &docs.iter().find(|d| d.0 == id).expect("an id").1;
        for p in &pairs {
            let (a, b) = (of(&p.a), of(&p.b));
            assert_eq!(p.similarity, jaccard(&shingles(a), &shingles(b)));
            assert_eq!(p.shared, shared_passages(a, b, MIN_PASSAGE, 3));
        }
    }

    #[test]
    fn packed_and_hashed_keys_give_the_same_similarities() {
        let mut rng = crate::rng::SplitMix(11);
        let mut idx = Index::new();
        for d in 0..30 {
            let len = [1, 2, 3, 40, 200][d % 5];
            let doc: Vec<String> = (0..len).map(|_| format!("w{}", rng.below(25))).collect();
            idx.add(format!("d{d:02}"), doc);
        }
        for i in 0..idx.len() {
            for j in 0..idx.len() {
                let packed =
                    jaccard_sorted(&idx.shingle_keys_as(i, true), &idx.shingle_keys_as(j, true));
                let hashed = jaccard_sorted(
                    &idx.shingle_keys_as(i, false),
                    &idx.shingle_keys_as(j, false),
                );
                assert_eq!(packed, hashed, "{i} {j}");
            }
        }
    }

    #[test]
    fn passages_do_not_overlap() {
        let a = toks("x1 x2 x3 x4 x5 y y y z1 z2 z3 z4");
        let b = toks("z1 z2 z3 z4 q x1 x2 x3 x4 x5");
        let p = shared_passages(&a, &b, 3, 3);
        assert_eq!(p, vec!["x1x2x3x4x5".to_string(), "z1z2z3z4".to_string()]);
    }

    #[test]
    fn shipped_corpus_has_few_near_duplicates() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let read = |f: &str| std::fs::read_to_string(root.join("models").join(f)).unwrap();
        let seg = crate::segment::Segmenter::new(
            std::path::Path::new("userdict.txt"),
            &read("userdict.txt"),
            &read("stopwords.txt"),
        )
        .unwrap();
        let corpus =
            crate::corpus::Corpus::load(&root.join("corpus"), &seg, None, &Default::default())
                .unwrap();
        let docs: Vec<(String, Vec<String>)> = corpus
            .reports
            .iter()
            .map(|p| (p.doc.id.clone(), p.tokens.concat()))
            .collect();
        let pairs = find_pairs(&docs, DEFAULT_THRESHOLD);
        let mut idx = Index::new();
        for (id, t) in &docs {
            idx.add(id.clone(), t.clone());
        }
        let top = idx
            .max_similarity()
            .into_iter()
            .map(|x| x.1)
            .fold(0.0, f64::max);
        eprintln!(
            "{} reports, {} pairs at {DEFAULT_THRESHOLD}, highest similarity {top:.3}: {pairs:?}",
            docs.len(),
            pairs.len()
        );
        assert!(docs.len() > 100);
        assert!(pairs.len() <= 2, "{pairs:?}");
    }
}
