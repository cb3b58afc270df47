//! `shuzhi merge`: combine the outputs of `analyze --shard` runs into exactly the files one run gives.

use super::common::{load_model, model_label, model_record};
use anyhow::{bail, Context, Result};
use shuzhi::aggregate::Aggregate;
use shuzhi::outset::{check_mergeable, OutputSet, RunManifest, MANIFEST_FORMAT};
use shuzhi::render::{self, csv_out, jsonl, tables::Tables};
use std::path::PathBuf;
use std::process::ExitCode;

/// Merge shard outputs (`analyze --shard K/N --out DIR`) into one set of outputs.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  for k in 1 2 3; do shuzhi analyze corpus --shard $k/3 --out out/s$k; done\n  shuzhi merge out/s1 out/s2 out/s3 --out out/all"
)]
pub struct Args {
    /// Output folders of the shards.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged outputs.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Model folder (for the taxonomy's names), the one the shards used [default: the built-in model].
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// Write CSV files with a UTF-8 BOM.
    #[arg(long)]
    excel: bool,
}

impl Args {
    /// Every argument check of `merge`: `--out` is none of the shards (it is replaced as a whole, and the
    /// shard with it).
    fn check(self) -> Result<Args> {
        let out = self.out.canonicalize().ok();
        for d in &self.dirs {
            if out.is_some() && d.canonicalize().ok() == out {
                bail!(
                    "--out {} is one of the shards: it would be replaced by the merge; write elsewhere",
                    shuzhi::error::clip_path(&self.out)
                );
            }
        }
        Ok(self)
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let args = args.check()?;
    let (engine, model) = load_model(args.model.as_deref())?;
    // Every shard is checked before anything is written.
    let mut sets = Vec::new();
    for d in &args.dirs {
        let m = RunManifest::load(d).with_context(|| {
            format!(
                "{} is not a complete output folder of `shuzhi analyze --shard`",
                shuzhi::error::clip_path(d)
            )
        })?;
        m.verify(d)?;
        sets.push((d.clone(), m));
    }
    check_mergeable(&sets)?;
    if sets[0].1.model_checksum != model.checksum {
        bail!(
            "the shards were analysed with another model than {}",
            model_label(args.model.as_deref())
        );
    }
    let mut merged: Option<Aggregate> = None;
    let mut errors: Vec<(String, String, String)> = Vec::new();
    let mut reports = 0u64;
    for (d, m) in &sets {
        let p = d.join(render::AGGREGATE_JSON);
        let text = shuzhi::regular_file::read_to_string(&p)
            .with_context(|| format!("reading {}", p.display()))?;
        let agg: Aggregate = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a shuzhi aggregate", p.display()))?;
        agg.check()
            .map_err(|e| anyhow::anyhow!("{}: inconsistent counts: {e}", p.display()))?;
        if agg.reports() != m.reports {
            bail!(
                "{}: {} reports counted but the run recorded {}",
                p.display(),
                agg.reports(),
                m.reports
            );
        }
        reports += m.reports;
        match &mut merged {
            None => merged = Some(agg),
            Some(first) => {
                if first.themes != agg.themes || first.by != agg.by {
                    bail!("{}: themes or --by differ from the first shard; shards must come from one configuration", d.display());
                }
                first
                    .merge(agg)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", d.display()))?;
            }
        }
        let ep = d.join(render::ERRORS_CSV);
        let mut rdr = csv::ReaderBuilder::new().from_reader(
            shuzhi::regular_file::open(&ep).with_context(|| format!("reading {}", ep.display()))?,
        );
        for rec in rdr.records() {
            let rec = rec?;
            errors.push((rec[0].to_string(), rec[1].to_string(), rec[2].to_string()));
        }
    }
    let Some(agg) = merged else {
        bail!("nothing to merge");
    };
    let ids: Vec<String> = engine.taxonomy.ids();
    if ids != agg.themes {
        bail!(
            "the shards were analysed with another taxonomy than {}",
            model_label(args.model.as_deref())
        );
    }
    let set = OutputSet::begin(&args.out)?;
    for (name, key) in [
        (render::REPORTS_JSONL, "id"),
        (render::MENTIONS_JSONL, "report"),
    ] {
        let inputs: Vec<PathBuf> = args.dirs.iter().map(|d| d.join(name)).collect();
        jsonl::merge_sorted(&inputs, key, &set.dir().join(name))?;
    }
    errors.sort();
    csv_out::write_errors(set.dir(), &errors, args.excel)?;
    let tables = Tables::build(&agg, &engine.taxonomy, errors.len() as u64);
    render::write_tables(set.dir(), &agg, &tables, args.excel)?;
    let first = &sets[0].1;
    set.commit(RunManifest {
        format: MANIFEST_FORMAT,
        run: String::new(),
        tool: format!("shuzhi {}", env!("CARGO_PKG_VERSION")),
        command: "merge".into(),
        inputs: args
            .dirs
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        corpus: first.corpus.clone(),
        reports,
        skipped: errors.len() as u64,
        options: first.options.clone(),
        options_checksum: first.options_checksum.clone(),
        model: model_record(args.model.as_deref()),
        model_checksum: model.checksum,
        // The shards together are the whole corpus.
        shards: Vec::new(),
        files: Default::default(),
    })?;
    Ok(ExitCode::SUCCESS)
}
