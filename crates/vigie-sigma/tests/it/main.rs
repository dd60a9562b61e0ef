//! Integration tests of vigie-sigma: the SigmaHQ corpus loads, the SigmaHQ
//! regression events fire their rules with the expected counts, the smoke
//! sets evaluate without errors, and the semantics of the specification hold
//! on hand-written rules and events.

mod common;
mod corpus;
mod correlation;
mod logsources;
mod regression;
mod semantics;
mod smoke;
