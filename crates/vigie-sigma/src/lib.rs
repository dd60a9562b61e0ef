//! Sigma detection rules for vigie.
//!
//! Rule loading follows pySigma and Falco: **read** every file into
//! documents with positions ([`yaml`], [`read`]), **collect** them (ids and
//! names, filters onto rules, correlation references: [`load`]),
//! **compile** each rule once ([`compile`]), and **index** the compiled
//! rules by log source ([`logsource`], [`engine`]), so an event only meets
//! the rules written for its kind of data.
//!
//! The crate does no I/O besides reading rule files in [`load`], and never
//! fails on bad input: a bad rule is a [`load::Failure`] with its file, line
//! and reason, and the other rules load.

pub mod aliases;
pub mod anchored;
pub mod ast;
pub mod collection;
pub mod compile;
pub mod condition;
pub mod correlate;
pub mod engine;
pub mod index;
pub mod keywords;
pub mod load;
pub mod logsource;
pub mod modifier;
pub mod names;
pub mod pipeline;
pub mod read;
pub mod texts;
pub mod value;
pub mod view;
pub mod winjson;
pub mod yaml;

pub use engine::Engine;
pub use load::{load_paths, load_texts, Failure, Idle, LoadOptions, LoadReport};
