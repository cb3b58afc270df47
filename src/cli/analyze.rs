//! `shuzhi analyze`: checks its arguments, runs the library's batch run ([`shuzhi::batch`]) and writes the
//! outputs ([`shuzhi::render`]).

use super::common::options_checksum;
use super::common::{init_threads, load_model, model_record};
use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use shuzhi::batch::{self, Event, Inputs, Settings, Shard};
use shuzhi::ingest::{self, IngestOptions};
use shuzhi::outset::{OutputSet, RunManifest, MANIFEST_FORMAT};
use shuzhi::render::jsonl::JsonlSink;
use shuzhi::render::{self, csv_out, markdown, tables::Tables};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Analyse a corpus: themes per report, frequency tables by year and group, evidence, HTML and XLSX reports.
#[derive(clap::Args)]
#[command(
    after_help = "Inputs: .txt, .md, .docx, .pdf (with a text layer; scans are skipped), .doc and .wps (converted \
by LibreOffice when soffice or libreoffice is on the PATH, or the program named by SHUZHI_SOFFICE; \
SHUZHI_SOFFICE= turns conversion off).\n\nOutputs in --out: reports.jsonl, mentions.jsonl, theme_frequency.csv, theme_trends.csv, \
theme_by_group.csv, persistent_problems.csv, coverage.csv, errors.csv, summary.md, report.xlsx, report.html, \
aggregate.json (for `shuzhi merge`).\n\nExit codes: 0 every input analysed; 3 finished but some inputs skipped \
(see errors.csv); 1 nothing could be done; 2 usage error.\n\nExamples:\n  shuzhi analyze\n  shuzhi analyze reports/2024 reports/2025 --out out/2024-25 --by unit_type,region\n  shuzhi analyze corpus --shard 1/3 --out out/shard1   # then: shuzhi merge out/shard1 out/shard2 out/shard3 --out out/all"
)]
pub struct Args {
    /// Folders or files to analyse.
    #[arg(default_value = "corpus")]
    pub paths: Vec<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Model folder [default: the model built into shuzhi, trained on the shipped corpus; see `shuzhi model`].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bar and no terminal summary.
    #[arg(long)]
    pub quiet: bool,
    /// Grouping for theme_by_group.csv: year, unit, unit_type or any manifest column, comma-separated.
    #[arg(long, default_value = "unit_type", value_delimiter = ',')]
    pub by: Vec<String>,
    /// Write CSV files with a UTF-8 BOM (for Excel and WPS).
    #[arg(long)]
    pub excel: bool,
    /// Skip files larger than this many bytes (and .docx files whose text XML inflates past it).
    #[arg(long, default_value_t = ingest::DEFAULT_MAX_SIZE)]
    pub max_size: u64,
    /// Process only shard K of N (e.g. 2/4): a deterministic part of the corpus, for batch schedulers.
    #[arg(long, value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Also find reports that copy each other or a common template (near_duplicates.csv and a warning in
    /// reports.jsonl). Keeps every report's tokens until the end: memory grows with the corpus.
    #[arg(long)]
    pub near_duplicates: bool,
}

/// The arguments after checking: what the run needs, and nothing left to validate.
struct Checked {
    batch: Settings,
    out: PathBuf,
    model: Option<PathBuf>,
    threads: usize,
    quiet: bool,
    excel: bool,
}

impl Args {
    /// Raw arguments → checked settings; every argument check of `analyze` is here.
    fn check(self) -> Result<Checked> {
        let mut by = Vec::with_capacity(self.by.len());
        for d in &self.by {
            if d.trim().is_empty() {
                bail!("--by: empty dimension name");
            }
            by.push(d.trim().to_string());
        }
        Ok(Checked {
            batch: Settings {
                paths: self.paths,
                by,
                ingest: IngestOptions {
                    max_size: self.max_size,
                },
                shard: self.shard,
                near_duplicates: self.near_duplicates,
                // The output folder is never read, even when it lies inside an input folder.
                exclude: self.out.canonicalize().into_iter().collect(),
                scratch: None,
            },
            out: self.out,
            model: self.model,
            threads: super::common::check_threads(self.threads),
            quiet: self.quiet,
            excel: self.excel,
        })
    }
}

fn progress(quiet: bool, n: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} reports  {msg}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

pub fn run(args: Args) -> Result<ExitCode> {
    let args = args.check()?;
    init_threads(args.threads)?;
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // First Ctrl-C or SIGTERM: stop at the next report and remove this run's files. A second one:
        // leave at once (the next run removes what is left).
        let _ = ctrlc::set_handler(move || {
            if flag.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }
    // Loading the model and walking the folders do not depend on each other.
    let (engine, inputs) = rayon::join(
        || load_model(args.model.as_deref()),
        || {
            let found = Inputs::gather(&args.batch);
            shuzhi::normalize::warm_up();
            found
        },
    );
    let (engine, model) = engine?;
    let inputs = inputs?;
    if inputs.sources.is_empty() && args.batch.shard.is_none() {
        for s in &inputs.skipped {
            errln!("shuzhi: skipped {s}");
        }
        let paths: Vec<String> = args
            .batch
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        bail!(
            "no report files (.txt, .md, .docx, .pdf, .doc, .wps) to read in {}; outputs in {} are unchanged",
            paths.join(", "),
            args.out.display()
        );
    }
    let set = OutputSet::begin(&args.out)?;
    let corpus = inputs.corpus.clone();
    let pb = progress(args.quiet, inputs.sources.len() as u64);
    let started = std::time::Instant::now();
    let mut bytes_done: u64 = 0;
    let mut observe = |e: Event| match e {
        Event::Skipped(s) => errln!("shuzhi: skipped {s}"),
        Event::Done { reports, bytes } => {
            bytes_done += bytes;
            pb.inc(reports);
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            pb.set_message(format!("{:.1} MB/s", bytes_done as f64 / 1e6 / secs));
        }
    };
    let mut sink = JsonlSink::create(set.dir())?;
    // Held records wait in the staging folder: a run needs no writable place but its output's.
    let settings = batch::Settings {
        scratch: Some(set.dir().to_path_buf()),
        ..args.batch.clone()
    };
    let outcome = match batch::run(
        inputs,
        &settings,
        &engine,
        &mut sink,
        &interrupted,
        &mut observe,
    ) {
        Err(shuzhi::error::Error::Interrupted) => {
            pb.abandon();
            drop(sink);
            drop(set);
            errln!(
                "shuzhi: interrupted; previous outputs in {} are unchanged",
                args.out.display()
            );
            return Ok(ExitCode::from(130));
        }
        r => r?,
    };
    pb.finish_and_clear();
    let reports = outcome.aggregate.reports();
    if reports == 0 && args.batch.shard.is_none() {
        bail!(
            "no report could be read ({} skipped, see above); outputs in {} are unchanged",
            outcome.skipped.len(),
            args.out.display()
        );
    }
    let dir = set.dir().to_path_buf();
    if args.batch.near_duplicates {
        csv_out::write_near_duplicates(&dir, outcome.near_duplicates.pairs(), args.excel)?;
    }
    sink.commit()?;
    let errors: Vec<_> = outcome.skipped.iter().map(csv_out::error_row).collect();
    csv_out::write_errors(&dir, &errors, args.excel)?;
    let tables = Tables::build(&outcome.aggregate, &engine.taxonomy, errors.len() as u64);
    render::write_tables(&dir, &outcome.aggregate, &tables, args.excel)?;
    if interrupted.load(Ordering::SeqCst) {
        drop(set);
        errln!(
            "shuzhi: interrupted; previous outputs in {} are unchanged",
            args.out.display()
        );
        return Ok(ExitCode::from(130));
    }
    let options = run_options(&args);
    set.commit(RunManifest {
        format: MANIFEST_FORMAT,
        run: String::new(),
        tool: format!("shuzhi {}", env!("CARGO_PKG_VERSION")),
        command: "analyze".into(),
        inputs: args
            .batch
            .paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        corpus,
        reports,
        skipped: errors.len() as u64,
        options_checksum: options_checksum(&options),
        options,
        model: model_record(args.model.as_deref()),
        model_checksum: model.checksum,
        shards: args.batch.shard.into_iter().collect(),
        files: Default::default(),
    })?;
    if !args.quiet {
        err!("{}", markdown::terminal(&tables));
        errln!("outputs written to {}", args.out.display());
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_SKIPPED)
    })
}

/// The options that change what a run finds (not how fast or how it is written), for the run manifest.
fn run_options(args: &Checked) -> BTreeMap<String, serde_json::Value> {
    let mut o = BTreeMap::new();
    o.insert("by".into(), serde_json::json!(args.batch.by));
    o.insert(
        "max_size".into(),
        serde_json::json!(args.batch.ingest.max_size),
    );
    o.insert(
        "near_duplicates".into(),
        serde_json::json!(args.batch.near_duplicates),
    );
    o
}
