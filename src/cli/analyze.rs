//! `shuzhi analyze`: the batch run. Reports flow through ingest → structure → segment → classify in
//! parallel, in chunks, so memory stays flat; results are written in id order as they come and counted into
//! an additive aggregate; every output file is replaced atomically at the end.

use super::common::init_threads;
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use shuzhi::aggregate::{Aggregate, Mention, ReportRecord};
use shuzhi::analysis::analyze_report;
use shuzhi::classify::Engine;
use shuzhi::corpus;
use shuzhi::error::SkipReason;
use shuzhi::ingest::{self, IngestOptions, Source};
use shuzhi::pipeline::Tokens;
use shuzhi::render::atomic::{clean_litter, write_atomic, AtomicFile};
use shuzhi::render::{csv_out, html, markdown, tables::Tables, xlsx};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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
    /// Model folder.
    #[arg(long, default_value = "models/default")]
    pub model: PathBuf,
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
    /// Skip files larger than this many bytes.
    #[arg(long, default_value_t = ingest::DEFAULT_MAX_SIZE)]
    pub max_size: u64,
    /// Process only shard K of N (e.g. 2/4): a deterministic part of the corpus, for batch schedulers.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// Also find reports that copy each other or a common template (near_duplicates.csv and a warning in
    /// reports.jsonl). Keeps every report's tokens until the end: memory grows with the corpus.
    #[arg(long)]
    pub near_duplicates: bool,
}

fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N, e.g. 1/4")?;
    let k: u32 = k.trim().parse().map_err(|_| "K must be a number")?;
    let n: u32 = n.trim().parse().map_err(|_| "N must be a number")?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: need 1 ≤ K ≤ N"));
    }
    Ok((k, n))
}

/// FNV-1a of a report id: which shard it belongs to does not depend on the other files.
fn shard_of(id: &str, n: u32) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    (h % n as u64) as u32 + 1
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

type Outcome = Result<(ReportRecord, Vec<Mention>, Vec<String>), SkipReason>;
/// One chunk of sources with the outcome of each (and its size in bytes).
type Processed<'a> = (&'a [Source], Vec<(u64, Outcome)>);

pub fn run(args: Args) -> Result<ExitCode> {
    init_threads(args.threads)?;
    for d in &args.by {
        if d.trim().is_empty() {
            bail!("--by: empty dimension name");
        }
    }
    // Loading the model and walking the folders do not depend on each other.
    let (engine, (mut sources, walk_skips)) = rayon::join(
        || Engine::from_model_dir(&args.model),
        || {
            let found = corpus::gather(&args.paths);
            shuzhi::normalize::warm_up();
            found
        },
    );
    let (engine, _) =
        engine.with_context(|| format!("loading the model from {}", args.model.display()))?;
    if sources.is_empty() && walk_skips.is_empty() {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        bail!(
            "no report files (.txt, .md, .docx, .pdf, .doc, .wps) found in {}",
            paths.join(", ")
        );
    }
    if let Some((k, n)) = args.shard {
        sources.retain(|s| shard_of(&s.id, n) == k);
    }
    let manifests = corpus::manifests(&sources)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    clean_litter(&args.out);

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // A second Ctrl-C or a failure to install is not fatal: outputs stay atomic either way.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }

    let mut reports_out = AtomicFile::create(&args.out.join("reports.jsonl"))?;
    let mut mentions_out = AtomicFile::create(&args.out.join("mentions.jsonl"))?;
    let theme_ids: Vec<String> = engine.taxonomy.ids();
    let mut agg = Aggregate::new(
        theme_ids,
        args.by.iter().map(|s| s.trim().to_string()).collect(),
    );
    let mut errors: Vec<(String, String, String)> = Vec::new();
    let report_skip = |path: &Path, reason: &SkipReason, errors: &mut Vec<_>| {
        eprintln!("shuzhi: skipped {}: {reason}", path.display());
        errors.push((
            path.to_string_lossy().into_owned(),
            reason.kind().to_string(),
            reason.to_string(),
        ));
    };
    for s in &walk_skips {
        report_skip(&s.path, &s.reason, &mut errors);
    }
    let opts = IngestOptions {
        max_size: args.max_size,
    };
    let pb = progress(args.quiet, sources.len() as u64);
    let started = std::time::Instant::now();
    let mut bytes_done: u64 = 0;
    let chunk = 64 * rayon::current_num_threads().max(1);
    let near_dups = args.near_duplicates;
    let mut nd_index = shuzhi::neardup::Index::new();
    let mut held: Vec<ReportRecord> = Vec::new();
    // Near-duplicates compare whole reports; otherwise only classified statements need tokens.
    let which = if near_dups {
        Tokens::All
    } else {
        Tokens::Classified
    };
    let process = |part: &[Source]| -> Vec<(u64, Outcome)> {
        part.par_iter()
            .map(|s| {
                let size = std::fs::metadata(&s.path).map(|m| m.len()).unwrap_or(0);
                let r = corpus::parse(
                    s,
                    &manifests,
                    &engine.segmenter,
                    engine.roles.as_ref(),
                    &opts,
                    which,
                )
                .map(|p| {
                    let (rec, mentions) = analyze_report(&p, &engine);
                    let tokens = if near_dups {
                        p.tokens.concat()
                    } else {
                        Vec::new()
                    };
                    (rec, mentions, tokens)
                });
                (size, r)
            })
            .collect()
    };
    // Writes one processed chunk, in input order: the only serial step, so it runs while the workers
    // process the next chunk.
    let mut write = |part: &[Source], results: Vec<(u64, Outcome)>| -> Result<()> {
        for (s, (size, r)) in part.iter().zip(results) {
            bytes_done += size;
            match r {
                Ok((rec, mentions, tokens)) => {
                    if near_dups {
                        nd_index.add(rec.id.clone(), tokens);
                        held.push(rec.clone());
                    } else {
                        serde_json::to_writer(&mut reports_out, &rec)?;
                        reports_out.write_all(b"\n")?;
                    }
                    for m in &mentions {
                        serde_json::to_writer(&mut mentions_out, m)?;
                        mentions_out.write_all(b"\n")?;
                    }
                    agg.add(&rec, &mentions);
                }
                Err(reason) => report_skip(&s.path, &reason, &mut errors),
            }
        }
        pb.inc(part.len() as u64);
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        pb.set_message(format!("{:.1} MB/s", bytes_done as f64 / 1e6 / secs));
        Ok(())
    };
    let mut pending: Option<Processed> = None;
    for part in sources.chunks(chunk) {
        if interrupted.load(Ordering::SeqCst) {
            pb.abandon();
            eprintln!(
                "shuzhi: interrupted; previous outputs in {} are unchanged",
                args.out.display()
            );
            return Ok(ExitCode::from(130));
        }
        let (results, written) = rayon::join(
            || process(part),
            || match pending.take() {
                Some((p, r)) => write(p, r),
                None => Ok(()),
            },
        );
        written?;
        pending = Some((part, results));
    }
    if let Some((p, r)) = pending.take() {
        write(p, r)?;
    }
    pb.finish_and_clear();
    if near_dups {
        let pairs = nd_index.pairs(shuzhi::neardup::DEFAULT_THRESHOLD);
        let mut note: HashMap<&str, Vec<String>> = HashMap::new();
        for p in &pairs {
            let pct = (p.similarity * 100.0).round();
            note.entry(p.a.as_str())
                .or_default()
                .push(format!("near-duplicate of {} ({pct}% shared 3-grams)", p.b));
            note.entry(p.b.as_str())
                .or_default()
                .push(format!("near-duplicate of {} ({pct}% shared 3-grams)", p.a));
        }
        for mut rec in held.drain(..) {
            if let Some(w) = note.get(rec.id.as_str()) {
                rec.warnings.extend(w.iter().cloned());
            }
            serde_json::to_writer(&mut reports_out, &rec)?;
            reports_out.write_all(b"\n")?;
        }
        let rows: Vec<Vec<String>> = pairs
            .iter()
            .map(|p| {
                vec![
                    p.a.clone(),
                    p.b.clone(),
                    format!("{:.4}", p.similarity),
                    p.shared.join(" | "),
                ]
            })
            .collect();
        csv_out::write_rows(
            &args.out.join("near_duplicates.csv"),
            args.excel,
            &["report_a", "report_b", "similarity", "shared_passages"],
            rows,
        )?;
    }
    reports_out.commit()?;
    mentions_out.commit()?;
    csv_out::write_errors(&args.out, &errors, args.excel)?;
    let tables = Tables::build(&agg, &engine.taxonomy, errors.len() as u64);
    write_outputs(&args.out, &agg, &tables, args.excel)?;
    if !args.quiet {
        eprint!("{}", markdown::terminal(&tables, 13));
        eprintln!("outputs written to {}", args.out.display());
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_SKIPPED)
    })
}

/// Writes every table-derived output of an aggregate (shared with `shuzhi merge`).
pub fn write_outputs(out: &Path, agg: &Aggregate, tables: &Tables, excel: bool) -> Result<()> {
    csv_out::write_tables(out, tables, excel)?;
    write_atomic(
        &out.join("summary.md"),
        markdown::summary_md(tables).as_bytes(),
    )?;
    xlsx::write_xlsx(&out.join("report.xlsx"), tables)?;
    html::write_html(&out.join("report.html"), tables, "基层党建述职报告问题分析")?;
    let mut json = serde_json::to_vec(agg)?;
    json.push(b'\n');
    write_atomic(&out.join("aggregate.json"), &json)?;
    Ok(())
}
