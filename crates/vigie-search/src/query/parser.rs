//! The query parser: precedence climbing over the lexer's tokens.
//!
//! ```text
//! query   := or
//! or      := and (("OR" | "||") and)*
//! and     := unary (("AND" | "&&")? unary)*      adjacent terms: implicit AND
//! unary   := ("NOT" | "!" | "-") unary | primary
//! primary := "(" or ")" | field ":" "(" or ")" | field ":" value | value
//! ```
//!
//! Recursion is bounded by [`MAX_QUERY_DEPTH`] (parentheses and negations),
//! so deeply nested input is an error, never a stack overflow.

use super::lexer::{Lexer, Token, TokenKind};
use super::{Matcher, ParseError, Query, Term, MAX_QUERY_DEPTH, MAX_QUERY_LEN};

/// Parses a query; empty or whitespace-only input (and a lone `*`) is
/// [`Query::All`].
pub fn parse(input: &str) -> Result<Query, ParseError> {
    if input.len() > MAX_QUERY_LEN {
        return Err(ParseError::new(
            MAX_QUERY_LEN,
            format!(
                "query is {} bytes long, the limit is {MAX_QUERY_LEN}",
                input.len()
            ),
        ));
    }
    let mut parser = Parser {
        lexer: Lexer::new(input),
        depth: 0,
    };
    if parser.lexer.peek()?.is_none() {
        return Ok(Query::All);
    }
    let query = parser.or(None)?;
    match parser.lexer.next()? {
        None => Ok(query),
        Some(token) => Err(ParseError::new(token.start, unexpected(&token.kind))),
    }
}

fn unexpected(kind: &TokenKind) -> String {
    match kind {
        TokenKind::RParen => "unmatched ')'".to_string(),
        TokenKind::And => "'AND' needs a term before it".to_string(),
        TokenKind::Or => "'OR' needs a term before it".to_string(),
        other => format!("unexpected {other:?}"),
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    depth: usize,
}

impl Parser<'_> {
    fn or(&mut self, field: Option<&str>) -> Result<Query, ParseError> {
        let mut children = vec![self.and(field)?];
        while let Some(Token {
            kind: TokenKind::Or,
            start,
        }) = self.lexer.peek()?.cloned()
        {
            self.lexer.next()?;
            self.expect_operand(start, "OR")?;
            children.push(self.and(field)?);
        }
        Ok(combine(children, Query::Or))
    }

    fn and(&mut self, field: Option<&str>) -> Result<Query, ParseError> {
        let mut children = vec![self.unary(field)?];
        loop {
            match self.lexer.peek()?.cloned() {
                Some(Token {
                    kind: TokenKind::And,
                    start,
                }) => {
                    self.lexer.next()?;
                    self.expect_operand(start, "AND")?;
                }
                Some(Token {
                    kind:
                        TokenKind::LParen | TokenKind::Not | TokenKind::Field(_) | TokenKind::Value(_),
                    ..
                }) => {}
                _ => break,
            }
            children.push(self.unary(field)?);
        }
        Ok(combine(children, Query::And))
    }

    fn unary(&mut self, field: Option<&str>) -> Result<Query, ParseError> {
        if let Some(Token {
            kind: TokenKind::Not,
            start,
        }) = self.lexer.peek()?.cloned()
        {
            self.lexer.next()?;
            self.expect_operand(start, "NOT")?;
            self.enter(start)?;
            let inner = self.unary(field)?;
            self.depth -= 1;
            return Ok(Query::Not(Box::new(inner)));
        }
        self.primary(field)
    }

    fn primary(&mut self, field: Option<&str>) -> Result<Query, ParseError> {
        let Some(token) = self.lexer.next()? else {
            return Err(ParseError::new(self.lexer.end(), "expected a term"));
        };
        match token.kind {
            TokenKind::LParen => self.group(token.start, field),
            TokenKind::Field(name) => {
                if let Some(outer) = field {
                    return Err(ParseError::new(
                        token.start,
                        format!("field '{name}' inside the group of field '{outer}'"),
                    ));
                }
                match self.lexer.next()? {
                    Some(Token {
                        kind: TokenKind::LParen,
                        start,
                    }) => self.group(start, Some(&name)),
                    Some(Token {
                        kind: TokenKind::Value(matcher),
                        ..
                    }) => Ok(term(Some(&name), matcher)),
                    _ => Err(ParseError::new(
                        token.start,
                        "expected a value after the field",
                    )),
                }
            }
            TokenKind::Value(matcher) => Ok(term(field, matcher)),
            other => Err(ParseError::new(token.start, unexpected(&other))),
        }
    }

    /// The rest of a parenthesized group whose `(` is at `open`.
    fn group(&mut self, open: usize, field: Option<&str>) -> Result<Query, ParseError> {
        self.enter(open)?;
        if let Some(Token {
            kind: TokenKind::RParen,
            start,
        }) = self.lexer.peek()?
        {
            return Err(ParseError::new(*start, "empty parentheses"));
        }
        let inner = self.or(field)?;
        match self.lexer.next()? {
            Some(Token {
                kind: TokenKind::RParen,
                ..
            }) => {
                self.depth -= 1;
                Ok(inner)
            }
            other => Err(ParseError::new(
                other.map_or(self.lexer.end(), |token| token.start),
                format!("expected ')' to close '(' opened at {open}"),
            )),
        }
    }

    /// After an operator at `at`: the next token must start a term.
    fn expect_operand(&mut self, at: usize, operator: &str) -> Result<(), ParseError> {
        match self.lexer.peek()? {
            Some(Token {
                kind: TokenKind::LParen | TokenKind::Not | TokenKind::Field(_) | TokenKind::Value(_),
                ..
            }) => Ok(()),
            _ => Err(ParseError::new(
                at,
                format!("'{operator}' must be followed by a term"),
            )),
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_QUERY_DEPTH {
            return Err(ParseError::new(
                at,
                format!("query nested deeper than {MAX_QUERY_DEPTH} levels"),
            ));
        }
        Ok(())
    }
}

fn combine(mut children: Vec<Query>, make: fn(Vec<Query>) -> Query) -> Query {
    if children.len() == 1 {
        if let Some(only) = children.pop() {
            return only;
        }
    }
    make(children)
}

fn term(field: Option<&str>, matcher: Matcher) -> Query {
    match (field, matcher) {
        (None, Matcher::Exists) => Query::All,
        (field, matcher) => Query::Term(Term {
            field: field.map(str::to_string),
            matcher,
        }),
    }
}
