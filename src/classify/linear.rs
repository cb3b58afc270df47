//! Sparse L2-regularised linear classifiers solved in the dual by coordinate descent, working directly on
//! [`Sparse`] rows: no dense rows × vocabulary matrix is ever built, and one pass over the data costs
//! O(non-zeros).
//!
//! Two binary losses, both with the intercept learnt as the weight of an extra constant feature (of value
//! [`LinearParams::bias`], regularised like every other weight, as liblinear does):
//!
//! * [`Loss::Logistic`]: min ½‖w‖² + C Σ log(1 + exp(−yᵢ w·xᵢ)), by the dual coordinate-descent method of
//!   Yu, Huang & Lin (2011, "Dual coordinate descent methods for logistic regression and maximum entropy
//!   models"), with a guarded Newton method for each one-variable sub-problem.
//! * [`Loss::SquaredHinge`]: min ½‖w‖² + C Σ max(0, 1 − yᵢ w·xᵢ)², by the dual coordinate descent of Hsieh
//!   et al. (2008, "A dual coordinate descent method for large-scale linear SVM") with shrinking.
//!
//! Every pass visits the rows in an order drawn from a seeded [`SplitMix`], and each binary problem runs on
//! one thread, so results are bit-for-bit the same whatever the number of threads. [`fit_one_vs_rest`]
//! trains one binary model per class in parallel (rayon).

use super::features::{dot_from, Sparse};
use super::theme_model::ThemeModel;
use crate::error::{Error, Result};
use crate::rng::SplitMix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The loss of a binary linear model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// Logistic loss (L2-regularised logistic regression).
    Logistic,
    /// Squared hinge loss (L2-regularised L2-loss linear SVM).
    SquaredHinge,
}

impl Loss {
    /// Short lower-case name (`lr`, `svm`).
    pub fn as_str(self) -> &'static str {
        match self {
            Loss::Logistic => "lr",
            Loss::SquaredHinge => "svm",
        }
    }
}

/// Settings of a sparse linear fit, checked by [`LinearParams::check`] before any work starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinearParams {
    /// Which loss to minimise.
    pub loss: Loss,
    /// Inverse regularisation strength C (> 0): larger means less regularisation.
    pub c: f64,
    /// Value of the constant feature that carries the intercept (0 fits no intercept).
    pub bias: f64,
    /// Stopping tolerance on the dual (projected) gradient: the logistic solver stops when the largest
    /// sub-problem gradient of a pass is below it, the SVM solver when the spread of projected gradients
    /// is at most it.
    pub eps: f64,
    /// Maximum number of passes over the data.
    pub max_iter: usize,
    /// Seed of the row order.
    pub seed: u64,
}

impl Default for LinearParams {
    fn default() -> Self {
        LinearParams {
            loss: Loss::SquaredHinge,
            c: 1.0,
            bias: 1.0,
            eps: 0.01,
            max_iter: 1000,
            seed: 42,
        }
    }
}

impl LinearParams {
    /// Validates the settings.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the bad setting (C not a finite positive number, negative or non-finite
    /// bias, tolerance not positive, zero iterations).
    pub fn check(self) -> Result<Self> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(Error::Invalid(format!(
                "C must be a finite number > 0, got {}",
                self.c
            )));
        }
        if !(self.bias.is_finite() && self.bias >= 0.0) {
            return Err(Error::Invalid(format!(
                "bias must be a finite number ≥ 0, got {}",
                self.bias
            )));
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::Invalid(format!(
                "stopping tolerance must be a finite number > 0, got {}",
                self.eps
            )));
        }
        if self.max_iter == 0 {
            return Err(Error::Invalid("max_iter must be at least 1".into()));
        }
        Ok(self)
    }
}

/// A fitted binary linear model: decision value w·x + b, positive for the positive class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    /// Non-zero weights by feature id, sorted by id.
    pub weights: Vec<(u32, f32)>,
    /// Intercept (the constant feature's weight times its value).
    pub intercept: f32,
    /// Passes over the data the solver made.
    pub iterations: usize,
    /// Whether the stopping tolerance was reached before `max_iter`.
    pub converged: bool,
    /// Positive training rows.
    pub positives: usize,
}

impl LinearModel {
    /// The decision value w·x + b (`x` sorted by id).
    pub fn decision(&self, x: &Sparse) -> f32 {
        dot_from(self.intercept, &self.weights, x)
    }

    /// The model as the crate's [`ThemeModel`] (probability = logistic of the decision value, threshold
    /// 0.5). For [`Loss::SquaredHinge`] the "probability" is only a monotone score, not calibrated.
    pub fn to_theme_model(&self) -> ThemeModel {
        ThemeModel {
            weights: self.weights.clone(),
            intercept: self.intercept,
            threshold: 0.5,
            positives: self.positives,
        }
    }
}

/// One binary model per class, fitted one-vs-rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneVsRest {
    /// Settings used.
    pub params: LinearParams,
    /// One model per class, in class order.
    pub classes: Vec<LinearModel>,
}

impl OneVsRest {
    /// Decision value of every class for one row.
    pub fn decision_values(&self, x: &Sparse) -> Vec<f32> {
        self.classes.iter().map(|m| m.decision(x)).collect()
    }

    /// The class with the largest decision value (the lowest index on ties; 0 without classes).
    pub fn predict(&self, x: &Sparse) -> usize {
        argmax(&self.decision_values(x))
    }
}

/// Index of the largest value (first one on ties, NaN never wins; 0 for an empty slice).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &z) in v.iter().enumerate() {
        if z > v[best] || v[best].is_nan() && !z.is_nan() {
            best = i;
        }
    }
    best
}

/// Checks the rows and returns the number of weight dimensions (largest id + 1).
fn check_rows(xs: &[Sparse], n_targets: usize) -> Result<usize> {
    if xs.is_empty() {
        return Err(Error::Invalid("no training rows".into()));
    }
    if xs.len() != n_targets {
        return Err(Error::Invalid(format!(
            "{} training rows but {} targets",
            xs.len(),
            n_targets
        )));
    }
    let mut dim = 0usize;
    for (r, x) in xs.iter().enumerate() {
        for &(id, v) in x {
            if !v.is_finite() {
                return Err(Error::Invalid(format!(
                    "training row {r}: feature {id} has the non-finite value {v}"
                )));
            }
            dim = dim.max(id as usize + 1);
        }
    }
    Ok(dim)
}

/// Fits one binary model; `y[i]` tells whether row `i` is positive.
///
/// # Errors
/// [`Error::Invalid`] for bad settings, no rows, a length mismatch, a non-finite feature value, no positive
/// or no negative row, or a solution that is not finite.
pub fn fit_binary(xs: &[Sparse], y: &[bool], params: &LinearParams) -> Result<LinearModel> {
    let params = params.check()?;
    let dim = check_rows(xs, y.len())?;
    let positives = y.iter().filter(|&&b| b).count();
    if positives == 0 {
        return Err(Error::Invalid(
            "no positive training row: a binary model needs both classes".into(),
        ));
    }
    if positives == y.len() {
        return Err(Error::Invalid(
            "no negative training row: a binary model needs both classes".into(),
        ));
    }
    solve(xs, y, dim, &params, params.seed, positives)
}

/// Fits one-vs-rest models for a multi-class problem: `labels[i]` is the class of row `i`, in
/// `0..n_classes`. Classes are fitted in parallel; class `k` uses a row order seeded from
/// `params.seed` and `k`, so the result does not depend on the thread count.
///
/// # Errors
/// [`Error::Invalid`] for bad settings or rows, a label ≥ `n_classes`, fewer than two classes, or a class
/// with no training row (named by its index).
pub fn fit_one_vs_rest(
    xs: &[Sparse],
    labels: &[usize],
    n_classes: usize,
    params: &LinearParams,
) -> Result<OneVsRest> {
    if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l >= n_classes) {
        return Err(Error::Invalid(format!(
            "training row {i} has label {l}, but there are only {n_classes} classes"
        )));
    }
    fit_ovr(xs, labels.len(), n_classes, params, |i, k| labels[i] == k)
}

/// Like [`fit_one_vs_rest`] for multi-label data: `golds[i]` lists the classes of row `i` (possibly none);
/// every class must have at least one positive and one negative row.
///
/// # Errors
/// As [`fit_one_vs_rest`], plus a class that every row carries.
pub fn fit_one_vs_rest_multilabel(
    xs: &[Sparse],
    golds: &[Vec<usize>],
    n_classes: usize,
    params: &LinearParams,
) -> Result<OneVsRest> {
    for (i, g) in golds.iter().enumerate() {
        if let Some(&l) = g.iter().find(|&&l| l >= n_classes) {
            return Err(Error::Invalid(format!(
                "training row {i} has label {l}, but there are only {n_classes} classes"
            )));
        }
    }
    fit_ovr(xs, golds.len(), n_classes, params, |i, k| {
        golds[i].contains(&k)
    })
}

fn fit_ovr(
    xs: &[Sparse],
    n_targets: usize,
    n_classes: usize,
    params: &LinearParams,
    is_pos: impl Fn(usize, usize) -> bool + Sync,
) -> Result<OneVsRest> {
    let params = params.check()?;
    let dim = check_rows(xs, n_targets)?;
    if n_classes < 2 {
        return Err(Error::Invalid(format!(
            "one-vs-rest needs at least 2 classes, got {n_classes}"
        )));
    }
    let targets: Vec<Vec<bool>> = (0..n_classes)
        .map(|k| (0..n_targets).map(|i| is_pos(i, k)).collect())
        .collect();
    for (k, y) in targets.iter().enumerate() {
        let positives = y.iter().filter(|&&b| b).count();
        if positives == 0 {
            return Err(Error::Invalid(format!(
                "class {k} has no training row: it cannot be learnt"
            )));
        }
        if positives == y.len() {
            return Err(Error::Invalid(format!(
                "class {k} is carried by every training row: a classifier needs negatives too"
            )));
        }
    }
    let classes = targets
        .par_iter()
        .enumerate()
        .map(|(k, y)| {
            let seed =
                SplitMix(params.seed ^ (k as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64();
            let positives = y.iter().filter(|&&b| b).count();
            solve(xs, y, dim, &params, seed, positives)
                .map_err(|e| Error::Invalid(format!("class {k}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(OneVsRest { params, classes })
}

/// Dense weights during a solve: feature weights plus the constant feature's weight.
struct Weights {
    w: Vec<f64>,
    wb: f64,
    bias: f64,
}

impl Weights {
    fn dot(&self, x: &Sparse) -> f64 {
        let mut z = self.wb * self.bias;
        for &(id, v) in x {
            z += self.w[id as usize] * v as f64;
        }
        z
    }

    fn add(&mut self, d: f64, x: &Sparse) {
        for &(id, v) in x {
            self.w[id as usize] += d * v as f64;
        }
        self.wb += d * self.bias;
    }
}

fn solve(
    xs: &[Sparse],
    y: &[bool],
    dim: usize,
    params: &LinearParams,
    seed: u64,
    positives: usize,
) -> Result<LinearModel> {
    let mut w = Weights {
        w: vec![0.0; dim],
        wb: 0.0,
        bias: params.bias,
    };
    let mut rng = SplitMix(seed);
    let (iterations, converged) = match params.loss {
        Loss::Logistic => solve_lr_dual(xs, y, params, &mut w, &mut rng),
        Loss::SquaredHinge => solve_l2svm_dual(xs, y, params, &mut w, &mut rng),
    };
    if !(w.wb.is_finite() && w.w.iter().all(|v| v.is_finite())) {
        return Err(Error::Invalid(format!(
            "the solver diverged (non-finite weights) with C = {}",
            params.c
        )));
    }
    let weights =
        w.w.iter()
            .enumerate()
            .filter(|(_, &v)| v != 0.0)
            .map(|(id, &v)| (id as u32, v as f32))
            .collect();
    Ok(LinearModel {
        weights,
        intercept: (w.wb * w.bias) as f32,
        iterations,
        converged,
        positives,
    })
}

fn sq_norms(xs: &[Sparse], bias: f64) -> Vec<f64> {
    xs.iter()
        .map(|x| x.iter().map(|&(_, v)| v as f64 * v as f64).sum::<f64>() + bias * bias)
        .collect()
}

/// Fisher–Yates shuffle of `idx` with the seeded generator.
fn shuffle(idx: &mut [usize], rng: &mut SplitMix) {
    for i in (1..idx.len()).rev() {
        let j = rng.below(i + 1);
        idx.swap(i, j);
    }
}

/// Dual coordinate descent for the L2-loss (squared hinge) SVM, with shrinking (Hsieh et al. 2008).
/// Dual: min ½ αᵀ(Q + D)α − Σ αᵢ, αᵢ ≥ 0, Qᵢⱼ = yᵢyⱼ xᵢ·xⱼ, D = I / (2C). Returns (passes, converged).
fn solve_l2svm_dual(
    xs: &[Sparse],
    y: &[bool],
    p: &LinearParams,
    w: &mut Weights,
    rng: &mut SplitMix,
) -> (usize, bool) {
    let l = xs.len();
    let diag = 0.5 / p.c;
    let qd: Vec<f64> = sq_norms(xs, p.bias).into_iter().map(|q| q + diag).collect();
    let mut alpha = vec![0.0f64; l];
    let mut index: Vec<usize> = (0..l).collect();
    let mut active = l;
    // Largest projected gradient of the previous pass: rows at the bound with a larger gradient are shrunk.
    let mut pg_max_old = f64::INFINITY;
    let mut iter = 0;
    while iter < p.max_iter {
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        shuffle(&mut index[..active], rng);
        let mut s = 0;
        while s < active {
            let i = index[s];
            let yi = if y[i] { 1.0 } else { -1.0 };
            let g = yi * w.dot(&xs[i]) - 1.0 + alpha[i] * diag;
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    // Bound and likely to stay so: shrink it out of the active set.
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g < 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                w.add((alpha[i] - old) * yi, &xs[i]);
            }
            s += 1;
        }
        iter += 1;
        if active == 0 || pg_max - pg_min <= p.eps {
            if active == l {
                return (iter, true);
            }
            // Converged on the shrunk problem: check again on all rows.
            active = l;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
    }
    (iter, false)
}

/// Dual coordinate descent for L2-regularised logistic regression (Yu, Huang & Lin 2011).
/// Dual: min ½ αᵀQα + Σ αᵢ log αᵢ + (C − αᵢ) log(C − αᵢ), 0 < αᵢ < C; each step solves a one-variable
/// sub-problem by a Newton method kept inside (0, C). Returns (passes, converged).
fn solve_lr_dual(
    xs: &[Sparse],
    y: &[bool],
    p: &LinearParams,
    w: &mut Weights,
    rng: &mut SplitMix,
) -> (usize, bool) {
    const MAX_INNER: usize = 100;
    let l = xs.len();
    let c = p.c;
    let xtx = sq_norms(xs, p.bias);
    // alpha[2i] is αᵢ, alpha[2i + 1] is C − αᵢ (kept separately for accuracy near the bounds).
    let mut alpha = vec![0.0f64; 2 * l];
    for i in 0..l {
        alpha[2 * i] = (0.001 * c).min(1e-8);
        alpha[2 * i + 1] = c - alpha[2 * i];
        let yi = if y[i] { 1.0 } else { -1.0 };
        w.add(yi * alpha[2 * i], &xs[i]);
    }
    let mut index: Vec<usize> = (0..l).collect();
    let mut inner_eps = 1e-2;
    let inner_eps_min = p.eps.min(1e-8);
    let mut iter = 0;
    while iter < p.max_iter {
        shuffle(&mut index, rng);
        let mut newton_iters = 0usize;
        let mut g_max = 0.0f64;
        for &i in &index {
            let yi = if y[i] { 1.0 } else { -1.0 };
            let a = xtx[i];
            let b = yi * w.dot(&xs[i]);
            // Minimise g(z) = z log z + (C − z) log(C − z) + ½a(z − z_old)² + sign·b(z − z_old) over
            // whichever of αᵢ, C − αᵢ is the better-conditioned variable.
            let (ind1, sign) = if 0.5 * a * (alpha[2 * i + 1] - alpha[2 * i]) + b < 0.0 {
                (2 * i + 1, -1.0)
            } else {
                (2 * i, 1.0)
            };
            let z_old = alpha[ind1];
            let mut z = z_old;
            if c - z < 0.5 * c {
                z *= 0.1;
            }
            let mut gp = a * (z - z_old) + sign * b + (z / (c - z)).ln();
            g_max = g_max.max(gp.abs());
            let mut inner = 0;
            while inner <= MAX_INNER {
                if gp.abs() < inner_eps {
                    break;
                }
                let gpp = a + c / (c - z) / z;
                let tmp = z - gp / gpp;
                // A step past 0 is damped instead; one past C (which the choice of variable above
                // rules out in exact arithmetic) goes halfway to C.
                z = if tmp <= 0.0 {
                    z * 0.1
                } else if tmp >= c {
                    0.5 * (z + c)
                } else {
                    tmp
                };
                gp = a * (z - z_old) + sign * b + (z / (c - z)).ln();
                newton_iters += 1;
                inner += 1;
            }
            if inner > 0 && z.is_finite() && z > 0.0 && z < c {
                alpha[ind1] = z;
                alpha[ind1 ^ 1] = c - z;
                w.add(sign * (z - z_old) * yi, &xs[i]);
            }
        }
        iter += 1;
        if g_max < p.eps {
            return (iter, true);
        }
        if newton_iters <= l / 10 {
            inner_eps = inner_eps_min.max(0.1 * inner_eps);
        }
    }
    (iter, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random sparse rows with `d` features, about half of them present.
    fn random_rows(n: usize, d: u32, seed: u64) -> Vec<Sparse> {
        let mut r = SplitMix(seed);
        (0..n)
            .map(|_| {
                let mut x = Sparse::new();
                for j in 0..d {
                    if r.unit() < 0.5 {
                        x.push((j, (r.unit() * 2.0 - 1.0) as f32));
                    }
                }
                x
            })
            .collect()
    }

    /// Labels from a noisy linear rule, so both classes occur and the data are not separable.
    fn noisy_labels(xs: &[Sparse], seed: u64) -> Vec<bool> {
        let mut r = SplitMix(seed);
        xs.iter()
            .map(|x| {
                let z: f64 = x.iter().map(|&(j, v)| v as f64 * (j as f64 - 1.5)).sum();
                z + (r.unit() - 0.5) * 1.5 > 0.0
            })
            .collect()
    }

    /// Primal objective and gradient (weights then the constant feature's weight) in f64.
    fn primal(xs: &[Sparse], y: &[bool], w: &[f64], p: &LinearParams) -> (f64, Vec<f64>) {
        let d = w.len() - 1;
        let mut f = 0.5 * w.iter().map(|v| v * v).sum::<f64>();
        let mut g = w.to_vec();
        for (x, &yy) in xs.iter().zip(y) {
            let yi = if yy { 1.0 } else { -1.0 };
            let z = x
                .iter()
                .map(|&(j, v)| w[j as usize] * v as f64)
                .sum::<f64>()
                + w[d] * p.bias;
            let m = yi * z;
            // d loss / d z
            let dz = match p.loss {
                Loss::Logistic => {
                    f += p.c * (1.0 + (-m).exp()).ln();
                    -p.c * yi / (1.0 + m.exp())
                }
                Loss::SquaredHinge => {
                    let h = (1.0 - m).max(0.0);
                    f += p.c * h * h;
                    -2.0 * p.c * yi * h
                }
            };
            for &(j, v) in x {
                g[j as usize] += dz * v as f64;
            }
            g[d] += dz * p.bias;
        }
        (f, g)
    }

    /// The fitted model as a dense vector (weights of `d` features, then the constant feature's weight).
    fn dense(m: &LinearModel, d: usize, p: &LinearParams) -> Vec<f64> {
        let mut w = vec![0.0; d + 1];
        for &(j, v) in &m.weights {
            w[j as usize] = v as f64;
        }
        w[d] = if p.bias > 0.0 {
            m.intercept as f64 / p.bias
        } else {
            0.0
        };
        w
    }

    fn tight(loss: Loss) -> LinearParams {
        LinearParams {
            loss,
            c: 1.0,
            eps: 1e-7,
            max_iter: 100_000,
            ..Default::default()
        }
    }

    #[test]
    fn separates_a_separable_toy_problem() {
        // Feature 0 marks positives, feature 1 negatives; feature 2 is shared noise.
        let xs: Vec<Sparse> = vec![
            vec![(0, 1.0), (2, 0.5)],
            vec![(0, 0.8)],
            vec![(0, 0.9), (2, 0.3)],
            vec![(1, 1.0), (2, 0.5)],
            vec![(1, 0.7)],
            vec![(1, 1.0), (2, 0.2)],
        ];
        let y = [true, true, true, false, false, false];
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            let m = fit_binary(
                &xs,
                &y,
                &LinearParams {
                    loss,
                    c: 10.0,
                    ..Default::default()
                },
            )
            .unwrap();
            assert!(m.converged, "{loss:?}");
            for (x, &yy) in xs.iter().zip(&y) {
                assert_eq!(m.decision(x) > 0.0, yy, "{loss:?} {x:?}");
            }
        }
    }

    #[test]
    fn primal_gradient_vanishes_at_the_solution() {
        let xs = random_rows(60, 4, 1);
        let y = noisy_labels(&xs, 2);
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            let p = tight(loss);
            let m = fit_binary(&xs, &y, &p).unwrap();
            assert!(m.converged, "{loss:?}");
            let w = dense(&m, 4, &p);
            let (_, g0) = primal(&xs, &y, &[0.0; 5], &p);
            let (_, g) = primal(&xs, &y, &w, &p);
            let n0 = g0.iter().map(|v| v * v).sum::<f64>().sqrt();
            let n = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            // f32 storage of the weights limits how small the gradient can get.
            assert!(n < 1e-4 * n0, "{loss:?}: |grad| {n} vs {n0} at 0");
        }
    }

    #[test]
    fn loose_tolerance_still_gets_close_to_the_optimum() {
        let xs = random_rows(200, 6, 11);
        let y = noisy_labels(&xs, 12);
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            let best = fit_binary(&xs, &y, &tight(loss)).unwrap();
            let p = LinearParams {
                loss,
                c: 1.0,
                eps: 0.1,
                ..Default::default()
            };
            let loose = fit_binary(&xs, &y, &p).unwrap();
            let (fb, _) = primal(&xs, &y, &dense(&best, 6, &p), &p);
            let (fl, _) = primal(&xs, &y, &dense(&loose, 6, &p), &p);
            assert!(fl >= fb - 1e-6 * fb.abs(), "{loss:?}");
            assert!(fl - fb < 1e-2 * fb, "{loss:?}: {fl} vs optimum {fb}");
        }
    }

    #[test]
    fn matches_a_brute_force_search_on_two_features() {
        let xs: Vec<Sparse> = vec![
            vec![(0, 1.0), (1, 0.2)],
            vec![(0, 0.4), (1, -0.9)],
            vec![(0, -0.6), (1, 0.5)],
            vec![(1, 1.0)],
            vec![(0, -1.0)],
            vec![(0, 0.3), (1, 0.3)],
            vec![(0, 0.9), (1, -0.1)],
            vec![(0, -0.2), (1, -0.8)],
        ];
        let y = [true, true, false, false, false, true, false, true];
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            let p = LinearParams {
                bias: 0.0,
                ..tight(loss)
            };
            let m = fit_binary(&xs, &y, &p).unwrap();
            let w = dense(&m, 2, &p);
            // Grid search over [-3, 3]², step 0.005.
            let mut best = (f64::INFINITY, 0.0, 0.0);
            for a in -600..=600 {
                for b in -600..=600 {
                    let (wa, wb) = (a as f64 * 0.005, b as f64 * 0.005);
                    let (f, _) = primal(&xs, &y, &[wa, wb, 0.0], &p);
                    if f < best.0 {
                        best = (f, wa, wb);
                    }
                }
            }
            let (f, _) = primal(&xs, &y, &w, &p);
            assert!(f <= best.0 + 1e-9, "{loss:?}: {f} > grid {}", best.0);
            assert!(
                (w[0] - best.1).abs() < 0.01 && (w[1] - best.2).abs() < 0.01,
                "{loss:?}: {w:?} vs grid {best:?}"
            );
            assert_eq!(m.intercept, 0.0);
        }
    }

    #[test]
    fn one_vs_rest_is_deterministic_across_runs_and_thread_counts() {
        let xs = random_rows(300, 12, 5);
        let mut r = SplitMix(9);
        let labels: Vec<usize> = xs
            .iter()
            .map(|x| {
                let s: f32 = x.iter().map(|&(j, v)| v * (j % 3) as f32).sum();
                if r.unit() < 0.1 {
                    r.below(3)
                } else if s > 0.5 {
                    0
                } else if s < -0.5 {
                    1
                } else {
                    2
                }
            })
            .collect();
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            let p = LinearParams {
                loss,
                ..Default::default()
            };
            let run = |threads: usize| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| fit_one_vs_rest(&xs, &labels, 3, &p).unwrap())
            };
            let bits = |m: &OneVsRest| -> Vec<u32> {
                m.classes
                    .iter()
                    .flat_map(|c| {
                        c.weights
                            .iter()
                            .flat_map(|&(j, v)| [j, v.to_bits()])
                            .chain([c.intercept.to_bits()])
                    })
                    .collect()
            };
            let (a, b, c) = (run(1), run(2), run(3));
            assert_eq!(bits(&a), bits(&b), "{loss:?}");
            assert_eq!(bits(&a), bits(&c), "{loss:?}");
            assert_eq!(a, fit_one_vs_rest(&xs, &labels, 3, &p).unwrap());
            // Better than always guessing the commonest class.
            let correct = xs
                .iter()
                .zip(&labels)
                .filter(|(x, &l)| a.predict(x) == l)
                .count();
            assert!(correct > 200, "{loss:?}: {correct}/300");
            let cards: Vec<ThemeModel> = a.classes.iter().map(|m| m.to_theme_model()).collect();
            let x = &xs[0];
            let via_theme = argmax(&cards.iter().map(|t| t.prob(x)).collect::<Vec<_>>());
            assert_eq!(via_theme, a.predict(x));
        }
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        let xs: Vec<Sparse> = vec![vec![(0, 1.0)], vec![(1, 1.0)]];
        for c in [f64::NAN, 0.0, -1.0, f64::INFINITY] {
            let p = LinearParams {
                c,
                ..Default::default()
            };
            assert!(fit_binary(&xs, &[true, false], &p).is_err(), "C = {c}");
        }
        let p = LinearParams::default();
        assert!(LinearParams { eps: 0.0, ..p }.check().is_err());
        assert!(LinearParams { max_iter: 0, ..p }.check().is_err());
        assert!(LinearParams {
            bias: f64::NAN,
            ..p
        }
        .check()
        .is_err());
        assert!(fit_binary(&[], &[], &p).is_err());
        assert!(fit_binary(&xs, &[true], &p).is_err());
        assert!(fit_binary(&xs, &[true, true], &p).is_err());
        assert!(fit_binary(&xs, &[false, false], &p).is_err());
        let nan: Vec<Sparse> = vec![vec![(0, f32::NAN)], vec![(1, 1.0)]];
        assert!(fit_binary(&nan, &[true, false], &p).is_err());
        let err = fit_one_vs_rest(&xs, &[0, 2], 3, &p)
            .unwrap_err()
            .to_string();
        assert!(err.contains("class 1"), "{err}");
        assert!(fit_one_vs_rest(&xs, &[0, 3], 3, &p).is_err());
        assert!(fit_one_vs_rest(&xs, &[0, 0], 1, &p).is_err());
        assert!(fit_one_vs_rest_multilabel(&xs, &[vec![0, 1], vec![0]], 2, &p).is_err());
        assert!(fit_one_vs_rest_multilabel(&xs, &[vec![0, 1], vec![]], 2, &p).is_ok());
    }

    #[test]
    fn empty_and_all_zero_rows_are_fine() {
        let xs: Vec<Sparse> = vec![vec![], vec![(0, 0.0)], vec![(0, 1.0)], vec![], vec![]];
        let y = [true, false, true, false, false];
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            for bias in [0.0, 1.0] {
                let p = LinearParams {
                    loss,
                    bias,
                    ..Default::default()
                };
                let m = fit_binary(&xs, &y, &p).unwrap();
                assert!(m.decision(&xs[2]).is_finite());
                assert!(m.decision(&xs[2]) > m.decision(&xs[0]), "{loss:?} {bias}");
            }
        }
        // Only empty rows, no intercept: nothing to learn, but no failure either.
        let empty: Vec<Sparse> = vec![vec![], vec![]];
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            let p = LinearParams {
                loss,
                bias: 0.0,
                ..Default::default()
            };
            let m = fit_binary(&empty, &[true, false], &p).unwrap();
            assert_eq!(m.decision(&vec![(5, 1.0)]), 0.0);
        }
        assert_eq!(argmax(&[]), 0);
        assert_eq!(argmax(&[f32::NAN, 1.0, 1.0]), 1);
    }
}
