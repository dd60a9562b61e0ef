//! Integration tests of vigie-alertmanager: the router served on
//! 127.0.0.1:0 with a temporary data directory, a local webhook receiver,
//! and the real `amtool`.

mod amtool;
mod api_answers;
mod email;
mod end_to_end;
mod fake_services;
mod notifiers;
mod persistence;
mod support;
mod tls;
