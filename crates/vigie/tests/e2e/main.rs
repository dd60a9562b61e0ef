//! End-to-end tests: the real `vigie` binary, driven by real clients
//! (curl, a Python `requests` client) over loopback, and its CLI.

mod cli;
mod detection;
mod harness;
mod http;
mod import;
mod loki;
mod shutdown;
mod store;
mod syslog;
