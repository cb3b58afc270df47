//! The `shuzhi` binary: parse arguments, run one command, map the outcome to an exit code.
//! Commands live in `cli/`, one file each; everything they call is in the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so `shuzhi man | head` would end in a panic on the closed pipe; a command-line
    // tool should stop quietly instead, as Unix tools do. Output files are written atomically either way.
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
