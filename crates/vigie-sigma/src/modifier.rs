//! Value modifiers (`Field|contains|all`): names, and which combinations
//! make sense.
//!
//! Parsing is strict: an unknown modifier, or one that cannot combine with
//! the others (`re` with `contains`, `cidr` with `base64`), is an error that
//! names it, so a typo never silently turns into an exact match.

use std::fmt;

/// One value modifier of the Sigma specification (v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// `contains`: `*value*`.
    Contains,
    /// `startswith`: `value*`.
    StartsWith,
    /// `endswith`: `*value`.
    EndsWith,
    /// `all`: every value must match (instead of any).
    All,
    /// `re`: the value is a regular expression (unanchored search).
    Re,
    /// `i` after `re`: case-insensitive.
    ReIgnoreCase,
    /// `m` after `re`: `^`/`$` match at line breaks.
    ReMultiLine,
    /// `s` after `re`: `.` matches a line break.
    ReDotAll,
    /// `base64`: the value, base64-encoded.
    Base64,
    /// `base64offset`: the three base64 forms of the value at any offset.
    Base64Offset,
    /// `utf16`: UTF-16 with a little-endian byte-order mark.
    Utf16,
    /// `utf16le` / `wide`: UTF-16 little-endian.
    Utf16Le,
    /// `utf16be`: UTF-16 big-endian.
    Utf16Be,
    /// `windash`: `-` and `/` option prefixes in every dash form.
    Windash,
    /// `cidr`: the value is an IP network.
    Cidr,
    /// `exists`: the value is a boolean: is the field present?
    Exists,
    /// `fieldref`: the value names another field of the same event.
    FieldRef,
    /// `gt`: numerically greater.
    Gt,
    /// `gte`: numerically greater or equal.
    Gte,
    /// `lt`: numerically less.
    Lt,
    /// `lte`: numerically less or equal.
    Lte,
    /// `expand`: `%name%` placeholders replaced by configured values.
    Expand,
    /// `cased`: case-sensitive string comparison.
    Cased,
}

impl Modifier {
    /// The modifier for a name as written in a rule.
    pub fn from_name(name: &str) -> Option<Modifier> {
        use Modifier::*;
        Some(match name {
            "contains" => Contains,
            "startswith" => StartsWith,
            "endswith" => EndsWith,
            "all" => All,
            "re" => Re,
            "i" => ReIgnoreCase,
            "m" => ReMultiLine,
            "s" => ReDotAll,
            "base64" => Base64,
            "base64offset" => Base64Offset,
            "utf16" => Utf16,
            "utf16le" | "wide" => Utf16Le,
            "utf16be" => Utf16Be,
            "windash" => Windash,
            "cidr" => Cidr,
            "exists" => Exists,
            "fieldref" => FieldRef,
            "gt" => Gt,
            "gte" => Gte,
            "lt" => Lt,
            "lte" => Lte,
            "expand" => Expand,
            "cased" => Cased,
            _ => return None,
        })
    }

    /// The name as written in rules.
    pub fn name(self) -> &'static str {
        use Modifier::*;
        match self {
            Contains => "contains",
            StartsWith => "startswith",
            EndsWith => "endswith",
            All => "all",
            Re => "re",
            ReIgnoreCase => "i",
            ReMultiLine => "m",
            ReDotAll => "s",
            Base64 => "base64",
            Base64Offset => "base64offset",
            Utf16 => "utf16",
            Utf16Le => "utf16le",
            Utf16Be => "utf16be",
            Windash => "windash",
            Cidr => "cidr",
            Exists => "exists",
            FieldRef => "fieldref",
            Gt => "gt",
            Gte => "gte",
            Lt => "lt",
            Lte => "lte",
            Expand => "expand",
            Cased => "cased",
        }
    }
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The modifiers of one detection item, parsed and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Modifiers(pub Vec<Modifier>);

impl Modifiers {
    /// Whether `m` is present.
    pub fn has(&self, m: Modifier) -> bool {
        self.0.contains(&m)
    }

    /// Parses the `|`-separated names after the field and checks that they
    /// combine.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Modifiers, String> {
        let mut out = Vec::new();
        for name in names {
            let Some(m) = Modifier::from_name(name) else {
                return Err(format!("unknown value modifier '{name}'"));
            };
            if out.contains(&m) {
                return Err(format!("value modifier '{name}' is given twice"));
            }
            out.push(m);
        }
        let mods = Modifiers(out);
        mods.check()?;
        Ok(mods)
    }

    fn check(&self) -> Result<(), String> {
        use Modifier::*;
        let count = |set: &[Modifier]| self.0.iter().filter(|m| set.contains(m)).count();
        let others = |allowed: &[Modifier]| -> Vec<&'static str> {
            self.0
                .iter()
                .filter(|m| !allowed.contains(m))
                .map(|m| m.name())
                .collect()
        };
        if count(&[Contains, StartsWith, EndsWith]) > 1 {
            return Err("only one of contains, startswith and endswith may be given".into());
        }
        if count(&[Base64, Base64Offset]) > 1 {
            return Err("base64 and base64offset exclude each other".into());
        }
        if count(&[Utf16, Utf16Le, Utf16Be]) > 1 {
            return Err("only one UTF-16 form may be given".into());
        }
        for flag in [ReIgnoreCase, ReMultiLine, ReDotAll] {
            if self.has(flag) && !self.has(Re) {
                return Err(format!("'{flag}' is a flag of 're' and needs it"));
            }
        }
        let exclusive: &[(Modifier, &[Modifier])] = &[
            (Re, &[Re, ReIgnoreCase, ReMultiLine, ReDotAll, All, Cased]),
            (Cidr, &[Cidr, All]),
            (Exists, &[Exists]),
            (Gt, &[Gt]),
            (Gte, &[Gte]),
            (Lt, &[Lt]),
            (Lte, &[Lte]),
            (
                FieldRef,
                &[FieldRef, Contains, StartsWith, EndsWith, All, Cased],
            ),
        ];
        for (m, allowed) in exclusive {
            if self.has(*m) {
                let bad = others(allowed);
                if !bad.is_empty() {
                    return Err(format!("'{m}' cannot be combined with {}", bad.join(", ")));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_modifier_name_parses_and_wide_is_utf16le() {
        for name in [
            "contains",
            "startswith",
            "endswith",
            "all",
            "re",
            "base64",
            "base64offset",
            "utf16",
            "utf16le",
            "utf16be",
            "wide",
            "windash",
            "cidr",
            "exists",
            "fieldref",
            "gt",
            "gte",
            "lt",
            "lte",
            "expand",
            "cased",
        ] {
            assert!(Modifier::from_name(name).is_some(), "{name}");
        }
        assert_eq!(Modifier::from_name("wide"), Some(Modifier::Utf16Le));
        assert_eq!(Modifiers::parse(["re", "i", "m", "s"]).unwrap().0.len(), 4);
    }

    #[test]
    fn bad_combinations_are_refused_with_a_reason() {
        let err = |names: &[&str]| Modifiers::parse(names.iter().copied()).unwrap_err();
        assert!(err(&["contains", "re"]).contains("'re' cannot be combined with contains"));
        assert!(err(&["i"]).contains("needs it"));
        assert!(err(&["contans"]).contains("unknown value modifier 'contans'"));
        assert!(err(&["startswith", "endswith"]).contains("only one"));
        assert!(err(&["cidr", "base64"]).contains("'cidr' cannot"));
        assert!(err(&["all", "all"]).contains("twice"));
        assert!(Modifiers::parse(["fieldref", "startswith"]).is_ok());
        assert!(Modifiers::parse(["wide", "base64offset", "contains"]).is_ok());
    }
}
