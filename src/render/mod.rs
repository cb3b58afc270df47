//! Output files, one module per format; every file is written atomically.

pub mod atomic;
pub mod csv_out;
pub mod html;
pub mod markdown;
pub mod tables;
pub mod xlsx;
