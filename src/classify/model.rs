//! One-vs-rest logistic regression (linfa-logistic) over chi-square-selected TF-IDF features, one binary
//! model per theme, trained in parallel; per-theme thresholds from grouped cross-validation.
//!
//! linfa needs dense input, so each theme's model sees only its own `k_features` best features (chi-square
//! on the training data) plus role and rule indicators: the dense matrix is n × (k + few), never
//! n × vocabulary. Fitted weights are stored sparse and applied with a sparse dot product.

use super::features::{sigmoid, FeatureParams, Input, Sparse, Vocabulary};
pub use super::theme_model::ThemeModel;
use crate::error::{Error, Result};
use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// The optimiser of the per-theme logistic regressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// linfa-logistic (L-BFGS on a dense matrix of each theme's `k_features` chi-square-selected features).
    #[default]
    Linfa,
    /// Dual coordinate descent on sparse rows over the whole vocabulary ([`super::linear`], C = 1/alpha):
    /// the same model family, for training sets too large for dense matrices.
    Dual,
}

impl Solver {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Solver::Linfa => "linfa",
            Solver::Dual => "dual",
        }
    }
}

/// Hyper-parameters, checked before any fitting starts (see [`ModelParams::check`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelParams {
    /// Feature extraction.
    pub features: FeatureParams,
    /// Text features kept per theme (chi-square).
    pub k_features: usize,
    /// L2 regularisation strength of the logistic regression.
    pub alpha: f64,
    /// Optimiser iterations.
    pub max_iterations: u64,
    /// Folds for choosing thresholds.
    pub cv_folds: usize,
    /// Seed for fold assignment.
    pub seed: u64,
    /// Optimiser (models written before it existed used linfa).
    #[serde(default)]
    pub solver: Solver,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            features: FeatureParams::default(),
            k_features: 800,
            alpha: 0.5,
            max_iterations: 150,
            cv_folds: 5,
            seed: 42,
            solver: Solver::Linfa,
        }
    }
}

impl ModelParams {
    /// Validates the settings.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the bad setting.
    pub fn check(self) -> Result<Self> {
        if self.k_features == 0 {
            return Err(Error::Invalid("k_features must be at least 1".into()));
        }
        if self.solver == Solver::Dual && self.alpha <= 0.0 {
            return Err(Error::Invalid(format!(
                "alpha must be > 0 with the dual solver (C = 1/alpha), got {}",
                self.alpha
            )));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::Invalid(format!(
                "alpha must be ≥ 0, got {}",
                self.alpha
            )));
        }
        if self.max_iterations == 0 {
            return Err(Error::Invalid("max_iterations must be at least 1".into()));
        }
        if self.cv_folds < 2 {
            return Err(Error::Invalid(format!(
                "cv_folds must be at least 2, got {}",
                self.cv_folds
            )));
        }
        if self.features.min_df == 0 {
            return Err(Error::Invalid("min_df must be at least 1".into()));
        }
        Ok(self)
    }
}

/// The fitted classifier: vocabulary plus one model per theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classifier {
    /// Hyper-parameters used.
    pub params: ModelParams,
    /// Features.
    pub vocab: Vocabulary,
    /// One model per theme, in taxonomy order.
    pub themes: Vec<ThemeModel>,
    #[serde(skip)]
    table: WeightTable,
}

/// All themes' weights as one feature-major table, built on first use: scoring a statement then touches
/// one row per feature it has, instead of merging it with every theme's weight list. A classifier's
/// weights are fixed once it has scored (thresholds may still change: they are not in the table).
#[derive(Debug, Clone, Default)]
struct WeightTable(std::sync::OnceLock<Vec<f32>>);

impl PartialEq for WeightTable {
    fn eq(&self, _: &Self) -> bool {
        // A cache of the weights: equal classifiers are equal whether or not it is built.
        true
    }
}

impl Classifier {
    /// A classifier from its parts.
    pub fn new(params: ModelParams, vocab: Vocabulary, themes: Vec<ThemeModel>) -> Classifier {
        Classifier {
            params,
            vocab,
            themes,
            table: WeightTable::default(),
        }
    }

    /// Probabilities of every theme for one vectorised statement. The same values, bit for bit, as
    /// [`ThemeModel::prob`] of each theme: the products are added in the same (feature id) order, and a
    /// weight the theme lacks adds `+0.0`, which changes no sum but a `−0.0` one (to `+0.0`, where the
    /// logistic is the same).
    pub fn probs(&self, x: &Sparse) -> Vec<f32> {
        let n = self.themes.len();
        let table = self.table.0.get_or_init(|| {
            let dim = self
                .themes
                .iter()
                .flat_map(|t| t.weights.iter().map(|(id, _)| *id as usize + 1))
                .max()
                .unwrap_or(0);
            let mut w = vec![0.0f32; dim * n];
            for (t, m) in self.themes.iter().enumerate() {
                for &(id, v) in &m.weights {
                    w[id as usize * n + t] = v;
                }
            }
            w
        });
        let mut z: Vec<f32> = self.themes.iter().map(|t| t.intercept).collect();
        for &(id, v) in x {
            if let Some(row) = table.get(id as usize * n..(id as usize + 1) * n) {
                for (zt, wt) in z.iter_mut().zip(row) {
                    *zt += v * wt;
                }
            }
        }
        z.into_iter().map(sigmoid).collect()
    }

    /// The themes whose probability reaches their threshold, in theme order.
    pub fn decide(&self, probs: &[f32]) -> Vec<usize> {
        probs
            .iter()
            .zip(&self.themes)
            .enumerate()
            .filter(|(_, (p, t))| **p >= t.threshold)
            .map(|(i, _)| i)
            .collect()
    }
}

/// Chi-square of each text feature against one binary target (presence counts).
fn chi2_select(xs: &[Sparse], y: &[bool], text_dim: u32, k: usize) -> Vec<u32> {
    let n = xs.len() as f64;
    let npos = y.iter().filter(|&&b| b).count() as f64;
    let nneg = n - npos;
    let mut a: HashMap<u32, (f64, f64)> = HashMap::new();
    for (x, &yy) in xs.iter().zip(y) {
        for &(id, _) in x {
            if id < text_dim {
                let e = a.entry(id).or_insert((0.0, 0.0));
                if yy {
                    e.0 += 1.0;
                } else {
                    e.1 += 1.0;
                }
            }
        }
    }
    let mut scored: Vec<(f64, u32)> = a
        .into_iter()
        .map(|(id, (pa, pb))| {
            let (c, d) = (npos - pa, nneg - pb);
            let num = n * (pa * d - pb * c).powi(2);
            let den = (pa + c) * (pb + d) * (pa + pb) * (c + d);
            (if den > 0.0 { num / den } else { 0.0 }, id)
        })
        .collect();
    // Highest score first; ids break ties so the choice is deterministic.
    scored.sort_unstable_by(|p, q| q.0.total_cmp(&p.0).then(p.1.cmp(&q.1)));
    scored.into_iter().take(k).map(|(_, id)| id).collect()
}

/// A theme's columns: its `k` best text features by chi-square, then every role and rule indicator; sorted.
fn theme_columns(xs: &[Sparse], y: &[bool], vocab: &Vocabulary, k: usize) -> Vec<u32> {
    let mut cols = chi2_select(xs, y, vocab.role_base(), k);
    cols.extend(vocab.role_base()..vocab.dim() as u32);
    cols.sort_unstable();
    cols
}

/// The dense rows × `cols` matrix of sparse vectors (the form linfa takes).
fn densify(xs: &[Sparse], cols: &[u32]) -> Array2<f32> {
    let col_of: HashMap<u32, usize> = cols.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let mut dense = Array2::<f32>::zeros((xs.len(), cols.len()));
    for (r, x) in xs.iter().enumerate() {
        for &(id, v) in x {
            if let Some(&c) = col_of.get(&id) {
                dense[[r, c]] = v;
            }
        }
    }
    dense
}

/// The baseline the issue asks to compare with: one linfa-bayes MultinomialNb per theme on the same features
/// and per-theme selection as the logistic models, trained on `train` and applied to `test` (a theme is
/// predicted when its "yes" class wins). linfa-bayes 0.8.1 prints its fitted arrays to stderr (a leftover
/// `dbg!`); the caller may want to silence stderr around this call.
///
/// # Errors
/// A theme without positive or without negative training examples, or a failed fit.
pub fn naive_bayes_predict(
    train: &[Input],
    golds: &[Vec<usize>],
    test: &[Input],
    theme_names: &[String],
    params: &ModelParams,
) -> Result<Vec<Vec<usize>>> {
    use linfa_bayes::MultinomialNb;
    let vocab = Vocabulary::fit(train, params.features, theme_names.len());
    let xs: Vec<Sparse> = train.par_iter().map(|i| vocab.transform(i)).collect();
    let ts: Vec<Sparse> = test.par_iter().map(|i| vocab.transform(i)).collect();
    let mut out = vec![Vec::new(); test.len()];
    for (t, name) in theme_names.iter().enumerate() {
        let y: Vec<bool> = golds.iter().map(|g| g.contains(&t)).collect();
        let positives = y.iter().filter(|&&b| b).count();
        if positives == 0 || positives == y.len() {
            return Err(Error::Invalid(format!(
                "theme '{name}': naive Bayes needs positive and negative training statements"
            )));
        }
        let cols = theme_columns(&xs, &y, &vocab, params.k_features);
        let targets = Array1::from_iter(y.iter().map(|&b| usize::from(b)));
        let nb = MultinomialNb::params()
            .fit(&Dataset::new(densify(&xs, &cols), targets))
            .map_err(|e| Error::Invalid(format!("theme '{name}': naive Bayes failed: {e}")))?;
        let pred: Array1<usize> = nb.predict(&densify(&ts, &cols));
        for (i, &p) in pred.iter().enumerate() {
            if p == 1 {
                out[i].push(t);
            }
        }
    }
    Ok(out)
}

fn fit_theme(
    xs: &[Sparse],
    y: &[bool],
    vocab: &Vocabulary,
    params: &ModelParams,
    theme_name: &str,
) -> Result<ThemeModel> {
    let positives = y.iter().filter(|&&b| b).count();
    if positives == 0 {
        return Err(Error::Invalid(format!(
            "theme '{theme_name}' has no positive example in the training data: label some statements with it, or leave it out of the taxonomy"
        )));
    }
    if positives == y.len() {
        return Err(Error::Invalid(format!(
            "theme '{theme_name}': every training statement carries it; a classifier needs negatives too"
        )));
    }
    if params.solver == Solver::Dual {
        let lp = super::linear::LinearParams {
            loss: super::linear::Loss::Logistic,
            c: 1.0 / params.alpha,
            max_iter: params.max_iterations as usize,
            seed: params.seed,
            ..Default::default()
        };
        let m = super::linear::fit_binary(xs, y, &lp).map_err(|e| {
            Error::Invalid(format!(
                "theme '{theme_name}': logistic regression failed: {e}"
            ))
        })?;
        return Ok(m.to_theme_model());
    }
    let cols = theme_columns(xs, y, vocab, params.k_features);
    let dense = densify(xs, &cols);
    let targets = Array1::from_iter(y.iter().copied());
    let ds = Dataset::new(dense, targets);
    let fitted = LogisticRegression::default()
        .alpha(params.alpha as f32)
        .max_iterations(params.max_iterations)
        .fit(&ds)
        .map_err(|e| {
            Error::Invalid(format!(
                "theme '{theme_name}': logistic regression failed: {e}"
            ))
        })?;
    // linfa makes the more frequent class "positive": turn the weights round when that is "no theme".
    let sign: f32 = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let weights = cols
        .iter()
        .zip(fitted.params().iter())
        .filter(|(_, w)| **w != 0.0)
        .map(|(&c, &w)| (c, sign * w))
        .collect();
    Ok(ThemeModel {
        weights,
        intercept: sign * fitted.intercept(),
        threshold: 0.5,
        positives,
    })
}

/// Fits vocabulary and per-theme models on labelled statements (thresholds left at 0.5).
///
/// # Errors
/// A theme without positive examples, or a failed optimisation.
pub fn fit(
    inputs: &[Input],
    golds: &[Vec<usize>],
    theme_names: &[String],
    params: &ModelParams,
) -> Result<Classifier> {
    let vocab = Vocabulary::fit(inputs, params.features, theme_names.len());
    let xs: Vec<Sparse> = inputs.par_iter().map(|i| vocab.transform(i)).collect();
    let themes: Vec<ThemeModel> = (0..theme_names.len())
        .into_par_iter()
        .map(|t| {
            let y: Vec<bool> = golds.iter().map(|g| g.contains(&t)).collect();
            fit_theme(&xs, &y, &vocab, params, &theme_names[t])
        })
        .collect::<Result<_>>()?;
    // Keep only the text features some theme uses: a smaller model, same predictions.
    let used: BTreeSet<u32> = themes
        .iter()
        .flat_map(|t| t.weights.iter().map(|(id, _)| *id))
        .collect();
    let mut vocab = vocab;
    let keep: Vec<u32> = used.into_iter().collect();
    let map = vocab.restrict(&keep);
    let themes = themes
        .into_iter()
        .map(|mut t| {
            t.weights = t
                .weights
                .iter()
                .filter_map(|(id, w)| map.get(id).map(|&n| (n, *w)))
                .collect();
            t.weights.sort_unstable_by_key(|(id, _)| *id);
            t
        })
        .collect();
    Ok(Classifier::new(*params, vocab, themes))
}

/// Deterministic fold of each group (report), balanced, shuffled by `seed`.
pub fn assign_folds(groups: &[String], k: usize, seed: u64) -> HashMap<String, usize> {
    let mut uniq: Vec<&String> = groups.iter().collect::<BTreeSet<_>>().into_iter().collect();
    // splitmix64-keyed sort: a seeded shuffle without a random-number crate.
    let key = |s: &str| {
        let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
        for b in s.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01B3);
        }
        h ^= h >> 30;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 27;
        h
    };
    uniq.sort_by_key(|s| (key(s), (*s).clone()));
    uniq.into_iter()
        .enumerate()
        .map(|(i, g)| (g.clone(), i % k))
        .collect()
}

/// Out-of-fold probabilities for every input (grouped by report), for thresholds and evaluation.
///
/// # Errors
/// See [`fit`].
pub fn cross_val_probs(
    inputs: &[Input],
    golds: &[Vec<usize>],
    groups: &[String],
    theme_names: &[String],
    params: &ModelParams,
    folds: usize,
) -> Result<Vec<Vec<f32>>> {
    let fold_of = assign_folds(groups, folds, params.seed);
    let mut out = vec![Vec::new(); inputs.len()];
    for f in 0..folds {
        let (train, test): (Vec<usize>, Vec<usize>) =
            (0..inputs.len()).partition(|&i| fold_of[&groups[i]] != f);
        if test.is_empty() {
            continue;
        }
        let tin: Vec<Input> = train.iter().map(|&i| inputs[i].clone()).collect();
        let tg: Vec<Vec<usize>> = train.iter().map(|&i| golds[i].clone()).collect();
        let model = fit(&tin, &tg, theme_names, params)?;
        for &i in &test {
            out[i] = model.probs(&model.vocab.transform(&inputs[i]));
        }
    }
    Ok(out)
}

/// The threshold that maximises F1 of one theme on out-of-fold probabilities (ties: closest to 0.5).
pub fn best_threshold(probs: &[f32], gold: &[bool]) -> f32 {
    let mut best = (f64::MIN, 0.5f32);
    for step in 2..=38 {
        let th = step as f32 * 0.025;
        let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
        for (&p, &g) in probs.iter().zip(gold) {
            match (p >= th, g) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                _ => {}
            }
        }
        let f1 = if tp > 0.0 {
            2.0 * tp / (2.0 * tp + fp + fn_)
        } else {
            0.0
        };
        let better = f1 > best.0 + 1e-12
            || ((f1 - best.0).abs() <= 1e-12 && (th - 0.5).abs() < (best.1 - 0.5).abs());
        if better {
            best = (f1, th);
        }
    }
    best.1
}

/// Fits the final classifier: thresholds from grouped cross-validation on the training data, then a fit on
/// all of it.
///
/// # Errors
/// See [`fit`].
pub fn train(
    inputs: &[Input],
    golds: &[Vec<usize>],
    groups: &[String],
    theme_names: &[String],
    params: &ModelParams,
    mut progress: impl FnMut(&str),
) -> Result<(Classifier, Vec<Vec<f32>>)> {
    let params = params.check()?;
    progress("cross-validating thresholds");
    let oof = cross_val_probs(inputs, golds, groups, theme_names, &params, params.cv_folds)?;
    progress("fitting on all training data");
    let mut model = fit(inputs, golds, theme_names, &params)?;
    for (t, tm) in model.themes.iter_mut().enumerate() {
        let probs: Vec<f32> = oof
            .iter()
            .map(|p| p.get(t).copied().unwrap_or(0.0))
            .collect();
        let gold: Vec<bool> = golds.iter().map(|g| g.contains(&t)).collect();
        tm.threshold = best_threshold(&probs, &gold);
    }
    Ok((model, oof))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure::Role;

    #[test]
    fn params_are_checked() {
        assert!(ModelParams {
            cv_folds: 1,
            ..Default::default()
        }
        .check()
        .is_err());
        assert!(ModelParams {
            alpha: -1.0,
            ..Default::default()
        }
        .check()
        .is_err());
        assert!(ModelParams::default().check().is_ok());
    }

    #[test]
    fn classifier_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Classifier>();
    }

    /// Toy statements (space-separated tokens) with their one theme: aging, funds, management.
    const TOY: [(&str, usize); 8] = [
        ("党员 老龄化 严重", 0),
        ("党员 年龄 偏大 老龄化", 0),
        ("老龄化 突出 断层", 0),
        ("经费 不足 阵地 简陋", 1),
        ("经费 紧张 保障 不足", 1),
        ("阵地 面积 小 经费 少", 1),
        ("组织 生活 不规范", 2),
        ("三会一课 不规范 记录", 2),
    ];

    /// Tokens and one gold theme per toy statement.
    fn toy(texts: &[(&str, usize)]) -> (Vec<Vec<String>>, Vec<Vec<usize>>) {
        let toks = texts
            .iter()
            .map(|(t, _)| t.split(' ').map(str::to_string).collect())
            .collect();
        (toks, texts.iter().map(|(_, g)| vec![*g]).collect())
    }

    fn problem_inputs(toks: &[Vec<String>]) -> Vec<Input<'_>> {
        toks.iter()
            .map(|t| Input {
                tokens: t,
                text: "",
                role: Role::Problem,
                rules: &[],
            })
            .collect()
    }

    #[test]
    fn learns_a_separable_toy_problem_and_orients_weights() {
        let (toks, golds) = toy(&TOY);
        let inputs = problem_inputs(&toks);
        let names = vec!["aging".to_string(), "funds".to_string(), "mgmt".to_string()];
        let params = ModelParams {
            k_features: 50,
            alpha: 0.1,
            features: FeatureParams {
                min_df: 1,
                ..Default::default()
            },
            ..Default::default()
        };
        let m = fit(&inputs, &golds, &names, &params).unwrap();
        // "aging" has 3 of 8 positives: linfa's positive class is the majority "false"; orientation must flip.
        let x = m.vocab.transform(&inputs[0]);
        assert!(m.themes[0].prob(&x) > 0.5, "{}", m.themes[0].prob(&x));
        assert!(m.themes[1].prob(&x) < 0.5);
        // The table-driven scorer gives each theme's own probability, bit for bit, also for unseen ids.
        for inp in &inputs {
            let x = m.vocab.transform(inp);
            let each: Vec<u32> = m.themes.iter().map(|t| t.prob(&x).to_bits()).collect();
            let all: Vec<u32> = m.probs(&x).iter().map(|p| p.to_bits()).collect();
            assert_eq!(each, all);
        }
        let odd: Sparse = vec![(0, 0.5), (u32::MAX - 1, 3.0)];
        let each: Vec<f32> = m.themes.iter().map(|t| t.prob(&odd)).collect();
        assert_eq!(each, m.probs(&odd));
        assert_eq!(m, m.clone(), "the table is a cache, not part of the model");
    }

    #[test]
    fn naive_bayes_baseline_separates_a_toy_problem() {
        // The first two themes only.
        let (toks, golds) = toy(&TOY[..6]);
        let inputs = problem_inputs(&toks);
        let names = vec!["aging".to_string(), "funds".to_string()];
        let params = ModelParams {
            features: FeatureParams {
                min_df: 1,
                ..Default::default()
            },
            ..Default::default()
        };
        let pred = naive_bayes_predict(&inputs, &golds, &inputs[..4], &names, &params).unwrap();
        assert_eq!(pred, vec![vec![0], vec![0], vec![0], vec![1]]);
    }

    #[test]
    fn theme_without_positives_is_a_clear_error() {
        let t = vec!["党员".to_string()];
        let inputs = vec![
            Input {
                tokens: &t,
                text: "",
                role: Role::Problem,
                rules: &[]
            };
            2
        ];
        let golds = vec![vec![0], vec![]];
        let names = vec!["a".to_string(), "never_seen".to_string()];
        let err = fit(&inputs, &golds, &names, &ModelParams::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("never_seen"), "{err}");
    }

    #[test]
    fn folds_are_grouped_and_deterministic() {
        let groups: Vec<String> = ["a", "a", "b", "c", "c", "d"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let f1 = assign_folds(&groups, 2, 7);
        let f2 = assign_folds(&groups, 2, 7);
        assert_eq!(f1, f2);
        assert_eq!(f1.len(), 4);
    }
}
