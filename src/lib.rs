//! shuzhi: mines Chinese Party-building work reports (述职报告) for recurring problem themes.
//!
//! The pipeline, one module per stage, in the order a report flows through them:
//! [`ingest`] (files → [`ingest::Document`]) → [`meta`] (year, unit) → [`structure`] (sections, roles,
//! statements) → [`segment`] (jieba-rs with the domain dictionary); [`pipeline`] strings them together
//! for one report.
#![warn(missing_docs)]

pub mod aggregate;
pub mod atomic;
pub mod batch;
pub mod classify;
pub mod corpus;
pub mod discover;
pub mod error;
pub mod findings;
pub mod gallery;
pub mod ingest;
pub mod labels;
pub mod labelsheet;
pub mod meta;
pub mod neardup;
pub mod normalize;
pub mod outset;
pub mod pipeline;
pub mod regular_file;
pub mod render;
pub mod rng;
pub mod segment;
pub mod structure;
pub mod themes;
