//! Messages on stdout and stderr that never panic.
//!
//! `println!` and `eprintln!` panic when the stream is a pipe whose reader has gone
//! (`shuzhi analyze … 2>&1 | head -1`), which killed a run before it wrote its outputs. Here a failed write
//! is dropped: a message is not worth the run, the outputs are files and the exit code tells the outcome.
//! Commands whose product is stdout write through a `Write` and stop on the error (see [`closed_stdout`]).

use std::fmt::Arguments;
use std::io::Write;

/// Writes to stdout; a failed write is dropped.
pub fn out(args: Arguments) {
    let _ = std::io::stdout().lock().write_fmt(args);
}

/// Writes to stderr; a failed write is dropped.
pub fn err(args: Arguments) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// Whether an error is stdout (or stderr) closed by its reader: the reader has all it wanted, so the
/// command stops quietly with success, as `head` expects.
pub fn closed_stdout(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` that never panics.
macro_rules! outln {
    () => { $crate::cli::say::out(format_args!("\n")) };
    ($($t:tt)*) => { $crate::cli::say::out(format_args!("{}\n", format_args!($($t)*))) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    () => { $crate::cli::say::err(format_args!("\n")) };
    ($($t:tt)*) => { $crate::cli::say::err(format_args!("{}\n", format_args!($($t)*))) };
}

/// `eprint!` that never panics.
macro_rules! err {
    ($($t:tt)*) => { $crate::cli::say::err(format_args!($($t)*)) };
}
