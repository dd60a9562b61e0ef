//! `${NAME}` interpolation of configuration values from the environment.
//!
//! `${NAME}` is replaced by the value of the variable `NAME` (letters, digits
//! and `_`, not starting with a digit); `$${` writes a literal `${`; any other
//! `$` is kept as is. Substituted values are not expanded again.

use std::borrow::Cow;

/// Looks up an environment variable; `None` when it is not set.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Expands `text`. On failure the message names every unset variable (or the
/// malformed reference) and never contains a variable's value.
pub(crate) fn expand<'t>(text: &'t str, env: EnvLookup<'_>) -> Result<Cow<'t, str>, String> {
    if !text.contains('$') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut unset: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let Some(end) = tail.find('}') else {
                return Err("unterminated `${` (write `$${` for a literal `${`)".to_string());
            };
            let name = &tail[..end];
            if !is_var_name(name) {
                return Err(format!(
                    "invalid environment variable reference `${{{name}}}`: a name is letters, \
                     digits and `_`, not starting with a digit (write `$${{` for a literal `${{`)"
                ));
            }
            match env(name) {
                Some(value) => out.push_str(&value),
                None => {
                    if !unset.contains(&name) {
                        unset.push(name);
                    }
                }
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    match unset.as_slice() {
        [] => Ok(Cow::Owned(out)),
        [one] => Err(format!("environment variable {one} is not set")),
        many => Err(format!(
            "environment variables {} are not set",
            many.join(", ")
        )),
    }
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "EMPTY" => Some(String::new()),
            "DOLLAR" => Some("${A}".into()),
            _ => None,
        }
    }

    fn ok(s: &str) -> String {
        expand(s, &env).unwrap().into_owned()
    }

    #[test]
    fn replaces_and_escapes() {
        assert_eq!(ok("plain"), "plain");
        assert_eq!(ok("${A}"), "alpha");
        assert_eq!(ok("x-${A}-${A}-y"), "x-alpha-alpha-y");
        assert_eq!(ok("[${EMPTY}]"), "[]");
        assert_eq!(ok("$${A}"), "${A}");
        assert_eq!(ok("cost: $5 $"), "cost: $5 $");
        assert_eq!(ok("$$"), "$$");
        assert_eq!(ok("${DOLLAR}"), "${A}", "values are not expanded again");
    }

    #[test]
    fn reports_every_unset_variable_once() {
        assert_eq!(
            expand("${NOPE}", &env).unwrap_err(),
            "environment variable NOPE is not set"
        );
        assert_eq!(
            expand("${X}${Y}${X}", &env).unwrap_err(),
            "environment variables X, Y are not set"
        );
    }

    #[test]
    fn rejects_malformed_references() {
        assert!(expand("${A", &env).unwrap_err().contains("unterminated"));
        assert!(expand("${1A}", &env).unwrap_err().contains("invalid"));
        assert!(expand("${}", &env).unwrap_err().contains("invalid"));
        assert!(expand("${A:-x}", &env).unwrap_err().contains("invalid"));
    }

    proptest! {
        #[test]
        fn text_without_dollar_is_unchanged(s in "[^$]{0,40}") {
            prop_assert_eq!(expand(&s, &env).unwrap(), s.as_str());
        }

        #[test]
        fn arbitrary_text_never_panics_nor_leaks(s in "[$a-z{}A_]{0,30}") {
            if let Err(msg) = expand(&s, &env) {
                prop_assert!(!msg.contains("alpha"));
            }
        }
    }
}
