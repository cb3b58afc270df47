//! Precision, recall and F1 per theme, with micro and macro averages.

use super::persist::Prf;
use serde::Serialize;

/// Counts of one theme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counts {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
}

impl Counts {
    /// Precision, recall, F1 and support.
    pub fn prf(&self) -> Prf {
        let (tp, fp, fn_) = (self.tp as f64, self.fp as f64, self.fn_ as f64);
        let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
        let recall = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
        let f1 = if tp > 0.0 {
            2.0 * tp / (2.0 * tp + fp + fn_)
        } else {
            0.0
        };
        Prf {
            precision,
            recall,
            f1,
            support: self.tp + self.fn_,
        }
    }
}

/// Multi-label evaluation over a set of items (statements or reports).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Per theme, in taxonomy order.
    pub per_theme: Vec<Prf>,
    /// Micro average (pooled counts).
    pub micro: Prf,
    /// Macro average over themes with support (mean of per-theme figures).
    pub macro_avg: Prf,
    /// Items evaluated.
    pub items: usize,
}

/// Scores predicted theme sets against gold sets.
pub fn score(pred: &[Vec<usize>], gold: &[Vec<usize>], n_themes: usize) -> Report {
    let mut c = vec![Counts::default(); n_themes];
    for (p, g) in pred.iter().zip(gold) {
        for (t, ct) in c.iter_mut().enumerate() {
            match (p.contains(&t), g.contains(&t)) {
                (true, true) => ct.tp += 1,
                (true, false) => ct.fp += 1,
                (false, true) => ct.fn_ += 1,
                _ => {}
            }
        }
    }
    let per_theme: Vec<Prf> = c.iter().map(Counts::prf).collect();
    let total = c.iter().fold(Counts::default(), |a, b| Counts {
        tp: a.tp + b.tp,
        fp: a.fp + b.fp,
        fn_: a.fn_ + b.fn_,
    });
    let with_support: Vec<&Prf> = per_theme.iter().filter(|p| p.support > 0).collect();
    let n = with_support.len().max(1) as f64;
    let macro_avg = Prf {
        precision: with_support.iter().map(|p| p.precision).sum::<f64>() / n,
        recall: with_support.iter().map(|p| p.recall).sum::<f64>() / n,
        f1: with_support.iter().map(|p| p.f1).sum::<f64>() / n,
        support: total.tp + total.fn_,
    };
    Report {
        per_theme,
        micro: total.prf(),
        macro_avg,
        items: pred.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_empty() {
        let r = score(&[vec![0], vec![1]], &[vec![0], vec![1]], 2);
        assert_eq!(r.micro.f1, 1.0);
        assert_eq!(r.macro_avg.f1, 1.0);
        let r = score(&[vec![], vec![0]], &[vec![0], vec![]], 2);
        assert_eq!(r.micro.f1, 0.0);
        assert_eq!(r.per_theme[0].support, 1);
    }

    #[test]
    fn counts_by_hand() {
        // theme 0: tp 1, fp 1, fn 1 → p = r = f1 = 0.5
        let r = score(&[vec![0], vec![0], vec![]], &[vec![0], vec![], vec![0]], 1);
        assert!((r.per_theme[0].f1 - 0.5).abs() < 1e-12);
    }
}
