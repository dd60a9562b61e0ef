//! End-to-end tests: the real `vigie` binary, driven by real clients
//! (curl, a Python `requests` client) over loopback, and its CLI.

mod alerting;
mod alertmanager_mode;
mod cli;
mod detection;
mod harness;
mod http;
mod import;
mod loki;
mod prometheus;
mod shutdown;
mod store;
mod syslog;
mod web_auth;
