//! Integration tests of vigie-alert: whole configuration files from
//! `tests/data`, read and used through the public API.

mod config_files;
mod oncall;
mod pipeline;
mod robustness;
mod routing;
