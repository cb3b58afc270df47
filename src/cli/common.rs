//! Shared pieces of the commands: resource paths, hyper-parameters, labelled examples, thread pools,
//! progress bars.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use shuzhi::classify::dataset::{self, parse_years, Example};
use shuzhi::classify::features::FeatureParams;
use shuzhi::classify::model::{ModelParams, Solver};
use shuzhi::classify::persist::ModelDir;
use shuzhi::classify::Engine;
use shuzhi::corpus::Corpus;
use shuzhi::segment::Segmenter;
use shuzhi::themes::Taxonomy;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Flags for the taxonomy, dictionary and stopword files used by training-side commands.
#[derive(clap::Args, Clone, Debug)]
pub struct ResourceArgs {
    /// Theme taxonomy.
    #[arg(long, default_value = "models/themes.toml")]
    pub themes: PathBuf,
    /// Domain user dictionary for jieba.
    #[arg(long, default_value = "models/userdict.txt")]
    pub dict: PathBuf,
    /// Stopword list.
    #[arg(long, default_value = "models/stopwords.txt")]
    pub stopwords: PathBuf,
}

/// The texts of the three resource files, read once.
pub struct Resources {
    pub taxonomy: Taxonomy,
    pub segmenter: Segmenter,
    pub themes_toml: String,
    pub userdict: String,
    pub stopwords: String,
}

impl ResourceArgs {
    pub fn load(&self) -> Result<Resources> {
        let read = |p: &Path| {
            shuzhi::regular_file::read_to_string(p)
                .with_context(|| format!("reading {}", p.display()))
        };
        let themes_toml = read(&self.themes)?;
        let userdict = read(&self.dict)?;
        let stopwords = read(&self.stopwords)?;
        Ok(Resources {
            taxonomy: Taxonomy::parse(&self.themes, &themes_toml)?,
            segmenter: Segmenter::new(&self.dict, &userdict, &stopwords)?,
            themes_toml,
            userdict,
            stopwords,
        })
    }
}

/// Checksum of the options recorded in a run manifest (as JSON with sorted keys).
pub fn options_checksum(o: &std::collections::BTreeMap<String, serde_json::Value>) -> String {
    shuzhi::outset::checksum(&serde_json::to_vec(o).unwrap_or_default())
}

/// `--threads` checked: more than four threads per core only adds start-up cost (100000 threads took
/// minutes on three files), so larger values are capped, with a message.
pub fn check_threads(n: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let max = (4 * cores).max(8);
    if n > max {
        errln!("shuzhi: --threads {n} capped at {max} (four per core)");
        max
    } else {
        n
    }
}

/// `--years` checked before anything is read: a typo must not cost a corpus load first.
pub fn check_years(years: Option<&str>) -> Result<()> {
    if let Some(y) = years {
        parse_years(y)?;
    }
    Ok(())
}

/// A path argument that must name an existing folder.
pub fn check_dir(flag: &str, dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        bail!("{flag} {}: not a folder", shuzhi::error::clip_path(dir));
    }
    Ok(())
}

/// Loads the model of a `--model` flag: that folder, or the model built into shuzhi when the flag is absent.
pub fn load_model(dir: Option<&Path>) -> Result<(Engine, ModelDir)> {
    match dir {
        Some(d) => Engine::from_model_dir(d)
            .with_context(|| format!("loading the model from {}", d.display())),
        None => Engine::builtin().context("loading the built-in model"),
    }
}

/// How a `--model` flag's model is recorded in a run manifest: the folder, or `<built-in model>`.
pub fn model_record(dir: Option<&Path>) -> String {
    match dir {
        Some(d) => d.to_string_lossy().into_owned(),
        None => shuzhi::classify::builtin::ORIGIN.into(),
    }
}

/// How a `--model` flag's model is named in messages.
pub fn model_label(dir: Option<&Path>) -> String {
    match dir {
        Some(d) => d.display().to_string(),
        None => "the built-in model".into(),
    }
}

/// Sets the size of rayon's global pool (0 = all cores).
pub fn init_threads(n: usize) -> Result<()> {
    if n > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("setting up the thread pool")?;
    }
    Ok(())
}

/// A spinner for a long step, on stderr when it is a terminal; hidden otherwise or with `quiet`.
pub fn spinner(quiet: bool, msg: &str) -> ProgressBar {
    let pb = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    };
    pb.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb.set_message(msg.to_string());
    pb
}

/// Sends this process's stderr to /dev/null until dropped (for a library that prints debug output: linfa-bayes
/// 0.8.1 `dbg!`s its fitted arrays). A no-op where that cannot be done.
pub struct QuietStderr {
    #[cfg(unix)]
    saved: Option<i32>,
}

impl QuietStderr {
    pub fn new() -> QuietStderr {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let saved = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/null")
                .ok()
                .and_then(|null| {
                    // SAFETY: dup/dup2 on valid descriptors; the saved copy is restored and closed on drop.
                    let saved = unsafe { libc::dup(2) };
                    (saved >= 0 && unsafe { libc::dup2(null.as_raw_fd(), 2) } >= 0).then_some(saved)
                });
            QuietStderr { saved }
        }
        #[cfg(not(unix))]
        QuietStderr {}
    }
}

impl Drop for QuietStderr {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(fd) = self.saved.take() {
            // SAFETY: restores the descriptor saved in `new`.
            unsafe {
                libc::dup2(fd, 2);
                libc::close(fd);
            }
        }
    }
}

/// Hyper-parameters shared by train and evaluate.
#[derive(clap::Args, Clone, Debug)]
pub struct HyperArgs {
    /// L2 regularisation of the logistic regression [default: 0.5 with linfa, 0.0625 with dual].
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Text features kept per theme (chi-square).
    #[arg(long, default_value_t = ModelParams::default().k_features)]
    pub k_features: usize,
    /// Folds used to choose thresholds.
    #[arg(long, default_value_t = ModelParams::default().cv_folds)]
    pub threshold_folds: usize,
    /// Minimum statements a feature must occur in.
    #[arg(long, default_value_t = FeatureParams::default().min_df)]
    pub min_df: u32,
    /// Weight of rule-hit features (0 = model without rules).
    #[arg(long, default_value_t = FeatureParams::default().rule_weight)]
    pub rule_weight: f32,
    /// Optimiser: linfa (linfa-logistic on each theme's --k-features best features) or dual (sparse dual
    /// coordinate descent over the whole vocabulary, C = 1/alpha; for large training sets).
    #[arg(long, value_enum, default_value_t = SolverArg::Linfa)]
    pub solver: SolverArg,
}

/// Default alpha of the dual solver (C = 16). In 5-fold grouped cross-validation on the shipped labels the
/// combined system's macro-F1 rose from 0.923 (1/2) to 0.934 (1/16) and only to 0.937 at 1/64: the stronger
/// regularisation is kept, for reports written by others.
const DUAL_ALPHA: f64 = 0.0625;

/// `--solver` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SolverArg {
    Linfa,
    Dual,
}

impl HyperArgs {
    pub fn params(&self, seed: u64) -> Result<ModelParams> {
        Ok(ModelParams {
            features: FeatureParams {
                min_df: self.min_df,
                rule_weight: self.rule_weight,
                ..FeatureParams::default()
            },
            k_features: self.k_features,
            alpha: self.alpha.unwrap_or(match self.solver {
                SolverArg::Linfa => ModelParams::default().alpha,
                SolverArg::Dual => DUAL_ALPHA,
            }),
            cv_folds: self.threshold_folds,
            seed,
            solver: match self.solver {
                SolverArg::Linfa => Solver::Linfa,
                SolverArg::Dual => Solver::Dual,
            },
            ..ModelParams::default()
        }
        .check()?)
    }
}

/// Loads corpus + labels and returns the examples within the year range.
pub fn load_examples(
    corpus_dir: &std::path::Path,
    labels: &Option<PathBuf>,
    years: &Option<String>,
    res: &Resources,
) -> Result<(Vec<Example>, PathBuf, Corpus, RoleFit)> {
    let mut corpus = Corpus::load(corpus_dir, &res.segmenter, None, &Default::default())?;
    for s in &corpus.skipped {
        errln!("shuzhi: skipped {s}");
    }
    let labels_path = labels
        .clone()
        .unwrap_or_else(|| corpus_dir.join("labels.jsonl"));
    let labels = shuzhi::labels::load(&labels_path, &res.taxonomy)?;
    // Roles first: the statement-role model learns from headings, turn phrases and labelled roles, then
    // decides the statements nothing else decided, as it will at run time.
    let resolved = shuzhi::labels::resolve(
        &labels_path,
        &labels,
        &shuzhi::labels::targets(&corpus.reports),
        &res.taxonomy,
    );
    let (role_model, role_metrics) =
        shuzhi::classify::roles::train_with_cv(&corpus.reports, &resolved.statements, 5, 42)?;
    for p in &mut corpus.reports {
        role_model.assign(&mut p.structure);
    }
    let roles = RoleFit {
        model: role_model,
        metrics: role_metrics,
    };
    let ds = dataset::build(&corpus, &labels_path, &labels, &res.taxonomy)?;
    let (from, to) = match years {
        Some(y) => parse_years(y)?,
        None => (i32::MIN, i32::MAX),
    };
    let examples: Vec<Example> = ds
        .examples
        .into_iter()
        .filter(|e| years.is_none() || e.year.is_some_and(|y| y >= from && y <= to))
        .collect();
    if examples.is_empty() {
        bail!(
            "no labelled statements in {} for the years asked",
            labels_path.display()
        );
    }
    Ok((examples, labels_path, corpus, roles))
}

/// The statement-role model fitted with the corpus, and its cross-validated figures per role.
pub struct RoleFit {
    /// The model.
    pub model: shuzhi::classify::roles::RoleModel,
    /// Per-role precision, recall, F1 (5-fold, grouped by report).
    pub metrics: BTreeMap<String, shuzhi::classify::persist::Prf>,
}
