//! `shuzhi merge`: combine the outputs of `analyze --shard` runs into exactly the files one run gives.

use anyhow::{bail, Context, Result};
use shuzhi::aggregate::Aggregate;
use shuzhi::atomic::clean_litter;
use shuzhi::classify::Engine;
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
    /// Model folder (for the taxonomy's names), the one the shards used.
    #[arg(long, default_value = "models/default")]
    model: PathBuf,
    /// Write CSV files with a UTF-8 BOM.
    #[arg(long)]
    excel: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let (engine, _) = Engine::from_model_dir(&args.model)?;
    let mut merged: Option<Aggregate> = None;
    let mut errors: Vec<(String, String, String)> = Vec::new();
    for d in &args.dirs {
        let p = d.join("aggregate.json");
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        let agg: Aggregate = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a shuzhi aggregate", p.display()))?;
        match &mut merged {
            None => merged = Some(agg),
            Some(m) => {
                if m.themes != agg.themes || m.by != agg.by {
                    bail!("{}: themes or --by differ from the first shard; shards must come from one configuration", d.display());
                }
                m.merge(agg);
            }
        }
        let ep = d.join("errors.csv");
        let mut rdr = csv::ReaderBuilder::new()
            .from_path(&ep)
            .with_context(|| format!("reading {}", ep.display()))?;
        for rec in rdr.records() {
            let rec = rec?;
            errors.push((rec[0].to_string(), rec[1].to_string(), rec[2].to_string()));
        }
    }
    let agg = merged.expect("at least one dir (clap requires it)");
    let ids: Vec<String> = engine.taxonomy.ids();
    if ids != agg.themes {
        bail!(
            "the shards were analysed with another taxonomy than {}",
            args.model.display()
        );
    }
    std::fs::create_dir_all(&args.out)?;
    clean_litter(&args.out);
    for (name, key) in [
        (render::REPORTS_JSONL, "id"),
        (render::MENTIONS_JSONL, "report"),
    ] {
        let inputs: Vec<PathBuf> = args.dirs.iter().map(|d| d.join(name)).collect();
        jsonl::merge_sorted(&inputs, key, &args.out.join(name))?;
    }
    errors.sort();
    csv_out::write_errors(&args.out, &errors, args.excel)?;
    let tables = Tables::build(&agg, &engine.taxonomy, errors.len() as u64);
    render::write_tables(&args.out, &agg, &tables, args.excel)?;
    Ok(ExitCode::SUCCESS)
}
