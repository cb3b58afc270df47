//! The project's own feature and model code on a public benchmark: THUCNews titles, ten classes.
//!
//! ```text
//! cargo run --release --example thucnews -- [--data ../shared/data/thucnews] [--solver svm|lr|linfa]
//!     [--c C] [--eps 0.01] [--max-iter 1000] [--min-df N] [--features wc]
//!     [--word-bigrams | --no-word-bigrams] [--dev N] [--k 2000] [--alpha 0.5] [--iters 150]
//! ```
//!
//! Reads `{train,test}.txt` (`title<TAB>label`), segments titles with jieba-rs (default dictionary, no domain
//! words, no stopwords) and builds [`shuzhi::classify::features::Vocabulary`] features (`w` word unigrams,
//! `c` character bigrams of Han text, optional word bigrams). Then, by `--solver`:
//!
//! * `svm` (default): one-vs-rest L2-regularised squared-hinge linear SVM from
//!   [`shuzhi::classify::linear`], on the full vocabulary (every feature in at least `--min-df` titles),
//!   solved on the sparse vectors; defaults C 1, min_df 1, no word bigrams (chosen on `--dev 5000`).
//! * `lr`: the same with L2-regularised logistic regression (default C 64).
//! * `linfa`: [`shuzhi::classify::model::fit`], one theme per class (linfa logistic regression on `--k`
//!   chi-square-selected features per class, dense, exactly the code `shuzhi train` uses); defaults
//!   min_df 2, no word bigrams.
//!
//! Predicts the argmax of the ten per-class decision values (probabilities for linfa). `--dev N` holds out
//! the last N training titles and evaluates on them instead of `test.txt`, for choosing settings without
//! the test set. Prints one line: accuracy, macro-F1, solver and its settings, segmentation, fit
//! (vocabulary, vectors and models) and prediction seconds, peak memory (VmHWM of this process) and
//! threads.

use rayon::prelude::*;
use shuzhi::classify::features::{FeatureParams, Input, Sparse, Vocabulary};
use shuzhi::classify::linear::{self, LinearParams, Loss};
use shuzhi::classify::model::{self, ModelParams};
use shuzhi::segment::Segmenter;
use shuzhi::structure::Role;
use std::path::Path;
use std::time::Instant;

/// C of the sparse SVM by default (chosen on `--dev 5000`).
const DEFAULT_C_SVM: f64 = 1.0;
/// C of the sparse logistic regression by default (chosen on `--dev 5000`).
const DEFAULT_C_LR: f64 = 64.0;
/// `--min-df` of the sparse solvers by default.
const DEFAULT_MIN_DF: u32 = 1;
/// Word bigrams for the sparse solvers by default.
const DEFAULT_WORD_BIGRAMS: bool = false;

fn read(path: &Path) -> Vec<(String, usize)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the data set lives in ../shared/data/thucnews)",
            path.display()
        )
    });
    text.lines()
        .filter_map(|l| {
            let (t, y) = l.rsplit_once('\t')?;
            Some((t.to_string(), y.trim().parse().ok()?))
        })
        .collect()
}

fn vm_hwm_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Per-class scores of one vectorised title.
type Predictor = Box<dyn Fn(&Sparse) -> Vec<f32> + Sync>;

/// Which classifier to train.
#[derive(Clone, Copy, PartialEq)]
enum Solver {
    Linfa,
    Sparse(Loss),
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let solver = match get("--solver").as_deref().unwrap_or("svm") {
        "linfa" => Solver::Linfa,
        "lr" => Solver::Sparse(Loss::Logistic),
        "svm" => Solver::Sparse(Loss::SquaredHinge),
        other => panic!("--solver must be linfa, lr or svm, got {other}"),
    };
    let linfa = solver == Solver::Linfa;
    let data = get("--data").unwrap_or_else(|| "../shared/data/thucnews".into());
    let k: usize = get("--k").map_or(2000, |v| v.parse().unwrap());
    let alpha: f64 = get("--alpha").map_or(0.5, |v| v.parse().unwrap());
    let iters: u64 = get("--iters").map_or(150, |v| v.parse().unwrap());
    let defaults = LinearParams::default();
    let default_c = if solver == Solver::Sparse(Loss::Logistic) {
        DEFAULT_C_LR
    } else {
        DEFAULT_C_SVM
    };
    let c: f64 = get("--c").map_or(default_c, |v| v.parse().unwrap());
    let eps: f64 = get("--eps").map_or(defaults.eps, |v| v.parse().unwrap());
    let max_iter: usize = get("--max-iter").map_or(defaults.max_iter, |v| v.parse().unwrap());
    let min_df: u32 = get("--min-df").map_or(if linfa { 2 } else { DEFAULT_MIN_DF }, |v| {
        v.parse().unwrap()
    });
    let feats = get("--features").unwrap_or_else(|| "wc".into());
    let word_bigrams = if args.iter().any(|a| a == "--word-bigrams") {
        true
    } else if args.iter().any(|a| a == "--no-word-bigrams") {
        false
    } else {
        !linfa && DEFAULT_WORD_BIGRAMS
    };

    let dir = Path::new(&data);
    let mut train = read(&dir.join("train.txt"));
    let mut test = read(&dir.join("test.txt"));
    // Model selection without touching the test set: evaluate on the last `--dev` training titles instead.
    let dev: usize = get("--dev").map_or(0, |v| v.parse().unwrap());
    if dev > 0 {
        assert!(dev < train.len(), "--dev must be below the training size");
        test = train.split_off(train.len() - dev);
    }
    let n_classes = train
        .iter()
        .chain(&test)
        .map(|(_, y)| y + 1)
        .max()
        .unwrap_or(0);
    let names: Vec<String> = (0..n_classes).map(|c| format!("class{c}")).collect();

    let seg = Segmenter::new(Path::new("<none>"), "", "").expect("empty dictionary");
    let t_seg = Instant::now();
    let tokens = |rows: &[(String, usize)]| -> Vec<Vec<String>> {
        rows.par_iter()
            .map(|(t, _)| {
                if !feats.contains('w') {
                    return Vec::new();
                }
                seg.cut(t)
                    .into_iter()
                    .filter(|w| w.chars().any(|c| c.is_alphanumeric()))
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    };
    let train_tok = tokens(&train);
    let test_tok = tokens(&test);
    let seg_secs = t_seg.elapsed().as_secs_f64();
    let chars = feats.contains('c');
    fn input<'a>(
        rows: &'a [(String, usize)],
        toks: &'a [Vec<String>],
        i: usize,
        chars: bool,
    ) -> Input<'a> {
        Input {
            tokens: &toks[i],
            text: if chars { &rows[i].0 } else { "" },
            role: Role::Other,
            rules: &[],
        }
    }
    let train_in: Vec<Input> = (0..train.len())
        .map(|i| input(&train, &train_tok, i, chars))
        .collect();
    let features = FeatureParams {
        min_df,
        word_bigrams,
        char_bigrams: chars,
        rule_weight: 0.0,
    };

    // Fit time covers vocabulary, vectors and models for every solver.
    let t_fit = Instant::now();
    let (vocab, predictor, solver_desc): (Vocabulary, Predictor, String) = match solver {
        Solver::Linfa => {
            let golds: Vec<Vec<usize>> = train.iter().map(|(_, y)| vec![*y]).collect();
            let params = ModelParams {
                features,
                k_features: k,
                alpha,
                max_iterations: iters,
                ..ModelParams::default()
            }
            .check()
            .expect("parameters");
            let clf = model::fit(&train_in, &golds, &names, &params).expect("fit");
            let vocab = clf.vocab.clone();
            (
                vocab,
                Box::new(move |x: &Sparse| clf.probs(x)),
                format!("linfa k {k} alpha {alpha} iters {iters}"),
            )
        }
        Solver::Sparse(loss) => {
            let vocab = Vocabulary::fit(&train_in, features, 0);
            let xs: Vec<Sparse> = train_in.par_iter().map(|i| vocab.transform(i)).collect();
            let labels: Vec<usize> = train.iter().map(|(_, y)| *y).collect();
            let params = LinearParams {
                loss,
                c,
                eps,
                max_iter,
                ..defaults
            };
            let ovr = linear::fit_one_vs_rest(&xs, &labels, n_classes, &params).expect("fit");
            let passes = ovr.classes.iter().map(|m| m.iterations).max().unwrap_or(0);
            let unconverged = ovr.classes.iter().filter(|m| !m.converged).count();
            (
                vocab,
                Box::new(move |x: &Sparse| ovr.decision_values(x)),
                format!(
                    "{} C {c} eps {eps} passes ≤ {passes} unconverged {unconverged}",
                    loss.as_str()
                ),
            )
        }
    };
    let fit_secs = t_fit.elapsed().as_secs_f64();

    let t_pred = Instant::now();
    let pred: Vec<usize> = (0..test.len())
        .into_par_iter()
        .map(|i| {
            let x = vocab.transform(&input(&test, &test_tok, i, chars));
            linear::argmax(&predictor(&x))
        })
        .collect();
    let pred_secs = t_pred.elapsed().as_secs_f64();

    let gold: Vec<usize> = test.iter().map(|(_, y)| *y).collect();
    let correct = pred.iter().zip(&gold).filter(|(p, g)| p == g).count();
    let mut f1s = Vec::new();
    for c in 0..n_classes {
        let tp = pred
            .iter()
            .zip(&gold)
            .filter(|(p, g)| **p == c && **g == c)
            .count() as f64;
        let fp = pred
            .iter()
            .zip(&gold)
            .filter(|(p, g)| **p == c && **g != c)
            .count() as f64;
        let fn_ = pred
            .iter()
            .zip(&gold)
            .filter(|(p, g)| **p != c && **g == c)
            .count() as f64;
        f1s.push(if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + fn_)
        });
    }
    println!(
        "thucnews: train {} {} {} | features {}{} min_df {} | solver {} | vocabulary {} kept | \
accuracy {:.4} macro-F1 {:.4} | segment {:.1} s, fit {:.1} s, predict {:.2} s | peak RSS {:.0} MB | {} threads",
        train.len(),
        if dev > 0 { "dev" } else { "test" },
        test.len(),
        feats,
        if word_bigrams { "+b" } else { "" },
        min_df,
        solver_desc,
        vocab.terms.len(),
        correct as f64 / gold.len() as f64,
        f1s.iter().sum::<f64>() / n_classes as f64,
        seg_secs,
        fit_secs,
        pred_secs,
        vm_hwm_mb(),
        rayon::current_num_threads()
    );
}
