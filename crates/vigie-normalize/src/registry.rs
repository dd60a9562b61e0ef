//! [`Registry`]: the normalizers vigie knows, by dataset name, in the order
//! auto-detection tries them (most specific first, generic JSON last).

use crate::formats;
use crate::Normalizer;

/// The set of available normalizers.
pub struct Registry {
    normalizers: Vec<Box<dyn Normalizer>>,
}

impl Default for Registry {
    /// Every built-in format, with generic JSON (timestamp field
    /// `@timestamp`, then `timestamp`, `time`, `ts`) as the fallback.
    fn default() -> Self {
        Self {
            normalizers: formats::builtin(),
        }
    }
}

impl Registry {
    /// An empty registry, to build a custom set with [`Registry::register`].
    pub fn empty() -> Self {
        Self {
            normalizers: Vec::new(),
        }
    }

    /// Adds a normalizer. A later one with the same dataset name replaces
    /// the earlier one (so config can redefine `json`), keeping its place.
    pub fn register(&mut self, normalizer: Box<dyn Normalizer>) {
        let name = normalizer.dataset().to_owned();
        match self.normalizers.iter().position(|n| n.dataset() == name) {
            Some(i) => self.normalizers[i] = normalizer,
            None => self.normalizers.push(normalizer),
        }
    }

    /// The normalizer for `dataset`.
    pub fn get(&self, dataset: &str) -> Option<&dyn Normalizer> {
        self.normalizers
            .iter()
            .find(|n| n.dataset() == dataset)
            .map(|n| n.as_ref())
    }

    /// The first normalizer whose sniff accepts `record`.
    pub fn detect(&self, record: &str) -> Option<&dyn Normalizer> {
        self.normalizers
            .iter()
            .find(|n| n.sniff(record))
            .map(|n| n.as_ref())
    }

    /// Dataset names, in detection order.
    pub fn datasets(&self) -> impl Iterator<Item = &str> {
        self.normalizers.iter().map(|n| n.dataset())
    }
}
