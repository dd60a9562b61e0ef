//! The query lexer: cuts the input into operators, field prefixes and
//! values, resolving backslash escapes and keeping exact byte positions.
//!
//! Values are lexed whole (a quoted phrase, a range, a comparison, a word
//! with or without wildcards) because their inner syntax depends on the
//! first character; the parser only sees the structure around them.

use super::{Bound, Matcher, ParseError, WildcardPart, WildcardPattern};

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `AND` or `&&`.
    And,
    /// `OR` or `||`.
    Or,
    /// `NOT`, `!` or a leading `-`.
    Not,
    /// `name:`; the lexer then expects a value or `(` right after it.
    Field(String),
    /// A value; a lone `*` is [`Matcher::Exists`].
    Value(Matcher),
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub kind: TokenKind,
    pub start: usize,
}

/// A cursor over the query text with one token of lookahead.
pub(super) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    after_field: Option<(String, usize)>,
    peeked: Option<Option<Token>>,
}

/// A word as read: its parts and whether it was written without escapes
/// or wildcards.
struct Word {
    parts: Vec<WildcardPart>,
    plain: bool,
}

pub(super) fn is_field_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '-')
}

impl<'a> Lexer<'a> {
    pub(super) fn new(input: &'a str) -> Self {
        Self {
            input,
            pos: 0,
            after_field: None,
            peeked: None,
        }
    }

    /// Byte length of the input, the position of "end of input" errors.
    pub(super) fn end(&self) -> usize {
        self.input.len()
    }

    pub(super) fn peek(&mut self) -> Result<Option<&Token>, ParseError> {
        if self.peeked.is_none() {
            let token = self.lex()?;
            self.peeked = Some(token);
        }
        Ok(self.peeked.as_ref().and_then(Option::as_ref))
    }

    pub(super) fn next(&mut self) -> Result<Option<Token>, ParseError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lex(),
        }
    }

    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or_default()
    }

    fn current(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.current()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while self.current().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn lex(&mut self) -> Result<Option<Token>, ParseError> {
        if let Some((field, colon)) = self.after_field.take() {
            let start = self.pos;
            return match self.current() {
                Some('(') => {
                    self.bump();
                    Ok(Some(Token {
                        kind: TokenKind::LParen,
                        start,
                    }))
                }
                Some(c) if !c.is_whitespace() && c != ')' => {
                    let kind = self.value(false)?;
                    Ok(Some(Token { kind, start }))
                }
                _ => Err(ParseError::new(
                    start,
                    format!("expected a value after '{field}:' (at {colon})"),
                )),
            };
        }
        self.skip_whitespace();
        let start = self.pos;
        let rest = self.rest();
        let (kind, len) = if rest.starts_with("&&") {
            (TokenKind::And, 2)
        } else if rest.starts_with("||") {
            (TokenKind::Or, 2)
        } else {
            match self.current() {
                None => return Ok(None),
                Some('(') => (TokenKind::LParen, 1),
                Some(')') => (TokenKind::RParen, 1),
                Some('!' | '-') => (TokenKind::Not, 1),
                Some(_) => {
                    let kind = self.value(true)?;
                    return Ok(Some(Token { kind, start }));
                }
            }
        };
        self.pos += len;
        Ok(Some(Token { kind, start }))
    }

    /// Lexes a value at the cursor; `bare` values may turn out to be a field
    /// prefix or a keyword.
    fn value(&mut self, bare: bool) -> Result<TokenKind, ParseError> {
        let start = self.pos;
        match self.current() {
            Some('"') => self
                .phrase()
                .map(|text| TokenKind::Value(Matcher::Phrase(text))),
            Some('[' | '{') => self.range(),
            Some('>' | '<' | '=') => self.comparison(),
            _ => {
                let word = self.word(bare)?;
                if bare && self.current() == Some(':') {
                    return self.field_prefix(start, word.plain);
                }
                if bare && word.plain {
                    match self.input.get(start..self.pos) {
                        Some("AND") => return Ok(TokenKind::And),
                        Some("OR") => return Ok(TokenKind::Or),
                        Some("NOT") => return Ok(TokenKind::Not),
                        _ => {}
                    }
                }
                Ok(TokenKind::Value(word_matcher(word)))
            }
        }
    }

    fn field_prefix(&mut self, start: usize, plain: bool) -> Result<TokenKind, ParseError> {
        let name = self.input.get(start..self.pos).unwrap_or_default();
        if !plain || name.is_empty() || !name.chars().all(is_field_char) {
            return Err(ParseError::new(
                start,
                format!("invalid field name '{name}' (letters, digits, '_', '.', '@', '-'; escape ':' in values with '\\:')"),
            ));
        }
        let colon = self.pos;
        self.bump();
        self.after_field = Some((name.to_string(), colon));
        Ok(TokenKind::Field(name.to_string()))
    }

    /// Reads a word up to whitespace, `(`, `)`, `"` or (bare) `:`.
    fn word(&mut self, bare: bool) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut plain = true;
        while let Some(c) = self.current() {
            if c.is_whitespace() || matches!(c, '(' | ')' | '"') || (bare && c == ':') {
                break;
            }
            let at = self.pos;
            self.bump();
            match c {
                '\\' => {
                    plain = false;
                    literal.push(self.escaped(at)?);
                }
                '*' | '?' => {
                    plain = false;
                    if !literal.is_empty() {
                        parts.push(WildcardPart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(if c == '*' {
                        WildcardPart::AnyString
                    } else {
                        WildcardPart::AnyChar
                    });
                }
                _ => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(WildcardPart::Literal(literal));
        }
        Ok(Word { parts, plain })
    }

    /// The character after a backslash at `at` (already consumed).
    fn escaped(&mut self, at: usize) -> Result<char, ParseError> {
        self.bump()
            .ok_or_else(|| ParseError::new(at, "a backslash must be followed by a character"))
    }

    fn phrase(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            let at = self.pos;
            match self.bump() {
                None => {
                    return Err(ParseError::new(
                        self.end(),
                        format!("expected '\"' to close '\"' opened at {open}"),
                    ))
                }
                Some('"') => return Ok(text),
                Some('\\') => text.push(self.escaped(at)?),
                Some(c) => text.push(c),
            }
        }
    }

    /// Reads a range bound or comparison value up to whitespace or one of
    /// `stops`; returns the text and whether it was a lone unescaped `*`.
    fn literal(&mut self, stops: &[char]) -> Result<(String, bool), ParseError> {
        let start = self.pos;
        let mut text = String::new();
        while let Some(c) = self.current() {
            if c.is_whitespace() || stops.contains(&c) {
                break;
            }
            let at = self.pos;
            self.bump();
            if c == '\\' {
                text.push(self.escaped(at)?);
            } else {
                text.push(c);
            }
        }
        let open_end = self.input.get(start..self.pos) == Some("*");
        Ok((text, open_end))
    }

    fn range(&mut self) -> Result<TokenKind, ParseError> {
        let open = self.pos;
        let opener = if self.bump() == Some('[') { '[' } else { '{' };
        let unclosed = |lexer: &Self| {
            ParseError::new(
                lexer.end(),
                format!("expected ']' or '}}' to close '{opener}' opened at {open}"),
            )
        };
        let bound = |lexer: &mut Self| {
            lexer.skip_whitespace();
            let at = lexer.pos;
            let (text, open_end) = lexer.literal(&[']', '}'])?;
            match lexer.current() {
                None => Err(unclosed(lexer)),
                _ if text.is_empty() => Err(ParseError::new(at, "expected a range bound")),
                _ => Ok((text, open_end)),
            }
        };
        let lower = bound(self)?;
        self.skip_whitespace();
        let to_at = self.pos;
        if self.rest().starts_with("TO") {
            self.pos += 2;
        }
        match self.current() {
            None => return Err(unclosed(self)),
            Some(c) if c.is_whitespace() && self.pos == to_at + 2 => {}
            Some(_) => {
                return Err(ParseError::new(
                    to_at,
                    format!("expected 'TO' in the range opened at {open}"),
                ))
            }
        }
        let upper = bound(self)?;
        self.skip_whitespace();
        let close_at = self.pos;
        let inclusive_upper = match self.bump() {
            Some(']') => true,
            Some('}') => false,
            None => return Err(unclosed(self)),
            Some(_) => {
                return Err(ParseError::new(
                    close_at,
                    format!("expected ']' or '}}' to close '{opener}' opened at {open}"),
                ))
            }
        };
        let make = |(value, open_end): (String, bool), inclusive: bool| {
            (!open_end).then_some(Bound { value, inclusive })
        };
        Ok(TokenKind::Value(Matcher::Range {
            lower: make(lower, opener == '['),
            upper: make(upper, inclusive_upper),
        }))
    }

    fn comparison(&mut self) -> Result<TokenKind, ParseError> {
        let start = self.pos;
        let rest = self.rest();
        let (op, len) = if rest.starts_with(">=") {
            (">=", 2)
        } else if rest.starts_with("<=") {
            ("<=", 2)
        } else if rest.starts_with('>') {
            (">", 1)
        } else if rest.starts_with('<') {
            ("<", 1)
        } else {
            ("", 0)
        };
        let after = rest.get(len..).and_then(|r| r.chars().next());
        if op.is_empty() || matches!(after, Some('<' | '>' | '=' | '!')) {
            let shown: String = rest.chars().take_while(|c| "<>=!".contains(*c)).collect();
            return Err(ParseError::new(
                start,
                format!("unknown comparison '{shown}' (use >, >=, < or <=)"),
            ));
        }
        self.pos += len;
        let value_at = self.pos;
        let (value, _) = self.literal(&['(', ')'])?;
        if value.is_empty() {
            return Err(ParseError::new(
                value_at,
                format!("expected a value after '{op}'"),
            ));
        }
        let bound = Some(Bound {
            value,
            inclusive: len == 2,
        });
        let (lower, upper) = if op.starts_with('>') {
            (bound, None)
        } else {
            (None, bound)
        };
        Ok(TokenKind::Value(Matcher::Range { lower, upper }))
    }
}

/// Turns a word into a matcher; a lone `*` is [`Matcher::Exists`].
fn word_matcher(word: Word) -> Matcher {
    let has_wildcard = word
        .parts
        .iter()
        .any(|part| !matches!(part, WildcardPart::Literal(_)));
    if !has_wildcard {
        let text = word
            .parts
            .into_iter()
            .map(|part| match part {
                WildcardPart::Literal(text) => text,
                _ => String::new(),
            })
            .collect();
        return Matcher::Word(text);
    }
    if word.parts == [WildcardPart::AnyString] {
        return Matcher::Exists;
    }
    Matcher::Wildcard(WildcardPattern { parts: word.parts })
}
