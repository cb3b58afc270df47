//! The project's own feature and model code on a public benchmark: THUCNews titles, ten classes.
//!
//! ```text
//! cargo run --release --example thucnews -- [--data ../shared/data/thucnews] [--k 2000] [--alpha 0.5]
//!     [--iters 150] [--min-df 2] [--features wc] [--word-bigrams]
//! ```
//!
//! Reads `{train,test}.txt` (`title<TAB>label`), segments titles with jieba-rs (default dictionary, no domain
//! words, no stopwords), builds [`shuzhi::classify::features::Vocabulary`] features (`w` word unigrams, `c`
//! character bigrams of Han text, optional word bigrams), trains [`shuzhi::classify::model::fit`] with one
//! theme per class (one-vs-rest logistic regression on chi-square-selected features, exactly the code
//! `shuzhi train` uses) and predicts the argmax of the ten probabilities. Prints accuracy, macro-F1,
//! training time and peak memory (VmHWM of this process).

use rayon::prelude::*;
use shuzhi::classify::features::{FeatureParams, Input};
use shuzhi::classify::model::{self, ModelParams};
use shuzhi::segment::Segmenter;
use shuzhi::structure::Role;
use std::path::Path;
use std::time::Instant;

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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let data = get("--data").unwrap_or_else(|| "../shared/data/thucnews".into());
    let k: usize = get("--k").map_or(2000, |v| v.parse().unwrap());
    let alpha: f64 = get("--alpha").map_or(0.5, |v| v.parse().unwrap());
    let iters: u64 = get("--iters").map_or(150, |v| v.parse().unwrap());
    let min_df: u32 = get("--min-df").map_or(2, |v| v.parse().unwrap());
    let feats = get("--features").unwrap_or_else(|| "wc".into());
    let word_bigrams = args.iter().any(|a| a == "--word-bigrams");

    let dir = Path::new(&data);
    let train = read(&dir.join("train.txt"));
    let test = read(&dir.join("test.txt"));
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
    let golds: Vec<Vec<usize>> = train.iter().map(|(_, y)| vec![*y]).collect();
    let params = ModelParams {
        features: FeatureParams {
            min_df,
            word_bigrams,
            char_bigrams: feats.contains('c'),
            rule_weight: 0.0,
        },
        k_features: k,
        alpha,
        max_iterations: iters,
        ..ModelParams::default()
    }
    .check()
    .expect("parameters");

    let t_fit = Instant::now();
    let clf = model::fit(&train_in, &golds, &names, &params).expect("fit");
    let fit_secs = t_fit.elapsed().as_secs_f64();

    let t_pred = Instant::now();
    let pred: Vec<usize> = (0..test.len())
        .into_par_iter()
        .map(|i| {
            let x = clf.vocab.transform(&input(&test, &test_tok, i, chars));
            let p = clf.probs(&x);
            (0..p.len())
                .max_by(|&a, &b| p[a].total_cmp(&p[b]))
                .unwrap_or(0)
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
        "thucnews: train {} test {} | features {}{} min_df {} k {} alpha {} iters {} | vocabulary {} kept | \
accuracy {:.4} macro-F1 {:.4} | segment {:.1} s, fit {:.1} s, predict {:.2} s | peak RSS {:.0} MB | {} threads",
        train.len(),
        test.len(),
        feats,
        if word_bigrams { "+b" } else { "" },
        min_df,
        k,
        alpha,
        iters,
        clf.vocab.terms.len(),
        correct as f64 / gold.len() as f64,
        f1s.iter().sum::<f64>() / n_classes as f64,
        seg_secs,
        fit_secs,
        pred_secs,
        vm_hwm_mb(),
        rayon::current_num_threads()
    );
}
