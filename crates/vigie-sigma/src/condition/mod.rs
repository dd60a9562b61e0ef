//! Sigma rule `condition` parsing and resolution (Sigma specification v2).
//!
//! [`parse`] turns a condition string such as
//! `selection and not 1 of filter_*` into a [`Cond`] tree; [`resolve`] binds
//! that tree to the rule's selection names and yields an [`Expr`] over
//! selection indexes, which [`Expr::eval`] evaluates with short-circuiting.
//!
//! Grammar (keywords are case-insensitive whole words; `not` binds tightest,
//! then `and`, then `or`; all left associative):
//!
//! ```text
//! or      := and ('or' and)*
//! and     := unary ('and' unary)*
//! unary   := 'not' unary | primary
//! primary := '(' or ')' | ('all' | 'any' | INT) 'of' ('them' | IDENT) | IDENT
//! ```
//!
//! Deprecated Sigma v1 aggregations (`| count() > 5`, `near`) are rejected
//! with a pointer to correlation rules. Nesting is capped at [`MAX_DEPTH`]
//! so hostile input cannot overflow the stack.

/// Maximum nesting of parentheses and `not`s accepted by [`parse`].
pub const MAX_DEPTH: usize = 64;

/// Parsed, unresolved condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// A selection name; `column` is 1-based, in chars.
    Sel { name: String, column: usize },
    /// Negation.
    Not(Box<Cond>),
    /// Conjunction, flattened (`a and (b and c)` is one `And` of three).
    And(Vec<Cond>),
    /// Disjunction, flattened like [`Cond::And`].
    Or(Vec<Cond>),
    /// `1 of x*`, `all of them`, `3 of sel_*`; `column` is that of the quantifier.
    Of {
        quantifier: Quantifier,
        target: OfTarget,
        column: usize,
    },
}

/// How many selections of an `of` target must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// `1 of` / `any of`.
    Any,
    /// `all of`.
    All,
    /// `N of` with N >= 2.
    AtLeast(u32),
}

/// What an `of` expression ranges over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfTarget {
    /// `them`: every selection whose name does not start with `_`.
    Them,
    /// A selection name, possibly with `*` wildcards (anchored glob).
    Pattern(String),
}

/// A parse or resolution error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ConditionError {
    /// 1-based column in chars; 0 if unknown.
    pub column: usize,
    /// Human-readable description naming what was expected and found.
    pub message: String,
}

fn err(column: usize, message: impl Into<String>) -> ConditionError {
    ConditionError {
        column,
        message: message.into(),
    }
}

impl std::fmt::Display for Quantifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Quantifier::Any => f.write_str("1 of"),
            Quantifier::All => f.write_str("all of"),
            Quantifier::AtLeast(n) => write!(f, "{n} of"),
        }
    }
}

impl std::fmt::Display for OfTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OfTarget::Them => f.write_str("them"),
            OfTarget::Pattern(p) => f.write_str(p),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Of,
    Them,
    All,
    Any,
    Word(String),
}

fn is_count(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// A token with its 1-based column and original text.
type Token = (Tok, usize, String);

fn classify(word: String, column: usize) -> Result<Token, ConditionError> {
    let tok = match word.to_ascii_lowercase().as_str() {
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "of" => Tok::Of,
        "them" => Tok::Them,
        "all" => Tok::All,
        "any" => Tok::Any,
        "near" => {
            return Err(err(
                column,
                "'near' is deprecated in Sigma v2; use a temporal correlation rule",
            ))
        }
        _ => Tok::Word(word.clone()),
    };
    Ok((tok, column, word))
}

fn lex(text: &str) -> Result<Vec<Token>, ConditionError> {
    if let Some(i) = text.chars().position(|c| c == '|') {
        return Err(err(
            i + 1,
            "aggregation expressions ('| count() ...') are deprecated in Sigma v2; \
             use a correlation rule",
        ));
    }
    let mut out = Vec::new();
    let mut word = String::new();
    let mut start = 0;
    for (i, c) in text.chars().enumerate() {
        if c.is_whitespace() || c == '(' || c == ')' {
            if !word.is_empty() {
                out.push(classify(std::mem::take(&mut word), start)?);
            }
            match c {
                '(' => out.push((Tok::LParen, i + 1, "(".into())),
                ')' => out.push((Tok::RParen, i + 1, ")".into())),
                _ => {}
            }
        } else {
            if word.is_empty() {
                start = i + 1;
            }
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(classify(word, start)?);
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    end_col: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _, _)| t)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |(_, c, _)| *c)
    }

    /// Error "expected {what}, found {current token}" at the current token.
    fn expected(&self, what: &str) -> ConditionError {
        let found = (self.toks.get(self.pos))
            .map_or_else(|| "end of condition".into(), |(_, _, s)| format!("'{s}'"));
        err(self.col(), format!("expected {what}, found {found}"))
    }

    fn nest(&self, depth: usize) -> Result<usize, ConditionError> {
        if depth >= MAX_DEPTH {
            return Err(err(
                self.col(),
                format!("condition nested deeper than {MAX_DEPTH} levels of '(' / 'not'"),
            ));
        }
        Ok(depth + 1)
    }

    fn or_expr(&mut self, depth: usize, after: &str) -> Result<Cond, ConditionError> {
        let mut items = Vec::new();
        push_flat(&mut items, self.and_expr(depth, after)?, false);
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            push_flat(&mut items, self.and_expr(depth, "'or'")?, false);
        }
        Ok(collapse(items, Cond::Or))
    }

    fn and_expr(&mut self, depth: usize, after: &str) -> Result<Cond, ConditionError> {
        let mut items = Vec::new();
        push_flat(&mut items, self.unary(depth, after)?, true);
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            push_flat(&mut items, self.unary(depth, "'and'")?, true);
        }
        Ok(collapse(items, Cond::And))
    }

    fn unary(&mut self, depth: usize, after: &str) -> Result<Cond, ConditionError> {
        match self.peek() {
            Some(Tok::Not) => {
                let depth = self.nest(depth)?;
                self.pos += 1;
                Ok(Cond::Not(Box::new(self.unary(depth, "'not'")?)))
            }
            Some(Tok::LParen | Tok::All | Tok::Any | Tok::Word(_)) => self.primary(depth),
            Some(Tok::Them) => Err(err(self.col(), "'them' is only valid after '... of'")),
            Some(Tok::Of) => Err(self.expected(&format!(
                "a condition after {after} ('of' needs a count before it: '1 of', 'all of')"
            ))),
            _ => Err(self.expected(&format!("a condition after {after}"))),
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Cond, ConditionError> {
        let Some((tok, column, text)) = self.toks.get(self.pos).cloned() else {
            return Err(self.expected("a condition"));
        };
        let quantifier = match &tok {
            Tok::LParen => {
                let depth = self.nest(depth)?;
                self.pos += 1;
                let inner = self.or_expr(depth, "'('")?;
                return match self.peek() {
                    Some(Tok::RParen) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    None => Err(err(
                        column,
                        format!("unbalanced parentheses: '(' at column {column} is never closed"),
                    )),
                    Some(_) => Err(self.expected("'and', 'or' or ')'")),
                };
            }
            Tok::All => Quantifier::All,
            Tok::Any => Quantifier::Any,
            Tok::Word(w) if is_count(w) => match w.parse::<u32>() {
                Ok(0) => return Err(err(column, "'0 of' is not valid; use '1 of' or more")),
                Ok(1) => Quantifier::Any,
                Ok(n) => Quantifier::AtLeast(n),
                Err(_) => return Err(err(column, format!("count '{w}' is too large"))),
            },
            Tok::Word(w) if w.contains('*') => {
                return Err(err(
                    column,
                    format!("wildcard identifier '{w}' needs '1 of' or 'all of'"),
                ))
            }
            Tok::Word(name) => {
                self.pos += 1;
                return Ok(Cond::Sel {
                    name: name.clone(),
                    column,
                });
            }
            _ => return Err(self.expected("a condition")),
        };
        self.pos += 1;
        if self.peek() != Some(&Tok::Of) {
            return Err(self.expected(&format!("'of' after '{text}'")));
        }
        self.pos += 1;
        let target = match self.peek() {
            Some(Tok::Them) => OfTarget::Them,
            Some(Tok::Word(p)) => OfTarget::Pattern(p.clone()),
            _ => return Err(self.expected("'them' or a selection pattern after 'of'")),
        };
        self.pos += 1;
        Ok(Cond::Of {
            quantifier,
            target,
            column,
        })
    }
}

fn push_flat(items: &mut Vec<Cond>, c: Cond, and: bool) {
    match (c, and) {
        (Cond::And(xs), true) | (Cond::Or(xs), false) => items.extend(xs),
        (c, _) => items.push(c),
    }
}

fn collapse(mut items: Vec<Cond>, make: fn(Vec<Cond>) -> Cond) -> Cond {
    match items.len() {
        1 => items.remove(0),
        _ => make(items),
    }
}

/// Parses a Sigma condition string.
///
/// Errors carry the 1-based character column of the offending token.
pub fn parse(text: &str) -> Result<Cond, ConditionError> {
    let toks = lex(text)?;
    if toks.is_empty() {
        return Err(err(1, "empty condition"));
    }
    let end_col = text.trim_end().chars().count() + 1;
    let mut p = Parser {
        toks,
        pos: 0,
        end_col,
    };
    let cond = p.or_expr(0, "start of condition")?;
    match p.toks.get(p.pos) {
        None => Ok(cond),
        Some((Tok::RParen, c, _)) => Err(err(
            *c,
            format!("unbalanced parentheses: ')' at column {c} has no matching '('"),
        )),
        Some(_) => Err(p.expected("'and', 'or' or end of condition")),
    }
}

/// Resolved condition over selection indexes (index into `names`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// Selection `names[i]` matched.
    Sel(usize),
    /// Negation.
    Not(Box<Expr>),
    /// All of these hold (true when empty).
    And(Vec<Expr>),
    /// Any of these holds (false when empty).
    Or(Vec<Expr>),
    /// At least `n` of these hold (always false when `n` exceeds the length).
    AtLeast(usize, Vec<Expr>),
}

/// Anchored glob match where `*` matches any run of chars (no other metachars).
fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if pi < p.len() && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn flat(items: Vec<Expr>, and: bool) -> Expr {
    let mut out = Vec::with_capacity(items.len());
    for e in items {
        match (e, and) {
            (Expr::And(xs), true) | (Expr::Or(xs), false) => out.extend(xs),
            (e, _) => out.push(e),
        }
    }
    match (out.len(), and) {
        (1, _) => out.remove(0),
        (_, true) => Expr::And(out),
        (_, false) => Expr::Or(out),
    }
}

/// Resolves `cond` against the rule's selection names.
///
/// Names match exactly (case-sensitive); `them` covers every name not
/// starting with `_`; patterns are anchored `*` globs over all names.
pub fn resolve(cond: &Cond, names: &[&str]) -> Result<Expr, ConditionError> {
    let all = |cs: &[Cond]| -> Result<Vec<Expr>, ConditionError> {
        cs.iter().map(|c| resolve(c, names)).collect()
    };
    match cond {
        Cond::Sel { name, column } => match names.iter().position(|n| n == name) {
            Some(i) => Ok(Expr::Sel(i)),
            None => {
                let known = if names.is_empty() {
                    " (the rule defines no selections)".to_string()
                } else if names.len() <= 12 {
                    format!(" (known: {})", names.join(", "))
                } else {
                    String::new()
                };
                Err(err(*column, format!("unknown selection '{name}'{known}")))
            }
        },
        Cond::Not(c) => Ok(Expr::Not(Box::new(resolve(c, names)?))),
        Cond::And(cs) => Ok(flat(all(cs)?, true)),
        Cond::Or(cs) => Ok(flat(all(cs)?, false)),
        Cond::Of {
            quantifier,
            target,
            column,
        } => {
            let sels: Vec<Expr> = (0..names.len())
                .filter(|&i| match target {
                    OfTarget::Them => !names[i].starts_with('_'),
                    OfTarget::Pattern(p) => glob_match(p, names[i]),
                })
                .map(Expr::Sel)
                .collect();
            if sels.is_empty() {
                return Err(err(
                    *column,
                    format!("'{quantifier} {target}' matches no selection"),
                ));
            }
            Ok(match quantifier {
                Quantifier::Any => flat(sels, false),
                Quantifier::All => flat(sels, true),
                Quantifier::AtLeast(n) => Expr::AtLeast(*n as usize, sels),
            })
        }
    }
}

impl Expr {
    /// Short-circuit evaluation; `sel(i)` tells whether selection i matched.
    pub fn eval(&self, sel: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Expr::Sel(i) => sel(*i),
            Expr::Not(e) => !e.eval(sel),
            Expr::And(v) => v.iter().all(|e| e.eval(sel)),
            Expr::Or(v) => v.iter().any(|e| e.eval(sel)),
            Expr::AtLeast(n, v) => {
                let mut hits = 0;
                for (k, e) in v.iter().enumerate() {
                    if hits >= *n {
                        break;
                    }
                    // Stop early once the remaining items cannot reach n.
                    if hits + (v.len() - k) < *n {
                        return false;
                    }
                    if e.eval(sel) {
                        hits += 1;
                    }
                }
                hits >= *n
            }
        }
    }

    /// Selections that appear anywhere in the expression (sorted, deduplicated).
    pub fn selections(&self) -> Vec<usize> {
        fn walk(e: &Expr, out: &mut Vec<usize>) {
            match e {
                Expr::Sel(i) => out.push(*i),
                Expr::Not(e) => walk(e, out),
                Expr::And(v) | Expr::Or(v) | Expr::AtLeast(_, v) => {
                    v.iter().for_each(|e| walk(e, out))
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests;
