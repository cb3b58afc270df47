//! Output files, one module per format; every file is written atomically.

pub mod atomic;
