//! The `shuzhi` binary: parse arguments, run one command, map the outcome to an exit code.
//! Commands live in `cli/`, one file each; everything they call is in the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => cli::fail(&err),
    }
}
