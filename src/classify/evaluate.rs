//! Honest measurement: grouped k-fold cross-validation (a report is never split between train and test),
//! temporal hold-out (train on earlier years, test on a later one), and fixed-model evaluation; each at
//! statement level (problem and cause statements) and at report level (themes raised per report), beside
//! the rules of the taxonomy alone and the model without rule features.

use super::dataset::Example;
use super::metrics::{score, Report};
use super::model::{self, Classifier, ModelParams};
use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;

/// Predicted theme sets of examples.
pub type Predictions = Vec<Vec<usize>>;

/// Applies a fitted classifier with its thresholds.
pub fn predict(model: &Classifier, examples: &[Example]) -> Predictions {
    use rayon::prelude::*;
    examples
        .par_iter()
        .map(|e| model.decide(&model.probs(&model.vocab.transform(&e.input()))))
        .collect()
}

/// The rules of the taxonomy alone (they speak only for problem and cause statements).
pub fn predict_rules(examples: &[Example]) -> Predictions {
    examples
        .iter()
        .map(|e| {
            if e.role.raises() {
                e.rules.clone()
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// Statement-level and report-level scores of one set of predictions.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    /// Problem and cause statements.
    pub statements: Report,
    /// Reports: the union of themes over their problem and cause statements.
    pub reports: Report,
    /// Measure statements.
    pub measures: Report,
}

/// Scores predictions against the examples' gold themes.
pub fn scores(examples: &[Example], pred: &[Vec<usize>], n_themes: usize) -> Scores {
    let (mut sp, mut sg, mut mp, mut mg) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut by_report: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (e, p) in examples.iter().zip(pred) {
        if e.role.raises() {
            sp.push(p.clone());
            sg.push(e.gold.clone());
            let r = by_report.entry(e.report.as_str()).or_default();
            r.0.extend(p);
            r.1.extend(&e.gold);
        } else {
            mp.push(p.clone());
            mg.push(e.gold.clone());
        }
    }
    let (rp, rg): (Vec<Vec<usize>>, Vec<Vec<usize>>) = by_report.into_values().unzip();
    Scores {
        statements: score(&sp, &sg, n_themes),
        reports: score(&rp, &rg, n_themes),
        measures: score(&mp, &mg, n_themes),
    }
}

/// One evaluation: the combined system, the model without rule features, and the rules alone.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// What was done (`5-fold grouped CV`, `train 2019-2024, test 2025`, …).
    pub setup: String,
    /// Statements tested.
    pub test_statements: usize,
    /// Model with rule features (what shuzhi ships).
    pub combined: Scores,
    /// Model without rule features.
    pub model_only: Scores,
    /// Rules alone.
    pub rules_only: Scores,
    /// linfa-bayes MultinomialNb on the same features, when asked for.
    pub naive_bayes: Option<Scores>,
}

fn split_fit_predict(
    train: &[Example],
    test: &[Example],
    names: &[String],
    params: &ModelParams,
) -> Result<Predictions> {
    let inputs: Vec<_> = train.iter().map(Example::input).collect();
    let golds: Vec<Vec<usize>> = train.iter().map(|e| e.gold.clone()).collect();
    let groups: Vec<String> = train.iter().map(|e| e.report.clone()).collect();
    let (m, _) = model::train(&inputs, &golds, &groups, names, params, |_| {})?;
    Ok(predict(&m, test))
}

fn evaluate_with(
    setup: String,
    folds: Vec<(Vec<Example>, Vec<Example>)>,
    names: &[String],
    params: &ModelParams,
    with_nb: bool,
) -> Result<Evaluation> {
    let mut tested = Vec::new();
    let (mut comb, mut mono, mut nb) = (Vec::new(), Vec::new(), Vec::new());
    let no_rules = ModelParams {
        features: super::features::FeatureParams {
            rule_weight: 0.0,
            ..params.features
        },
        ..*params
    };
    for (train, test) in folds {
        comb.extend(split_fit_predict(&train, &test, names, params)?);
        mono.extend(split_fit_predict(&train, &test, names, &no_rules)?);
        if with_nb {
            let inputs: Vec<_> = train.iter().map(Example::input).collect();
            let golds: Vec<Vec<usize>> = train.iter().map(|e| e.gold.clone()).collect();
            let tests: Vec<_> = test.iter().map(Example::input).collect();
            nb.extend(model::naive_bayes_predict(
                &inputs, &golds, &tests, names, params,
            )?);
        }
        tested.extend(test);
    }
    let n = names.len();
    Ok(Evaluation {
        setup,
        test_statements: tested.len(),
        combined: scores(&tested, &comb, n),
        model_only: scores(&tested, &mono, n),
        rules_only: scores(&tested, &predict_rules(&tested), n),
        naive_bayes: with_nb.then(|| scores(&tested, &nb, n)),
    })
}

/// Grouped k-fold cross-validation; thresholds are chosen inside each training fold (nested). With `with_nb`,
/// linfa-bayes MultinomialNb is scored on the same folds.
///
/// # Errors
/// Too few reports for `k` folds, or a fit failure.
pub fn cross_validate(
    examples: &[Example],
    k: usize,
    names: &[String],
    params: &ModelParams,
    with_nb: bool,
) -> Result<Evaluation> {
    let groups: Vec<String> = examples.iter().map(|e| e.report.clone()).collect();
    let fold_of = model::assign_folds(&groups, k, params.seed);
    if fold_of.len() < k {
        return Err(Error::Invalid(format!(
            "{} labelled reports cannot make {k} folds",
            fold_of.len()
        )));
    }
    let folds = (0..k)
        .map(|f| {
            examples
                .iter()
                .cloned()
                .partition::<Vec<_>, _>(|e| fold_of[&e.report] != f)
        })
        .collect();
    evaluate_with(
        format!("{k}-fold cross-validation grouped by report"),
        folds,
        names,
        params,
        with_nb,
    )
}

/// Temporal hold-out: train on years before `year`, test on `year` (`with_nb` as in [`cross_validate`]).
///
/// # Errors
/// No labelled statements on one side, or a fit failure.
pub fn temporal(
    examples: &[Example],
    year: i32,
    names: &[String],
    params: &ModelParams,
    with_nb: bool,
) -> Result<Evaluation> {
    let train: Vec<Example> = examples
        .iter()
        .filter(|e| e.year.is_some_and(|y| y < year))
        .cloned()
        .collect();
    let test: Vec<Example> = examples
        .iter()
        .filter(|e| e.year == Some(year))
        .cloned()
        .collect();
    if train.is_empty() || test.is_empty() {
        return Err(Error::Invalid(format!(
            "temporal evaluation needs labelled statements before {year} and in {year} ({} and {} found)",
            train.len(),
            test.len()
        )));
    }
    let first = train.iter().filter_map(|e| e.year).min().unwrap_or(year);
    evaluate_with(
        format!("temporal hold-out: train {first}-{}, test {year}", year - 1),
        vec![(train, test)],
        names,
        params,
        with_nb,
    )
}

/// Scores a fixed, already trained model.
pub fn fixed(model: &Classifier, examples: &[Example], n_themes: usize) -> Scores {
    scores(examples, &predict(model, examples), n_themes)
}
