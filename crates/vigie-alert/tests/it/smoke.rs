//! Placeholder replaced as modules land.
