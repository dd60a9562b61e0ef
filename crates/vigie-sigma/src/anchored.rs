//! Anchored literal sets: which of many literals a text starts with (or,
//! walked from the end, ends with).
//!
//! Most Sigma literals are anchored (`Image|endswith: '\cmd.exe'`,
//! `CommandLine|startswith: ...`). An unanchored Aho-Corasick pass would
//! report them wherever they occur and leave the position test to the
//! caller; a byte trie walked from the anchored end stops at the first byte
//! no literal continues with, which is usually within a few bytes.
//! (aho-corasick does not offer anchored overlapping searches.)

/// A set of byte strings, each with an id, as a trie.
#[derive(Debug, Default)]
pub struct AnchoredSet {
    nodes: Vec<Node>,
}

#[derive(Debug, Default)]
struct Node {
    /// Edge bytes, ascending, parallel to `next`.
    bytes: Vec<u8>,
    next: Vec<u32>,
    /// Ids of the literals that end here.
    ids: Vec<u32>,
}

impl AnchoredSet {
    /// An empty set.
    pub fn new() -> AnchoredSet {
        AnchoredSet {
            nodes: vec![Node::default()],
        }
    }

    /// Whether no literal was inserted.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1 && self.nodes.first().is_none_or(|root| root.ids.is_empty())
    }

    /// Adds the literal spelled by `bytes` under `id`.
    pub fn insert(&mut self, bytes: impl Iterator<Item = u8>, id: u32) {
        if self.nodes.is_empty() {
            self.nodes.push(Node::default());
        }
        let mut at = 0usize;
        for b in bytes {
            let fresh = self.nodes.len() as u32;
            let Some(node) = self.nodes.get_mut(at) else {
                return;
            };
            at = match node.bytes.binary_search(&b) {
                Ok(i) => node.next.get(i).copied().unwrap_or(fresh) as usize,
                Err(i) => {
                    node.bytes.insert(i, b);
                    node.next.insert(i, fresh);
                    self.nodes.push(Node::default());
                    fresh as usize
                }
            };
        }
        if let Some(node) = self.nodes.get_mut(at) {
            node.ids.push(id);
        }
    }

    /// Calls `hit` with the id of every literal `bytes` begins with, and
    /// whether that literal is the whole of `bytes`.
    pub fn walk(&self, bytes: impl ExactSizeIterator<Item = u8>, mut hit: impl FnMut(u32, bool)) {
        let len = bytes.len();
        let Some(mut node) = self.nodes.first() else {
            return;
        };
        for &id in &node.ids {
            hit(id, len == 0);
        }
        for (depth, b) in bytes.enumerate() {
            let Ok(i) = node.bytes.binary_search(&b) else {
                return;
            };
            let Some(next) = node.next.get(i).and_then(|&n| self.nodes.get(n as usize)) else {
                return;
            };
            node = next;
            for &id in &node.ids {
                hit(id, depth + 1 == len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(set: &AnchoredSet, text: &str, reverse: bool) -> Vec<(u32, bool)> {
        let mut out = Vec::new();
        if reverse {
            set.walk(text.bytes().rev(), |id, whole| out.push((id, whole)));
        } else {
            set.walk(text.bytes(), |id, whole| out.push((id, whole)));
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn prefixes_are_found_with_whether_they_cover_the_text() {
        let mut set = AnchoredSet::new();
        for (i, lit) in [
            "c:\\windows\\",
            "c:\\",
            "c:\\windows\\system32\\cmd.exe",
            "d:",
        ]
        .iter()
        .enumerate()
        {
            set.insert(lit.bytes(), i as u32);
        }
        assert_eq!(
            hits(&set, "c:\\windows\\system32\\cmd.exe", false),
            vec![(0, false), (1, false), (2, true)]
        );
        assert_eq!(hits(&set, "c:", false), vec![]);
        assert_eq!(hits(&set, "x:\\c:\\", false), vec![]);
        assert!(!set.is_empty());
        assert!(AnchoredSet::new().is_empty());
    }

    #[test]
    fn suffixes_are_found_by_walking_reversed_literals_from_the_end() {
        let mut set = AnchoredSet::new();
        for (i, lit) in ["\\cmd.exe", ".exe", "\\powershell.exe"].iter().enumerate() {
            set.insert(lit.bytes().rev(), i as u32);
        }
        assert_eq!(
            hits(&set, "c:\\windows\\system32\\cmd.exe", true),
            vec![(0, false), (1, false)]
        );
        assert_eq!(hits(&set, ".exe", true), vec![(1, true)]);
        assert_eq!(hits(&set, "cmd.exe.txt", true), vec![]);
    }

    #[test]
    fn the_empty_literal_matches_every_text_and_two_ids_may_share_a_literal() {
        let mut set = AnchoredSet::new();
        set.insert("".bytes(), 7);
        set.insert("ab".bytes(), 1);
        set.insert("ab".bytes(), 2);
        let mut out = Vec::new();
        set.walk("abc".bytes(), |id, whole| out.push((id, whole)));
        assert_eq!(out, vec![(7, false), (1, false), (2, false)]);
        out.clear();
        set.walk("".bytes(), |id, whole| out.push((id, whole)));
        assert_eq!(out, vec![(7, true)]);
    }
}
