//! `shuzhi train`: fit a model on labelled reports and write a model folder with its card.

use super::common::{check_dir, check_threads, check_years, init_threads};
use super::common::{load_examples, spinner, HyperArgs, ResourceArgs};
use anyhow::{bail, Context, Result};
use shuzhi::classify::dataset::Example;
use shuzhi::classify::metrics;
use shuzhi::classify::model::{self, Solver};
use shuzhi::classify::persist::{self, ModelBody, ModelDir, TrainingSummary};
use shuzhi::classify::{card, evaluate};
use shuzhi::corpus::Corpus;
use shuzhi::themes::sha256_hex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

/// Train the theme classifier on labelled reports and write a model folder.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  shuzhi train --holdout 2025                    # rebuilds models/default (and its card) from corpus/\n  shuzhi train --years 2019-2024 --out models/2024\n  shuzhi train --solver dual --out models/dual   # sparse solver: large label sets, seconds not minutes\n  shuzhi train --corpus my_corpus --labels my_corpus/labels.jsonl --out models/mine"
)]
pub struct Args {
    /// The corpus folder.
    #[arg(long, default_value = "corpus")]
    pub corpus: PathBuf,
    /// Labels file; default: labels.jsonl in the corpus folder.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Only reports of these years (2019-2024, 2025, 2020-).
    #[arg(long)]
    pub years: Option<String>,
    /// Model folder to write.
    #[arg(long, default_value = "models/default")]
    pub out: PathBuf,
    /// Seed for fold assignment (same data and seed give a byte-identical model).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also train on the years before YEAR alone, test on YEAR, and put the comparison with the rules
    /// alone in MODEL.md (the model itself is still trained on every year).
    #[arg(long, value_name = "YEAR")]
    pub holdout: Option<i32>,
    /// Also analyse a held-out style gallery (a folder with expected.jsonl) with the new model and put its
    /// per-layout figures in MODEL.md.
    #[arg(long, value_name = "DIR")]
    pub gallery: Option<PathBuf>,
    #[command(flatten)]
    pub hyper: HyperArgs,
    #[command(flatten)]
    pub resources: ResourceArgs,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
}

/// Analyses a style gallery with a freshly trained model and scores it per layout.
fn score_gallery(
    dir: &std::path::Path,
    body: &ModelBody,
    res: &super::common::Resources,
) -> Result<BTreeMap<String, shuzhi::gallery::StyleScore>> {
    let expected = shuzhi::gallery::load(&dir.join("expected.jsonl"))?;
    let engine = shuzhi::classify::Engine {
        taxonomy: shuzhi::themes::Taxonomy::parse(&dir.join("themes.toml"), &res.themes_toml)?,
        segmenter: shuzhi::segment::Segmenter::new(
            &dir.join("userdict.txt"),
            &res.userdict,
            &res.stopwords,
        )?,
        model: Some(body.classifier.clone()),
        roles: body.roles.clone(),
    };
    let corpus = Corpus::load(
        dir,
        &engine.segmenter,
        engine.roles.as_ref(),
        &Default::default(),
    )?;
    if let Some(s) = corpus.skipped.first() {
        bail!("gallery: cannot read {s}");
    }
    let raised = corpus
        .reports
        .iter()
        .map(|p| {
            let (rec, _) = shuzhi::findings::report_findings(p, &engine);
            (rec.id, rec.raised)
        })
        .collect();
    Ok(shuzhi::gallery::score(&expected, &raised))
}

impl Args {
    /// Every argument check of `train`, before anything is read: thread count capped, years and
    /// hyper-parameters valid, the hold-out year inside `--years`, the gallery a folder.
    fn check(mut self) -> Result<Args> {
        self.threads = check_threads(self.threads);
        check_years(self.years.as_deref())?;
        self.hyper.params(self.seed)?;
        if let (Some(h), Some(y)) = (self.holdout, &self.years) {
            let (from, to) = shuzhi::classify::dataset::parse_years(y)?;
            if h < from || h > to {
                bail!("--holdout {h} is outside --years {y}: there would be nothing to test on");
            }
        }
        if let Some(g) = &self.gallery {
            check_dir("--gallery", g)?;
        }
        Ok(self)
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let args = args.check()?;
    init_threads(args.threads)?;
    let params = args.hyper.params(args.seed)?;
    let res = args.resources.load()?;
    let pb = spinner(args.quiet, "reading corpus and labels");
    let (examples, labels_path, _, roles) =
        load_examples(&args.corpus, &args.labels, &args.years, &res)?;
    let names: Vec<String> = res.taxonomy.ids();
    let inputs: Vec<_> = examples.iter().map(Example::input).collect();
    let golds: Vec<Vec<usize>> = examples.iter().map(|e| e.gold.clone()).collect();
    let groups: Vec<String> = examples.iter().map(|e| e.report.clone()).collect();
    let (classifier, oof) = model::train(&inputs, &golds, &groups, &names, &params, |m| {
        pb.set_message(m.to_string())
    })?;
    pb.finish_and_clear();
    // Cross-validated figures for the card, with the final thresholds.
    let oof_pred: Vec<Vec<usize>> = oof.iter().map(|p| classifier.decide(p)).collect();
    let report = metrics::score(&oof_pred, &golds, names.len());
    let cv_metrics: BTreeMap<String, _> = names
        .iter()
        .cloned()
        .zip(report.per_theme.iter().cloned())
        .collect();
    let labels_bytes = shuzhi::regular_file::read(&labels_path)?;
    let training = TrainingSummary {
        labels_hash: sha256_hex(&labels_bytes),
        years: examples
            .iter()
            .filter_map(|e| e.year)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        reports: groups.iter().collect::<BTreeSet<_>>().len(),
        statements: examples.len(),
        positives: names
            .iter()
            .enumerate()
            .map(|(t, n)| (n.clone(), golds.iter().filter(|g| g.contains(&t)).count()))
            .collect(),
    };
    let body = ModelBody {
        format: persist::FORMAT_VERSION,
        shuzhi_version: env!("CARGO_PKG_VERSION").to_string(),
        taxonomy_hash: sha256_hex(res.themes_toml.as_bytes()),
        theme_ids: names.clone(),
        dict_hash: sha256_hex(res.userdict.as_bytes()),
        stopwords_hash: sha256_hex(res.stopwords.as_bytes()),
        training,
        cv_metrics,
        classifier,
        roles: Some(roles.model),
        role_metrics: roles.metrics,
    };
    let mut command = format!(
        "shuzhi train --corpus {} --out {} --seed {}",
        args.corpus.display(),
        args.out.display(),
        args.seed
    );
    if let Some(y) = &args.years {
        command.push_str(&format!(" --years {y}"));
    }
    if params.solver != Solver::Linfa {
        command.push_str(&format!(
            " --solver {} --alpha {}",
            params.solver.as_str(),
            params.alpha
        ));
    }
    let holdout = match args.holdout {
        Some(year) => {
            let pb = spinner(args.quiet, &format!("temporal hold-out {year}"));
            let e = evaluate::temporal(&examples, year, &names, &params, false)
                .with_context(|| format!("--holdout {year}"))?;
            pb.finish_and_clear();
            command.push_str(&format!(" --holdout {year}"));
            Some(e)
        }
        None => None,
    };
    let gallery = match &args.gallery {
        Some(dir) => {
            command.push_str(&format!(" --gallery {}", dir.display()));
            Some(score_gallery(dir, &body, &res)?)
        }
        None => None,
    };
    let card_text = card::render(
        &body,
        &res.taxonomy,
        &command,
        holdout.as_ref(),
        gallery.as_ref(),
    );
    persist::save(
        &args.out,
        &ModelDir {
            body,
            themes_toml: res.themes_toml,
            userdict: res.userdict,
            stopwords: res.stopwords,
            // `save` computes the checksum of what it writes.
            checksum: String::new(),
        },
        &card_text,
    )?;
    errln!(
        "trained on {} labelled statements ({} reports); cross-validated micro-F1 {:.3}, macro-F1 {:.3}; model written to {}",
        examples.len(),
        groups.iter().collect::<BTreeSet<_>>().len(),
        report.micro.f1,
        report.macro_avg.f1,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
