//! `shuzhi label`: export statements for labelling (least certain first) and import the labelled sheet into
//! `labels.jsonl`.

use super::common::{check_threads, check_years, init_threads};
use anyhow::{bail, Context, Result};
use shuzhi::atomic::write_atomic;
use shuzhi::classify::dataset::parse_years;
use shuzhi::corpus::Corpus;
use shuzhi::labels;
use shuzhi::labelsheet;
use shuzhi::themes::Taxonomy;
use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

/// Export statements to label, or import a labelled sheet into labels.jsonl.
#[derive(clap::Args)]
#[command(
    after_help = "The yearly loop:\n  shuzhi label export --years 2026 --out label-2026.xlsx   # fill the 'themes' column\n  shuzhi label import label-2026.xlsx\n  shuzhi train --out models/2026\n  shuzhi compare --old models/default --new models/2026"
)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    Export(ExportArgs),
    Import(ImportArgs),
}

/// Write problem, cause and measure statements to a sheet (.xlsx or .csv), least certain first.
#[derive(clap::Args)]
#[command(
    after_help = "Columns: report, year, unit, role, statement, text, fragment, predicted, top_prob, margin, \
themes. Fill 'themes' with theme ids separated by ';' or ',' ('-' or 'none': no theme; leave empty to skip the row). \
Rows come least certain first (smallest |probability − threshold| over themes): labelling the first rows teaches \
the model most. Statements already in the labels file are left out.\n\nExamples:\n  shuzhi label export \
--out label.xlsx\n  shuzhi label export --years 2025 --model models/2024 --out label-2025.csv"
)]
pub struct ExportArgs {
    /// Folders or files (ids are relative to the folder, as in labels.jsonl).
    #[arg(default_value = "corpus")]
    paths: Vec<PathBuf>,
    /// Model folder [default: the built-in model].
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// Sheet to write (.xlsx or .csv).
    #[arg(long)]
    out: PathBuf,
    /// Labels file whose statements are left out (default: labels.jsonl in the first folder, if any).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Also export statements that are already labelled.
    #[arg(long)]
    all: bool,
    /// Only reports of these years (2024, 2019-2024, 2020-).
    #[arg(long)]
    years: Option<String>,
    /// Export at most this many rows.
    #[arg(long)]
    limit: Option<usize>,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// Read a labelled sheet (.xlsx, .xls, .ods or .csv) and merge it into labels.jsonl.
#[derive(clap::Args)]
#[command(
    after_help = "Rows with an empty 'themes' cell are skipped. A row that labels a statement that is \
already labelled replaces that label. Unknown theme ids and fragments that match no statement (or several) are \
errors naming the sheet row; nothing is written then.\n\nExamples:\n  shuzhi label import label.xlsx\n  shuzhi \
label import label-2025.csv --labels corpus/labels.jsonl --corpus corpus"
)]
pub struct ImportArgs {
    /// The filled sheet (.xlsx, .xlsm, .xlsb, .xls, .ods; any other name is read as CSV UTF-8).
    file: PathBuf,
    /// Labels file to merge into (created if missing); default: labels.jsonl in the corpus folder.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Corpus folder the report ids refer to.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Theme taxonomy the ids are checked against.
    #[arg(long, default_value = "models/themes.toml")]
    themes: PathBuf,
    /// Show what would change without writing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Sub::Export(a) => export(a),
        Sub::Import(a) => import(a),
    }
}

impl ExportArgs {
    /// Every argument check of `label export`, before anything is read: thread count capped, the sheet
    /// a .xlsx or .csv, years valid.
    fn check(mut self) -> Result<ExportArgs> {
        self.threads = check_threads(self.threads);
        let ext = self
            .out
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if ext != "xlsx" && ext != "csv" {
            bail!(
                "--out {}: expected a .xlsx or .csv file",
                shuzhi::error::clip_path(&self.out)
            );
        }
        check_years(self.years.as_deref())?;
        Ok(self)
    }
}

fn export(args: ExportArgs) -> Result<ExitCode> {
    let args = args.check()?;
    init_threads(args.threads)?;
    let (engine, _) = super::common::load_model(args.model.as_deref())?;
    let Corpus {
        mut reports,
        skipped,
    } = Corpus::load_paths(
        &args.paths,
        &engine.segmenter,
        engine.roles.as_ref(),
        &Default::default(),
    )?;
    for s in &skipped {
        errln!("shuzhi: skipped {s}");
    }
    if let Some(y) = &args.years {
        let (from, to) = parse_years(y)?;
        reports.retain(|p| p.meta.year.is_some_and(|y| y >= from && y <= to));
    }
    let mut skip = HashSet::new();
    let labels_path = args.labels.clone().or_else(|| {
        let p = args.paths.first()?.join("labels.jsonl");
        p.is_file().then_some(p)
    });
    if let (Some(lp), false) = (&labels_path, args.all) {
        let ls = labels::load(lp, &engine.taxonomy)?;
        let res = labels::resolve(lp, &ls, &labels::targets(&reports), &engine.taxonomy);
        skip = res
            .statements
            .into_iter()
            .map(|r| (r.report, r.statement))
            .collect();
    }
    let mut rows = labelsheet::export_rows(&reports, &engine, &skip)?;
    if let Some(n) = args.limit {
        rows.truncate(n);
    }
    if args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    {
        labelsheet::write_xlsx(&args.out, &rows)?;
    } else {
        labelsheet::write_csv(&args.out, &rows)?;
    }
    errln!(
        "{} statements from {} reports written to {} ({} already labelled left out)",
        rows.len(),
        reports.len(),
        args.out.display(),
        skip.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn import(args: ImportArgs) -> Result<ExitCode> {
    let taxonomy = Taxonomy::load(&args.themes)?;
    let rows = labelsheet::read_sheet(&args.file)?;
    let labels_path = args
        .labels
        .clone()
        .unwrap_or_else(|| args.corpus.join("labels.jsonl"));
    let labels_text = match shuzhi::regular_file::read_to_string(&labels_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", labels_path.display())),
    };
    if rows.is_empty() {
        errln!(
            "{}: no row has a filled 'themes' column; nothing to import",
            args.file.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    // Only the reports the sheet and the labels file name need structuring.
    let seg = shuzhi::segment::Segmenter::new(std::path::Path::new("-"), "", "")?;
    let corpus = Corpus::load(&args.corpus, &seg, None, &Default::default())?;
    let m = labelsheet::merge(
        &args.file,
        &rows,
        &labels_path,
        &labels_text,
        &labels::targets(&corpus.reports),
        &taxonomy,
    )?;
    for w in &m.warnings {
        errln!("shuzhi: {w}");
    }
    let show = |t: &[String]| {
        if t.is_empty() {
            "(none)".to_string()
        } else {
            t.join(";")
        }
    };
    for (row, l) in &m.added {
        outln!(
            "+ row {row}: {} 「{}」 {}",
            l.report,
            l.text,
            show(&l.themes)
        );
    }
    for (row, old, l) in &m.changed {
        outln!(
            "~ row {row}: {} 「{}」 {} → {}",
            l.report,
            l.text,
            show(old),
            show(&l.themes)
        );
    }
    outln!(
        "{} added, {} changed, {} unchanged{}",
        m.added.len(),
        m.changed.len(),
        m.unchanged,
        if args.dry_run {
            " (dry run: nothing written)".to_string()
        } else if m.added.is_empty() && m.changed.is_empty() {
            String::new()
        } else {
            format!("; {} updated", labels_path.display())
        }
    );
    if !args.dry_run && (!m.added.is_empty() || !m.changed.is_empty()) {
        write_atomic(&labels_path, m.text.as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
