//! `MODEL.md`: the human-readable model card written beside every model.

use super::evaluate::{Evaluation, Scores};
use super::model::Solver;
use super::persist::ModelBody;
use crate::themes::Taxonomy;
use std::fmt::Write;

/// Renders the model card, with a temporal hold-out section when one was run. Deterministic: the same
/// model (and hold-out) gives the same card.
pub fn render(
    body: &ModelBody,
    taxonomy: &Taxonomy,
    command: &str,
    holdout: Option<&Evaluation>,
    gallery: Option<&std::collections::BTreeMap<String, crate::gallery::StyleScore>>,
) -> String {
    let mut s = String::new();
    let t = &body.training;
    let p = &body.classifier.params;
    let _ = writeln!(s, "# shuzhi model card\n");
    let _ = writeln!(s, "Rebuild with: `{command}`\n");
    let _ = writeln!(s, "## Model\n");
    let solver = match p.solver {
        Solver::Linfa => format!(
            "linfa-logistic; each theme keeps its {} best text features by chi-square",
            p.k_features
        ),
        Solver::Dual => format!(
            "sparse dual coordinate descent over the whole vocabulary, C = 1/alpha = {}",
            1.0 / p.alpha
        ),
    };
    let _ = writeln!(
        s,
        "One-vs-rest logistic regression ({solver}), one binary model per theme, over TF-IDF features \
(sublinear tf, L2-normalised): jieba word unigrams and bigrams with the domain dictionary, character bigrams, \
the statement's role, and one indicator per theme whose rules (models/themes.toml) fire. A statement carries \
a theme when the model's probability reaches the theme's threshold, chosen by {}-fold cross-validation \
grouped by report on the training data.\n",
        p.cv_folds
    );
    let _ = writeln!(
        s,
        "| setting | value |\n| --- | --- |\n| format | {} |\n| alpha (L2) | {} |\n| max iterations | {} |\n| min_df | {} |\n| word bigrams | {} |\n| char bigrams | {} |\n| rule feature weight | {} |\n| seed | {} |\n| vocabulary kept | {} text features |\n| taxonomy sha256 | `{}` |\n| dictionary sha256 | `{}` |\n",
        body.format,
        p.alpha,
        p.max_iterations,
        p.features.min_df,
        p.features.word_bigrams,
        p.features.char_bigrams,
        p.features.rule_weight,
        p.seed,
        body.classifier.vocab.terms.len(),
        body.taxonomy_hash,
        body.dict_hash,
    );
    let _ = writeln!(s, "## Training data\n");
    let years: Vec<String> = t.years.iter().map(|y| y.to_string()).collect();
    let _ = writeln!(
        s,
        "{} labelled statements from {} reports, years {}. Labels sha256 `{}`.\n",
        t.statements,
        t.reports,
        if years.is_empty() {
            "-".to_string()
        } else {
            years.join(", ")
        },
        t.labels_hash
    );
    let _ = writeln!(
        s,
        "## Per theme (cross-validated on the training data, all labelled statements)\n"
    );
    let _ = writeln!(
        s,
        "| theme | 名称 | positives | threshold | precision | recall | F1 |"
    );
    let _ = writeln!(s, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for (i, th) in taxonomy.themes.iter().enumerate() {
        let m = body.cv_metrics.get(&th.id).cloned().unwrap_or_default();
        let tm = &body.classifier.themes[i];
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            th.id, th.name, tm.positives, tm.threshold, m.precision, m.recall, m.f1
        );
    }
    let _ = writeln!(s, "\n## Strongest features per theme\n");
    for (i, th) in taxonomy.themes.iter().enumerate() {
        let mut w: Vec<(f32, String)> = body.classifier.themes[i]
            .weights
            .iter()
            .filter(|(_, w)| *w > 0.0)
            .map(|&(id, w)| (w, body.classifier.vocab.name(id)))
            .collect();
        w.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let top: Vec<String> = w
            .iter()
            .take(10)
            .map(|(_, n)| {
                match n
                    .strip_prefix("rule:")
                    .and_then(|k| k.parse::<usize>().ok())
                {
                    Some(k) => format!(
                        "rule[{}]",
                        taxonomy.themes.get(k).map_or("?", |t| t.id.as_str())
                    ),
                    None => n.clone(),
                }
            })
            .collect();
        let _ = writeln!(s, "- **{}**: {}", th.id, top.join(", "));
    }
    if let Some(e) = holdout {
        holdout_section(&mut s, e);
    }
    if !body.role_metrics.is_empty() {
        let _ = writeln!(
            s,
            "\n## Statement roles\n\nThe statement-role model decides the role of statements that no heading or turn phrase places (continuation pages, problems without a heading, areas of 对照检查材料). Figures: 5-fold cross-validation grouped by report, statement by statement (before the Viterbi pass), on statements whose role a heading, a turn phrase or a label fixed.\n\n| role | precision | recall | F1 | support |\n| --- | ---: | ---: | ---: | ---: |"
        );
        for (r, p) in &body.role_metrics {
            let _ = writeln!(
                s,
                "| {r} | {:.3} | {:.3} | {:.3} | {} |",
                p.precision, p.recall, p.f1, p.support
            );
        }
    }
    if let Some(g) = gallery {
        let _ = writeln!(
            s,
            "\n## Held-out style gallery\n\nDocuments written by other writers in the layouts real files arrive in (`tests/gallery`), never used for rules, dictionaries or thresholds. Report-level macro-F1 over the themes raised, and documents that raise problems where nothing was found.\n\n| layout | documents | reports macro-F1 | nothing found |\n| --- | ---: | ---: | ---: |"
        );
        for (k, v) in g {
            let _ = writeln!(
                s,
                "| {k} | {} | {:.3} | {} |",
                v.documents, v.macro_f1, v.nothing_found
            );
        }
    }
    let _ = writeln!(
        s,
        "\n## Known limits\n\n\
- Trained on the shipped corpus, which was written for this project: realistic, but not real reports. \
Retrain on your own labelled reports (`shuzhi label export`/`import`, then `shuzhi train`).\n\
- A statement is an enumerated item or a paragraph; a long unenumerated paragraph that raises several \
problems is one statement with several themes, and its evidence sentence is the one that scores highest.\n\
- Problems outside the taxonomy get no theme; `shuzhi discover` groups them as candidates for new themes.\n\
- Thresholds were tuned by cross-validation on the training years only."
    );
    s
}

/// The hold-out comparison: the shipped combination against the model without rule features and the rules
/// alone, on statements and on reports.
fn holdout_section(s: &mut String, e: &Evaluation) {
    let _ = writeln!(
        s,
        "\n## Temporal hold-out\n\nSetup: {} ({} test statements); thresholds chosen on the training years only. \
Macro- and micro-F1 over themes, on problem and cause statements and on reports (the themes each report raises). \
The rules of themes.toml are not learnt: if they were written with the test year's reports in view (the \
shipped ones were), the rows that use them look better here than they would on new reports.\n",
        e.setup, e.test_statements
    );
    let _ = writeln!(
        s,
        "| system | statements macro-F1 | statements micro-F1 | reports macro-F1 | reports micro-F1 |\n| --- | ---: | ---: | ---: | ---: |"
    );
    let row = |s: &mut String, what: &str, x: &Scores| {
        let _ = writeln!(
            s,
            "| {what} | {:.3} | {:.3} | {:.3} | {:.3} |",
            x.statements.macro_avg.f1,
            x.statements.micro.f1,
            x.reports.macro_avg.f1,
            x.reports.micro.f1
        );
    };
    row(
        s,
        "model + rule features (this model's recipe)",
        &e.combined,
    );
    row(s, "model without rule features", &e.model_only);
    row(s, "rules of themes.toml alone", &e.rules_only);
    if let Some(nb) = &e.naive_bayes {
        row(s, "linfa-bayes MultinomialNb", nb);
    }
}
