//! Finding what the taxonomy misses: problem and cause statements the model cannot place, clustered
//! (TF-IDF, k-means from linfa-clustering) and described by their keywords.
//!
//! Clustering is deterministic for a given seed: k-means++ seeding is done here with a seeded generator
//! and handed to linfa as precomputed centroids; the best of several restarts (lowest inertia) is kept.
//! When `k` is not given it is chosen by the mean silhouette (cosine distance) over `2..=min(8, n/3)`.
//! Small corpora are where a new theme first shows, so too few candidates for that choice (fewer than
//! [`MIN_TO_CHOOSE_K`]), or candidates sharing no word, are listed as one group with a note, never an error.

use crate::classify::Engine;
use crate::error::{Error, Result};
use crate::pipeline::Parsed;
use crate::rng::SplitMix;
use crate::structure::Role;
use linfa::traits::{Fit, Predict};
use linfa::DatasetBase;
use linfa_clustering::{KMeans, KMeansInit};
use ndarray::{Array1, Array2};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Fewer candidates than this cannot have k chosen by silhouette (it needs at least two clusters of three).
pub const MIN_TO_CHOOSE_K: usize = 6;

/// A problem or cause statement the model could not place.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Report id.
    pub report: String,
    /// Report year.
    pub year: Option<i32>,
    /// Reporting unit.
    pub unit: Option<String>,
    /// Problem or cause.
    pub role: Role,
    /// Statement text.
    pub text: String,
    /// Filtered tokens of the statement.
    #[serde(skip)]
    pub tokens: Vec<String>,
    /// Highest theme probability of the model.
    pub max_prob: f32,
    /// The theme with that probability.
    pub best_theme: Option<String>,
}

/// One cluster of candidates.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// Number of statements.
    pub size: usize,
    /// Keywords that set the cluster apart, best first.
    pub keywords: Vec<String>,
    /// Statements per year.
    pub years: BTreeMap<i32, usize>,
    /// Units that wrote them (sorted, unique).
    pub units: Vec<String>,
    /// Reports they come from (sorted, unique).
    pub reports: Vec<String>,
    /// The statements closest to the cluster's centre: up to three, or all of a group listed whole.
    pub examples: Vec<Candidate>,
    /// Mean silhouette of the cluster's members.
    pub silhouette: f64,
}

/// The outcome of a discovery run.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    /// Problem and cause statements looked at.
    pub statements: usize,
    /// Of which the model could not place.
    pub candidates: usize,
    /// The number of clusters used.
    pub k: usize,
    /// Whether `k` was chosen by silhouette.
    pub k_chosen: bool,
    /// Mean silhouette of the clustering.
    pub silhouette: f64,
    /// Clusters, largest first.
    pub clusters: Vec<Cluster>,
    /// Why the candidates were not clustered as asked (too few to choose k, no shared words, none at all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Problem and cause statements with no theme above its threshold, or whose best probability is below
/// `min_score`; also returns how many problem and cause statements there were.
///
/// # Errors
/// [`Error::Invalid`] when the engine has no trained model.
pub fn candidates(
    reports: &[Parsed],
    engine: &Engine,
    min_score: f32,
) -> Result<(Vec<Candidate>, usize)> {
    let model = engine
        .model
        .as_ref()
        .ok_or_else(|| Error::Invalid("discover needs a trained model".into()))?;
    let mut out = Vec::new();
    let mut seen = 0;
    for p in reports {
        for (_, st, tokens) in p.statements() {
            if !st.role.raises() {
                continue;
            }
            seen += 1;
            let probs = engine
                .probabilities(&st.text, tokens, st.role)
                .unwrap_or_default();
            let above = !model.decide(&probs).is_empty();
            let (best, max_prob) = probs
                .iter()
                .copied()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            if above && max_prob >= min_score {
                continue;
            }
            if tokens.len() < 3 {
                continue; // too short to say anything
            }
            out.push(Candidate {
                report: p.doc.id.clone(),
                year: p.meta.year,
                unit: p.meta.unit.clone(),
                role: st.role,
                text: st.text.clone(),
                tokens: tokens.to_vec(),
                max_prob,
                best_theme: engine.taxonomy.themes.get(best).map(|t| t.id.clone()),
            });
        }
    }
    Ok((out, seen))
}

/// TF-IDF vectors (L2-normalised, dense) of token lists over the terms found in at least `min_df` of them.
/// Returns the matrix, the term names (column order) and the document frequencies.
pub fn tfidf(docs: &[Vec<String>], min_df: usize) -> (Array2<f64>, Vec<String>, Vec<usize>) {
    let mut df: HashMap<&str, usize> = HashMap::new();
    for d in docs {
        let set: BTreeSet<&str> = d.iter().map(String::as_str).collect();
        for t in set {
            *df.entry(t).or_default() += 1;
        }
    }
    let mut terms: Vec<(&str, usize)> = df.into_iter().filter(|(_, c)| *c >= min_df).collect();
    terms.sort();
    let index: HashMap<&str, usize> = terms.iter().enumerate().map(|(i, t)| (t.0, i)).collect();
    let n = docs.len() as f64;
    let idf: Vec<f64> = terms
        .iter()
        .map(|(_, c)| ((1.0 + n) / (1.0 + *c as f64)).ln() + 1.0)
        .collect();
    let mut x = Array2::<f64>::zeros((docs.len(), terms.len()));
    for (i, d) in docs.iter().enumerate() {
        for t in d {
            if let Some(&j) = index.get(t.as_str()) {
                x[[i, j]] += 1.0;
            }
        }
        let mut norm = 0.0;
        for j in 0..terms.len() {
            if x[[i, j]] > 0.0 {
                x[[i, j]] = (1.0 + x[[i, j]].ln()) * idf[j];
                norm += x[[i, j]] * x[[i, j]];
            }
        }
        if norm > 0.0 {
            let norm = norm.sqrt();
            x.row_mut(i).mapv_inplace(|v| v / norm);
        }
    }
    let names = terms.iter().map(|t| t.0.to_string()).collect();
    let dfs = terms.iter().map(|t| t.1).collect();
    (x, names, dfs)
}

fn sq_dist(a: ndarray::ArrayView1<f64>, b: ndarray::ArrayView1<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn kmeans_pp(x: &Array2<f64>, k: usize, rng: &mut SplitMix) -> Array2<f64> {
    let n = x.nrows();
    let mut centres = Array2::<f64>::zeros((k, x.ncols()));
    let first = (rng.next_u64() % n as u64) as usize;
    centres.row_mut(0).assign(&x.row(first));
    let mut d: Vec<f64> = (0..n).map(|i| sq_dist(x.row(i), centres.row(0))).collect();
    for c in 1..k {
        let total: f64 = d.iter().sum();
        let pick = if total <= 0.0 {
            (rng.next_u64() % n as u64) as usize
        } else {
            let mut r = rng.unit() * total;
            let mut pick = n - 1;
            for (i, di) in d.iter().enumerate() {
                if r < *di {
                    pick = i;
                    break;
                }
                r -= di;
            }
            pick
        };
        centres.row_mut(c).assign(&x.row(pick));
        for (i, di) in d.iter_mut().enumerate() {
            *di = di.min(sq_dist(x.row(i), centres.row(c)));
        }
    }
    centres
}

/// k-means with `k` clusters: the best of `restarts` seeded runs. Returns memberships and centroids.
///
/// # Errors
/// [`Error::Invalid`] when linfa rejects the data (fewer rows than clusters).
pub fn kmeans(x: &Array2<f64>, k: usize, seed: u64) -> Result<(Array1<usize>, Array2<f64>)> {
    if k == 0 || x.nrows() < k {
        return Err(Error::Invalid(format!(
            "cannot make {k} clusters of {} statements",
            x.nrows()
        )));
    }
    let mut rng = SplitMix(seed);
    let ds = DatasetBase::from(x.clone());
    let mut best: Option<(f64, Array1<usize>, Array2<f64>)> = None;
    for _ in 0..8 {
        let init = kmeans_pp(x, k, &mut rng);
        let model = KMeans::params(k)
            .n_runs(1)
            .max_n_iterations(300)
            .tolerance(1e-6)
            .init_method(KMeansInit::Precomputed(init))
            .fit(&ds)
            .map_err(|e| Error::Invalid(format!("k-means: {e}")))?;
        let labels: Array1<usize> = model.predict(x);
        let cents = model.centroids().clone();
        let inertia: f64 = (0..x.nrows())
            .map(|i| sq_dist(x.row(i), cents.row(labels[i])))
            .sum();
        if best.as_ref().is_none_or(|b| inertia < b.0 - 1e-12) {
            best = Some((inertia, labels, cents));
        }
    }
    let (_, labels, cents) = best.expect("at least one run");
    Ok((labels, cents))
}

/// Cosine distances between the (L2-normalised) rows.
fn distances(x: &Array2<f64>) -> Array2<f64> {
    let g = x.dot(&x.t());
    g.mapv(|v| (1.0 - v).max(0.0))
}

/// Silhouette of each point given precomputed distances (0 for points alone in their cluster).
pub fn silhouettes(dist: &Array2<f64>, labels: &Array1<usize>, k: usize) -> Vec<f64> {
    let n = labels.len();
    let sizes: Vec<usize> = (0..k)
        .map(|c| labels.iter().filter(|&&l| l == c).count())
        .collect();
    (0..n)
        .map(|i| {
            let mut sums = vec![0.0; k];
            for j in 0..n {
                if i != j {
                    sums[labels[j]] += dist[[i, j]];
                }
            }
            let own = labels[i];
            if sizes[own] <= 1 {
                return 0.0;
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && sizes[c] > 0)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            if !b.is_finite() {
                return 0.0;
            }
            let m = a.max(b);
            if m > 0.0 {
                (b - a) / m
            } else {
                0.0
            }
        })
        .collect()
}

/// Clusters the candidates; `k = None` chooses it by silhouette over `2..=min(8, n/3)`. Too few candidates
/// to choose k, or candidates that share no word, give one group holding every candidate, with a note.
///
/// # Errors
/// [`Error::Invalid`] when a given `k` is 0 or exceeds the number of candidates.
pub fn cluster(cands: Vec<Candidate>, k: Option<usize>, seed: u64) -> Result<Discovery> {
    let n = cands.len();
    if let Some(k) = k {
        if k < 1 || k > n {
            return Err(Error::Invalid(format!(
                "--k {k}: there are {n} candidate statements"
            )));
        }
    }
    let listed = |clusters: Vec<Cluster>, note: String| Discovery {
        statements: 0,
        candidates: n,
        k: clusters.len(),
        k_chosen: false,
        silhouette: 0.0,
        clusters,
        note: Some(note),
    };
    if n == 0 {
        return Ok(listed(
            Vec::new(),
            "every problem and cause statement has a theme: nothing to cluster".into(),
        ));
    }
    let docs: Vec<Vec<String>> = cands.iter().map(|c| c.tokens.clone()).collect();
    let min_df = if n >= 20 { 2 } else { 1 };
    let (x, terms, df) = tfidf(&docs, min_df);
    let idf: Vec<f64> = df
        .iter()
        .map(|&d| ((1.0 + n as f64) / (1.0 + d as f64)).ln() + 1.0)
        .collect();
    let index: HashMap<&str, usize> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let one_group = || {
        let members: Vec<usize> = (0..n).collect();
        let centre = x
            .mean_axis(ndarray::Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()))
            .insert_axis(ndarray::Axis(0));
        let sil = vec![0.0; n];
        vec![describe(
            &cands, &members, &x, &centre, 0, &sil, &terms, &index, &idf, n,
        )]
    };
    let nothing_shared = terms.is_empty() || (min_df == 1 && df.iter().all(|&d| d < 2));
    if nothing_shared {
        return Ok(listed(
            one_group(),
            format!("the {n} candidate statements share no words to cluster on; all are listed"),
        ));
    }
    if k.is_none() && n < MIN_TO_CHOOSE_K {
        return Ok(listed(
            one_group(),
            format!(
                "{n} candidate statements: too few to choose the number of clusters (that needs at least \
                 {MIN_TO_CHOOSE_K}); all are listed as one group; give --k to split them"
            ),
        ));
    }
    let dist = distances(&x);
    let (k, chosen) = match k {
        Some(k) => (k, false),
        None => {
            let hi = 8.min(n / 3);
            let mut best = (2, f64::NEG_INFINITY);
            for k in 2..=hi {
                let (labels, _) = kmeans(&x, k, seed)?;
                let s = silhouettes(&dist, &labels, k);
                let mean = s.iter().sum::<f64>() / n as f64;
                if mean > best.1 + 1e-12 {
                    best = (k, mean);
                }
            }
            (best.0, true)
        }
    };
    let (labels, cents) = kmeans(&x, k, seed)?;
    let sil = silhouettes(&dist, &labels, k);
    let mean_sil = sil.iter().sum::<f64>() / n as f64;
    let mut clusters = Vec::new();
    for c in 0..k {
        let members: Vec<usize> = (0..n).filter(|&i| labels[i] == c).collect();
        if members.is_empty() {
            continue;
        }
        clusters.push(describe(
            &cands, &members, &x, &cents, c, &sil, &terms, &index, &idf, 3,
        ));
    }
    clusters.sort_by(|a, b| {
        b.size
            .cmp(&a.size)
            .then_with(|| a.keywords.cmp(&b.keywords))
    });
    Ok(Discovery {
        statements: 0,
        candidates: n,
        k,
        k_chosen: chosen,
        silhouette: mean_sil,
        clusters,
        note: None,
    })
}

#[allow(clippy::too_many_arguments)]
fn describe(
    cands: &[Candidate],
    members: &[usize],
    x: &Array2<f64>,
    cents: &Array2<f64>,
    c: usize,
    sil: &[f64],
    terms: &[String],
    index: &HashMap<&str, usize>,
    idf: &[f64],
    max_examples: usize,
) -> Cluster {
    // Keywords: share of the cluster's statements holding the term × its IDF over all candidates.
    let mut cdf = vec![0usize; terms.len()];
    for &i in members {
        let set: BTreeSet<usize> = cands[i]
            .tokens
            .iter()
            .filter_map(|t| index.get(t.as_str()).copied())
            .collect();
        for j in set {
            cdf[j] += 1;
        }
    }
    let need = if members.len() >= 4 { 2 } else { 1 };
    let mut scored: Vec<(f64, &str)> = cdf
        .iter()
        .enumerate()
        .filter(|(j, &d)| d >= need && terms[*j].chars().count() >= 2)
        .map(|(j, &d)| (d as f64 / members.len() as f64 * idf[j], terms[j].as_str()))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let keywords = scored.iter().take(8).map(|s| s.1.to_string()).collect();
    let mut years: BTreeMap<i32, usize> = BTreeMap::new();
    let mut units = BTreeSet::new();
    let mut reports = BTreeSet::new();
    for &i in members {
        if let Some(y) = cands[i].year {
            *years.entry(y).or_default() += 1;
        }
        if let Some(u) = &cands[i].unit {
            units.insert(u.clone());
        }
        reports.insert(cands[i].report.clone());
    }
    let mut by_centre: Vec<(f64, usize)> = members
        .iter()
        .map(|&i| (sq_dist(x.row(i), cents.row(c)), i))
        .collect();
    by_centre.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let examples = by_centre
        .iter()
        .take(max_examples)
        .map(|&(_, i)| cands[i].clone())
        .collect();
    Cluster {
        size: members.len(),
        keywords,
        years,
        units: units.into_iter().collect(),
        reports: reports.into_iter().collect(),
        examples,
        silhouette: members.iter().map(|&i| sil[i]).sum::<f64>() / members.len() as f64,
    }
}

/// Finds and clusters the statements the model cannot place.
///
/// # Errors
/// See [`candidates`] and [`cluster`].
pub fn discover(
    reports: &[Parsed],
    engine: &Engine,
    min_score: f32,
    k: Option<usize>,
    seed: u64,
) -> Result<Discovery> {
    let (cands, seen) = candidates(reports, engine, min_score)?;
    let mut d = cluster(cands, k, seed)?;
    d.statements = seen;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(text: &str) -> Candidate {
        Candidate {
            report: "r".into(),
            year: Some(2024),
            unit: None,
            role: Role::Problem,
            text: text.into(),
            tokens: text.split(' ').map(str::to_string).collect(),
            max_prob: 0.0,
            best_theme: None,
        }
    }

    #[test]
    fn separates_two_topics_deterministically() {
        let mut c = Vec::new();
        for i in 0..6 {
            c.push(cand(&format!("智慧党建 平台 使用率 低 甲{i}")));
            c.push(cand(&format!("意识形态 网络舆情 引导 弱 乙{i}")));
        }
        let a = cluster(c.clone(), None, 7).unwrap();
        let b = cluster(c, None, 7).unwrap();
        assert_eq!(a.k, 2);
        assert_eq!(a.clusters.len(), 2);
        assert!(a.clusters.iter().all(|cl| cl.size == 6));
        let kw: Vec<&Vec<String>> = a.clusters.iter().map(|c| &c.keywords).collect();
        assert!(kw
            .iter()
            .any(|k| k.contains(&"智慧党建".to_string()) && !k.contains(&"意识形态".to_string())));
        assert_eq!(
            a.clusters.iter().map(|c| &c.keywords).collect::<Vec<_>>(),
            b.clusters.iter().map(|c| &c.keywords).collect::<Vec<_>>()
        );
    }

    #[test]
    fn too_few_to_choose_k_are_listed_as_one_group() {
        let c: Vec<Candidate> = (0..5)
            .map(|i| cand(&format!("网络舆情 引导 能力 弱 丙{i}")))
            .collect();
        let d = cluster(c, None, 7).unwrap();
        assert_eq!((d.k, d.candidates, d.clusters.len()), (1, 5, 1));
        assert_eq!(d.clusters[0].size, 5);
        assert_eq!(d.clusters[0].examples.len(), 5, "every candidate listed");
        assert!(d.clusters[0].keywords.contains(&"网络舆情".to_string()));
        assert!(
            d.note.as_deref().unwrap().contains("too few"),
            "{:?}",
            d.note
        );
    }

    #[test]
    fn given_k_still_splits_a_small_set() {
        let mut c = Vec::new();
        for i in 0..3 {
            c.push(cand(&format!("智慧党建 平台 使用率 低 甲{i}")));
            c.push(cand(&format!("意识形态 网络舆情 引导 弱 乙{i}")));
        }
        c.truncate(5);
        let d = cluster(c, Some(2), 7).unwrap();
        assert_eq!(d.clusters.len(), 2);
        assert!(d.note.is_none());
        assert!(cluster(vec![cand("甲 乙 丙")], Some(2), 7).is_err());
    }

    #[test]
    fn nothing_or_nothing_shared_is_not_an_error() {
        let d = cluster(Vec::new(), None, 7).unwrap();
        assert!(d.clusters.is_empty() && d.note.is_some());
        let c = vec![cand("甲甲 乙乙"), cand("丙丙 丁丁"), cand("戊戊 己己")];
        let d = cluster(c, None, 7).unwrap();
        assert_eq!(d.clusters.len(), 1);
        assert_eq!(d.clusters[0].examples.len(), 3);
        assert!(d.note.as_deref().unwrap().contains("share no words"));
    }
}
