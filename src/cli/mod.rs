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
mod segment;
mod train;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit code: nothing could be done (model missing, bad configuration).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: finished, but some inputs were skipped.
pub const EXIT_SKIPPED: u8 = 3;

#[derive(Parser)]
#[command(
    name = "shuzhi",
    version,
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
    let cli = Cli::parse();
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
    }
}
