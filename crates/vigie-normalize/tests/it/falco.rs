//! Fixture tests: being written.
