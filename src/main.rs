//! The `shuzhi` binary: parse arguments, run one command, map the outcome to an exit code.
//! Commands live in `cli/`, one file each; everything they call is in the library.

mod cli;

use std::process::ExitCode;

// Reports are read as many small strings (tokens, statements, records) on every thread: glibc's malloc
// took about a tenth of the instructions and its arenas limited scaling across threads.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // SIGPIPE stays ignored (Rust's default): with its default action `shuzhi analyze … 2>&1 | head -1`
    // would die at the next message and lose the run's outputs. Instead every write to stdout or stderr
    // handles EPIPE (`cli::say`), and a command whose product is stdout (`man`, `inspect`, …) stops
    // quietly with 0 once its reader has gone (`cli::fail`).
    match cli::run() {
        Ok(code) => code,
        Err(err) => cli::fail(&err),
    }
}
