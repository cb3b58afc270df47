//! `shuzhi evaluate`: how well the classifier does, measured honestly.

use super::common::{check_threads, check_years, init_threads, spinner, QuietStderr, ResourceArgs};
use super::common::{load_examples, HyperArgs};
use anyhow::Result;
use serde::Serialize;
use shuzhi::classify::evaluate::{self, Evaluation, Scores};
use shuzhi::classify::metrics::Report;
use shuzhi::classify::Engine;
use std::path::PathBuf;
use std::process::ExitCode;

/// Measure the classifier: grouped cross-validation, temporal hold-out, or a fixed model.
#[derive(clap::Args)]
#[command(
    after_help = "Modes:\n  (default)        grouped k-fold cross-validation (--cv, default 5) and a temporal hold-out on the last year\n  --temporal YEAR  train on the years before YEAR, test on YEAR\n  --model DIR      score an already trained model on the labels (no training)\n\nExamples:\n  shuzhi evaluate\n  shuzhi evaluate --temporal 2025 --json\n  shuzhi evaluate --temporal 2025 --naive-bayes   # also the linfa-bayes baseline\n  shuzhi evaluate --model models/default --years 2025"
)]
pub struct Args {
    /// The corpus folder.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Labels file; default: labels.jsonl in the corpus folder.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Only labelled statements of these years.
    #[arg(long)]
    years: Option<String>,
    /// Folds of the grouped cross-validation (at least 2).
    #[arg(long, value_parser = clap::value_parser!(u16).range(2..))]
    cv: Option<u16>,
    /// Temporal hold-out: train before this year, test on it.
    #[arg(long)]
    temporal: Option<i32>,
    /// Score this trained model instead of training (no --cv, --temporal or --naive-bayes then).
    #[arg(long, conflicts_with_all = ["cv", "temporal", "naive_bayes"])]
    model: Option<PathBuf>,
    /// Seed for folds.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[command(flatten)]
    hyper: HyperArgs,
    #[command(flatten)]
    resources: ResourceArgs,
    /// Also score linfa-bayes MultinomialNb on the same folds and features (a baseline; slower).
    #[arg(long)]
    naive_bayes: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// No progress display.
    #[arg(long)]
    quiet: bool,
}

#[derive(Serialize)]
struct FixedOut {
    setup: String,
    scores: Scores,
}

impl Args {
    /// Every argument check of `evaluate` that clap does not make (it refuses --cv below 2 and --model
    /// with a training mode): thread count capped, years and hyper-parameters valid, before anything is read.
    fn check(mut self) -> Result<Args> {
        self.threads = check_threads(self.threads);
        check_years(self.years.as_deref())?;
        if self.model.is_none() {
            self.hyper.params(self.seed)?;
        }
        Ok(self)
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let args = args.check()?;
    init_threads(args.threads)?;
    let res = args.resources.load()?;
    let names: Vec<String> = res.taxonomy.ids();
    let pb = spinner(args.quiet, "reading corpus and labels");
    let (examples, _, _, roles) = load_examples(&args.corpus, &args.labels, &args.years, &res)?;
    if let Some(dir) = &args.model {
        let (engine, _) = Engine::from_model_dir(dir)?;
        let model = engine.model.as_ref().expect("loaded model");
        let ids: Vec<String> = engine.taxonomy.ids();
        anyhow::ensure!(
            ids == names,
            "the model's taxonomy differs from {}",
            args.resources.themes.display()
        );
        let out = FixedOut {
            setup: format!(
                "model {} on {} labelled statements",
                dir.display(),
                examples.len()
            ),
            scores: evaluate::fixed(model, &examples, names.len()),
        };
        pb.finish_and_clear();
        if args.json {
            outln!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            outln!("{}\n", out.setup);
            print_scores(&names, "model", &out.scores);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let params = args.hyper.params(args.seed)?;
    let mut evals: Vec<Evaluation> = Vec::new();
    let last_year = examples.iter().filter_map(|e| e.year).max();
    let (do_cv, do_temporal) = match (args.cv, args.temporal) {
        (None, None) => (Some(5), last_year),
        (cv, t) => (cv.map(usize::from), t),
    };
    if let Some(k) = do_cv {
        pb.set_message(format!("{k}-fold cross-validation"));
        let _quiet = args.naive_bayes.then(QuietStderr::new);
        evals.push(evaluate::cross_validate(
            &examples,
            k,
            &names,
            &params,
            args.naive_bayes,
        )?);
    }
    if let Some(y) = do_temporal {
        pb.set_message(format!("temporal hold-out {y}"));
        let _quiet = args.naive_bayes.then(QuietStderr::new);
        evals.push(evaluate::temporal(
            &examples,
            y,
            &names,
            &params,
            args.naive_bayes,
        )?);
    }
    pb.finish_and_clear();
    if args.json {
        let out = serde_json::json!({ "evaluations": evals, "roles": roles.metrics });
        outln!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        outln!("== statement roles (5-fold cross-validation grouped by report, statement by statement)\n");
        outln!(
            "{:<10} {:>9} {:>7} {:>6} {:>8}",
            "role",
            "precision",
            "recall",
            "F1",
            "support"
        );
        for (r, p) in &roles.metrics {
            outln!(
                "{r:<10} {:>9.3} {:>7.3} {:>6.3} {:>8}",
                p.precision,
                p.recall,
                p.f1,
                p.support
            );
        }
        outln!();
        for e in &evals {
            outln!("== {} ({} test statements)\n", e.setup, e.test_statements);
            print_scores(&names, "combined (model + rule features)", &e.combined);
            summary_line("model without rule features", &e.model_only);
            summary_line("rules of themes.toml alone", &e.rules_only);
            if let Some(nb) = &e.naive_bayes {
                summary_line("linfa-bayes MultinomialNb", nb);
            }
            outln!();
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn summary_line(what: &str, s: &Scores) {
    outln!(
        "{what:<34} statements micro-F1 {:.3} macro-F1 {:.3} | reports micro-F1 {:.3} macro-F1 {:.3}",
        s.statements.micro.f1, s.statements.macro_avg.f1, s.reports.micro.f1, s.reports.macro_avg.f1
    );
}

fn print_table(names: &[String], title: &str, r: &Report) {
    outln!("{title} ({} items)", r.items);
    outln!(
        "  {:<28} {:>9} {:>7} {:>7} {:>8}",
        "theme",
        "precision",
        "recall",
        "F1",
        "support"
    );
    for (n, p) in names.iter().zip(&r.per_theme) {
        outln!(
            "  {n:<28} {:>9.3} {:>7.3} {:>7.3} {:>8}",
            p.precision,
            p.recall,
            p.f1,
            p.support
        );
    }
    for (label, p) in [("micro", &r.micro), ("macro", &r.macro_avg)] {
        outln!(
            "  {label:<28} {:>9.3} {:>7.3} {:>7.3} {:>8}",
            p.precision,
            p.recall,
            p.f1,
            p.support
        );
    }
    outln!();
}

fn print_scores(names: &[String], what: &str, s: &Scores) {
    print_table(
        names,
        &format!("{what}: problem and cause statements"),
        &s.statements,
    );
    print_table(
        names,
        &format!("{what}: reports (themes raised)"),
        &s.reports,
    );
    summary_line(what, s);
    outln!(
        "{:<34} measure statements micro-F1 {:.3} macro-F1 {:.3}",
        "",
        s.measures.micro.f1,
        s.measures.macro_avg.f1
    );
}
