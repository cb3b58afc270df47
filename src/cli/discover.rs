//! `shuzhi discover`: cluster the problem and cause statements the model cannot place, to find themes the
//! taxonomy is missing.

use super::common::{check_threads, init_threads};
use anyhow::Result;
use shuzhi::corpus::Corpus;
use shuzhi::discover::{self, Discovery};
use std::path::PathBuf;
use std::process::ExitCode;

/// Find new problem themes: cluster the problem and cause statements the model cannot place.
#[derive(clap::Args)]
#[command(
    after_help = "A statement is a candidate when no theme reaches its threshold or its best theme \
probability is below --min-score. Candidates are vectorised (TF-IDF over their words), clustered with k-means \
(k chosen by silhouette over 2..=min(8, n/3) unless --k is given) and each cluster is listed with its keywords, \
size, years, units and three example statements. Fewer than 6 candidates (too few to choose k), or candidates \
that share no word, are listed whole as one group, with a note.\n\nExamples:\n  shuzhi discover\n  shuzhi discover corpus/2024 \
corpus/2025 --k 5 --seed 7\n  shuzhi discover --min-score 0.5 --json > clusters.json"
)]
pub struct Args {
    /// Folders or files to look at.
    #[arg(default_value = "corpus")]
    paths: Vec<PathBuf>,
    /// Model folder [default: the built-in model].
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// Number of clusters, at least 1 (default: chosen by silhouette).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    k: Option<u16>,
    /// Seed of the k-means initialisation (same input and seed give the same clusters).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also take statements whose best theme probability is below this.
    #[arg(long, default_value_t = 0.0)]
    min_score: f32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

impl Args {
    /// Every argument check of `discover` that clap does not make (it refuses --k 0): thread count capped,
    /// --min-score a probability.
    fn check(mut self) -> Result<Args> {
        self.threads = check_threads(self.threads);
        if !(0.0..=1.0).contains(&self.min_score) {
            anyhow::bail!(
                "--min-score {}: expected a probability from 0 to 1",
                self.min_score
            );
        }
        Ok(self)
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let args = args.check()?;
    init_threads(args.threads)?;
    let (engine, _) = super::common::load_model(args.model.as_deref())?;
    let Corpus { reports, skipped } = Corpus::load_paths(
        &args.paths,
        &engine.segmenter,
        engine.roles.as_ref(),
        &Default::default(),
    )?;
    for s in &skipped {
        errln!("shuzhi: skipped {s}");
    }
    let d = discover::discover(
        &reports,
        &engine,
        args.min_score,
        args.k.map(usize::from),
        args.seed,
    )?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&d)?);
    } else {
        print_text(&d);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(d: &Discovery) {
    if let Some(note) = &d.note {
        outln!(
            "{} of {} problem and cause statements have no theme.
note: {note}
",
            d.candidates,
            d.statements
        );
    } else {
        outln!(
        "{} of {} problem and cause statements have no theme; {} clusters ({}), mean silhouette {:.3}\n",
        d.candidates,
        d.statements,
        d.k,
        if d.k_chosen { "k chosen by silhouette" } else { "k given" },
            d.silhouette
        );
    }
    for (i, c) in d.clusters.iter().enumerate() {
        let years: Vec<String> = c.years.iter().map(|(y, n)| format!("{y}:{n}")).collect();
        outln!(
            "#{} [{} statements, {} reports] {}",
            i + 1,
            c.size,
            c.reports.len(),
            c.keywords.join(" ")
        );
        outln!("   years  {}", years.join(" "));
        let units: Vec<&str> = c.units.iter().take(8).map(String::as_str).collect();
        let more = c.units.len().saturating_sub(8);
        outln!(
            "   units  {}{}",
            units.join("、"),
            if more > 0 {
                format!(" (+{more})")
            } else {
                String::new()
            }
        );
        for e in &c.examples {
            let t: String = e.text.chars().take(70).collect();
            let ell = if e.text.chars().count() > 70 {
                "…"
            } else {
                ""
            };
            outln!("   - {t}{ell}  ({})", e.report);
        }
        outln!();
    }
}
