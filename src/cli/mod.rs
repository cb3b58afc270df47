//! Command-line interface: argument definitions and dispatch. One file per command.

#[macro_use]
mod say;
mod analyze;
mod common;
mod compare;
mod corpus;
mod discover;
mod evaluate;
mod inspect;
mod label;
mod merge;
mod model;
mod segment;
mod train;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// Exit code: nothing could be done (model missing, bad configuration).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: finished, but some inputs were skipped.
pub const EXIT_SKIPPED: u8 = 3;

/// `--version`: the version and the model built in (what the commands use without `--model`).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nbuilt-in model: default (models/default at build time), ",
    env!("SHUZHI_MODEL_CHECKSUM"),
    "\n`shuzhi model` shows its themes and training data"
);

#[derive(Parser)]
#[command(
    name = "shuzhi",
    version,
    long_version = LONG_VERSION,
    about = "Mine Chinese Party-building work reports (述职报告) for recurring problem themes",
    long_about = "shuzhi reads 党组织书记抓基层党建工作述职报告 and similar reports (.txt, .md, .docx in UTF-8, \
GB18030 or UTF-16; PDF with a text layer; .doc and .wps through LibreOffice), splits them into sections and statements, classifies problem statements into themes and \
tabulates how often each theme is raised, by year and unit.\n\n\
Exit codes: 0 all inputs analysed; 3 finished but some inputs skipped; 1 nothing could be done; 2 usage error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Analyze(analyze::Args),
    Inspect(inspect::Args),
    Merge(merge::Args),
    Corpus(corpus::Args),
    Train(train::Args),
    Evaluate(evaluate::Args),
    Segment(segment::Args),
    Label(label::Args),
    Compare(compare::Args),
    Discover(discover::Args),
    Model(model::Args),
    Completions(CompletionsArgs),
    Man(ManArgs),
}

/// Print a shell completion script.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  shuzhi completions bash > ~/.local/share/bash-completion/completions/shuzhi\n  \
shuzhi completions zsh > ~/.zfunc/_shuzhi      # with fpath+=~/.zfunc before compinit\n  \
shuzhi completions fish > ~/.config/fish/completions/shuzhi.fish"
)]
struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

/// Print the manual page (roff), or write one page per command into a folder.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  shuzhi man | man -l -\n  shuzhi man --out man/   # shuzhi.1, shuzhi-analyze.1, …"
)]
struct ManArgs {
    /// Write shuzhi.1 and a page per command (shuzhi-analyze.1, …) into this folder instead.
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
}

/// Reports an error that stopped a command on stderr and gives the exit code: success when the error is
/// only that the reader of stdout has gone.
pub fn fail(err: &anyhow::Error) -> ExitCode {
    if say::closed_stdout(err) {
        return ExitCode::SUCCESS;
    }
    errln!("shuzhi: error: {err}");
    for cause in err.chain().skip(1) {
        errln!("  caused by: {cause}");
    }
    ExitCode::from(EXIT_FAILURE)
}

/// Parses the command line and runs the command.
pub fn run() -> Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap quotes the value it refused in full; a value of 100 KB is cut like any other (exit 2, as clap).
        Err(e) => match shuzhi::error::clip_quoted(&e.render().to_string()) {
            std::borrow::Cow::Owned(shown) if e.use_stderr() => {
                err!("{shown}");
                return Ok(ExitCode::from(2));
            }
            _ => e.exit(),
        },
    };
    match cli.command {
        Command::Analyze(a) => analyze::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Corpus(a) => corpus::run(a),
        Command::Train(a) => train::run(a),
        Command::Evaluate(a) => evaluate::run(a),
        Command::Segment(a) => segment::run(a),
        Command::Label(a) => label::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Discover(a) => discover::run(a),
        Command::Model(a) => model::run(a),
        Command::Completions(a) => {
            // Into memory first: the generator panics on a failed write, and a closed stdout is no error.
            let mut script = Vec::new();
            clap_complete::generate(a.shell, &mut Cli::command(), "shuzhi", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man(a) => man(a),
    }
}

fn man(args: ManArgs) -> Result<ExitCode> {
    use anyhow::Context;
    let cmd = Cli::command();
    match args.out {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("writing manual pages to {}", dir.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(cmd).render(&mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
