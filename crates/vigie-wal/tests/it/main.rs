//! Integration tests of `vigie-wal` through its public API: corruption and
//! torn tails on disk, and a real `kill -9` of a writing process.

mod corruption;
mod crash;
mod support;
