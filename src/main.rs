//! The `shuzhi` binary: parse arguments, run one command, map the outcome to an exit code.
//! Commands live in `cli/`, one file each; everything they call is in the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("shuzhi: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(cli::EXIT_FAILURE)
        }
    }
}
