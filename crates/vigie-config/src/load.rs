//! Turning YAML text into a [`Config`] while collecting every error.
//!
//! 1. [`tree::parse`] builds the marked tree (a syntax error stops here).
//! 2. [`Prepare`] walks the tree once: keys must be strings, a key may appear
//!    once per mapping, and `${VAR}` references in values are expanded. Each
//!    problem is recorded and its node skipped.
//! 3. The tree is deserialized with [`De`]; each failure is recorded, its
//!    node skipped, and deserialization runs again until it succeeds (each
//!    round skips one more node, so this ends; past `MAX_PASSES` rounds it
//!    gives up with a final error).
//!
//! Semantic validation runs afterwards (see `validate.rs`); its findings on
//! keys that already failed are left out, since they would only repeat them.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use serde::de::DeserializeOwned;

use crate::de::{Ctx, De, DeError};
use crate::error::ConfigError;
use crate::interpolate::{expand, EnvLookup};
use crate::origin::Origin;
use crate::tree::{self, Kind, Node};
use crate::Config;

/// Most deserialization rounds (so bad values reported) before giving up:
/// each round re-reads the whole tree.
const MAX_PASSES: usize = 500;

/// The outcome of reading a document: a configuration (defaults where the
/// file was wrong), the errors, and the key paths that failed.
pub(crate) struct Parsed {
    pub config: Config,
    pub errors: Vec<ConfigError>,
    pub failed: Vec<String>,
}

pub(crate) fn parse_document(text: &str, source: &str, env: EnvLookup<'_>) -> Parsed {
    let document = read_document::<Config>(text, source, Some(env));
    let mut config = Config {
        origin: document.origin,
        ..document.value
    };
    if let Some(embedded) = &mut config.alerting.alertmanager {
        if let Some((_, line, col)) = config.origin.position("alerting.alertmanager") {
            if line > 0 {
                embedded.text = crate::alerting::embedded_text(text, line, col);
            }
        }
    }
    Parsed {
        config,
        errors: document.errors,
        failed: document.failed,
    }
}

/// Any serde type read from YAML text the way [`Config`] is: every error
/// collected with its position, `T::default()` where the text was wrong.
#[derive(Debug)]
pub struct Document<T> {
    /// The value read; parts that failed take their default.
    pub value: T,
    /// Every problem found, each with its line and column.
    pub errors: Vec<ConfigError>,
    /// Key paths whose value failed (checks run afterwards can skip them).
    pub failed: Vec<String>,
    /// The position of every key path read.
    pub origin: Origin,
}

/// Reads a `T` from YAML `text` (see [`Document`]). `source` names the text
/// in errors. With `env`, `${NAME}` references in values are expanded (an
/// unset name is an error); with `None` values are taken as written. The
/// same caps on nesting and size as for [`Config`] apply.
pub fn read_document<T: DeserializeOwned + Default>(
    text: &str,
    source: &str,
    env: Option<EnvLookup<'_>>,
) -> Document<T> {
    let empty = |errors: Vec<ConfigError>, failed: Vec<String>| Document {
        value: T::default(),
        errors,
        failed,
        origin: Origin::new(source, HashMap::new(), HashMap::new()),
    };
    let mut root = match tree::parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => return empty(Vec::new(), Vec::new()),
        Err(e) => {
            let err = ConfigError::new(source, e.mark.line, e.mark.col, "", e.message);
            return empty(vec![err], vec![String::new()]);
        }
    };

    let mut errors = Vec::new();
    let mut failed = Vec::new();
    let mut skipped = HashSet::new();
    let mut prep = Prepare {
        source,
        env,
        skipped: &mut skipped,
        errors: &mut errors,
        failed: &mut failed,
    };
    prep.node(&mut root, "");

    let ctx = RefCell::new(Ctx {
        source: source.to_string(),
        errors: Vec::new(),
        skipped,
        positions: HashMap::new(),
        lists: HashMap::new(),
    });
    let mut passes = 0;
    let value = loop {
        passes += 1;
        if passes > MAX_PASSES {
            let message = format!("more than {MAX_PASSES} bad values: stopped checking here");
            errors.push(ConfigError::new(
                source,
                root.mark.line,
                root.mark.col,
                "",
                message,
            ));
            break T::default();
        }
        ctx.borrow_mut().lists.clear();
        let de = De {
            node: &root,
            path: String::new(),
            ctx: &ctx,
        };
        match T::deserialize(de) {
            Ok(value) => break value,
            Err(DeError::Located {
                node,
                mark,
                path,
                message,
            }) => {
                errors.push(ConfigError::new(
                    source, mark.line, mark.col, &path, message,
                ));
                failed.push(path);
                let newly_skipped = ctx.borrow_mut().skipped.insert(node);
                if node == root.id || !newly_skipped {
                    break T::default();
                }
            }
            Err(DeError::Plain(message)) => {
                let (line, col) = (root.mark.line, root.mark.col);
                errors.push(ConfigError::new(source, line, col, "", message));
                failed.push(String::new());
                break T::default();
            }
        }
    };
    let ctx = ctx.into_inner();
    errors.extend(ctx.errors);
    Document {
        value,
        errors,
        failed,
        origin: Origin::new(source, ctx.positions, ctx.lists),
    }
}

/// The checks that need the tree rather than the types.
struct Prepare<'a, 'e> {
    source: &'a str,
    env: Option<EnvLookup<'e>>,
    skipped: &'a mut HashSet<usize>,
    errors: &'a mut Vec<ConfigError>,
    failed: &'a mut Vec<String>,
}

impl Prepare<'_, '_> {
    fn report(&mut self, node: &Node, path: &str, message: String) {
        let (line, col) = (node.mark.line, node.mark.col);
        self.errors
            .push(ConfigError::new(self.source, line, col, path, message));
    }

    fn node(&mut self, node: &mut Node, path: &str) {
        match &mut node.kind {
            Kind::Null => {}
            Kind::Scalar(s) => match self.env.map(|env| expand(&s.text, env)) {
                None | Some(Ok(std::borrow::Cow::Borrowed(_))) => {}
                Some(Ok(std::borrow::Cow::Owned(value))) => {
                    s.raw = Some(std::mem::replace(&mut s.text, value));
                }
                Some(Err(message)) => {
                    self.report(node, path, message);
                    self.skipped.insert(node.id);
                    self.failed.push(path.to_string());
                }
            },
            Kind::Seq(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.node(item, &format!("{path}[{i}]"));
                }
            }
            Kind::Map(entries) => {
                let mut seen: HashMap<String, usize> = HashMap::new();
                for entry in entries.iter_mut() {
                    let Kind::Scalar(key) = &entry.key.kind else {
                        let message =
                            format!("keys must be strings, found {}", entry.key.describe());
                        self.report(&entry.key, path, message);
                        self.skipped.insert(entry.value.id);
                        continue;
                    };
                    let child = if path.is_empty() {
                        key.text.clone()
                    } else {
                        format!("{path}.{}", key.text)
                    };
                    if let Some(first) = seen.get(&key.text) {
                        let message = format!("duplicate key (first defined at line {first})");
                        self.report(&entry.key, &child, message);
                        self.skipped.insert(entry.value.id);
                        continue;
                    }
                    seen.insert(key.text.clone(), entry.key.mark.line);
                    self.node(&mut entry.value, &child);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn messages(text: &str) -> Vec<String> {
        let mut p = parse_document(text, "t.yaml", &no_env);
        p.errors.sort_by_key(|e| (e.line, e.column));
        p.errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn each_bad_leaf_is_reported_and_siblings_still_checked() {
        let errs = messages(
            "ingest:\n  max_body_bytes: lots\n  max_depth: deep\n  queue_capacity: 5\n\
             server:\n  shutdown_timeout: 3 parsecs\n",
        );
        assert_eq!(errs.len(), 3, "{errs:#?}");
        assert!(errs[0].starts_with("t.yaml:2:19: ingest.max_body_bytes: invalid size \"lots\""));
        assert!(errs[1].starts_with("t.yaml:3:14: ingest.max_depth: invalid number \"deep\""));
        assert!(errs[2].starts_with("t.yaml:6:21: server.shutdown_timeout: invalid duration"));
    }

    #[test]
    fn a_bad_list_item_is_dropped_and_the_others_kept() {
        let p = parse_document(
            "auth:\n  tokens:\n    - token_sha256: x\n    - name: b\n      scopes: [read, nope]\n",
            "t.yaml",
            &no_env,
        );
        let errs: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert!(errs
            .iter()
            .any(|e| e.starts_with("t.yaml:3:7: auth.tokens[0]: missing required key `name`")));
        assert!(errs.iter().any(
            |e| e.starts_with("t.yaml:5:22: auth.tokens[1].scopes[1]: unknown value \"nope\"")
        ));
        assert_eq!(p.config.auth.tokens.len(), 1);
        assert_eq!(p.config.auth.tokens[0].name, "b");
        assert_eq!(
            p.config.origin.file_path("auth.tokens[0]"),
            "auth.tokens[1]"
        );
    }

    #[test]
    fn duplicate_and_non_string_keys() {
        let errs = messages("log:\n  level: debug\n  level: info\n[a]: 1\n");
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert_eq!(
            errs[0],
            "t.yaml:3:3: log.level: duplicate key (first defined at line 2)"
        );
        assert!(
            errs[1].starts_with("t.yaml:4:1: keys must be strings"),
            "{}",
            errs[1]
        );
    }

    #[derive(Debug, Default, serde::Deserialize)]
    struct Other {
        #[serde(default)]
        text: String,
        #[serde(default)]
        count: u32,
    }

    #[test]
    fn read_document_without_env_keeps_dollar_references_as_written() {
        let doc = read_document::<Other>("text: '${NOPE} {{ .x }}'\ncont: 1\n", "o.yaml", None);
        assert_eq!(doc.value.text, "${NOPE} {{ .x }}");
        assert_eq!(doc.value.count, 0);
        assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
        assert!(doc.errors[0]
            .to_string()
            .starts_with("o.yaml:2:1: cont: unknown key"));
        assert_eq!(doc.origin.position("text"), Some(("o.yaml".into(), 1, 7)));
    }

    #[test]
    fn gives_up_after_many_bad_values() {
        let mut text = String::from("auth:\n  tokens:\n");
        for _ in 0..(MAX_PASSES + 10) {
            text.push_str("    - nope\n");
        }
        let errs = messages(&text);
        assert_eq!(errs.len(), MAX_PASSES + 1);
        assert!(errs[0].contains("stopped checking here"), "{}", errs[0]);
    }

    #[test]
    fn not_a_mapping_at_the_top() {
        let errs = messages("- a\n- b\n");
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].starts_with(
                "t.yaml:1:1: expected a mapping with keys server, log, auth, ingest, inputs, store, detection, alerting, found a list"
            ),
            "{}",
            errs[0]
        );
        assert_eq!(messages("just text\n").len(), 1);
    }
}
