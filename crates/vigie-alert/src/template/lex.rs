//! The lexer of the template language: the source split into text and
//! actions (`{{-`/`-}}` trimming and comments applied), each action split
//! into tokens.

use super::parse::{Pos, TemplateError};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Dot,
    Field(String),
    Var(String),
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Open,
    Close,
    Pipe,
    Declare,
    Assign,
    Comma,
}

/// A parse error at `pos`.
pub(super) fn err(name: &str, pos: Pos, message: impl Into<String>) -> TemplateError {
    TemplateError {
        name: name.to_string(),
        line: pos.line,
        column: pos.column,
        message: message.into(),
    }
}

fn position(text: &str, offset: usize) -> Pos {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Pos { line, column }
}

/// One piece of the source: text or the inside of an action.
pub(super) enum Piece {
    Text(String),
    Action(Pos, Vec<Tok>),
}

pub(super) fn split(name: &str, text: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = 0;
    let mut trim_next = false;
    while rest < text.len() {
        let Some(found) = text[rest..].find("{{") else {
            let mut t = &text[rest..];
            if trim_next {
                t = t.trim_start();
            }
            pieces.push(Piece::Text(t.to_string()));
            break;
        };
        let start = rest + found;
        let mut t = &text[rest..start];
        if trim_next {
            t = t.trim_start();
        }
        let mut inner_start = start + 2;
        let trim_before = text[inner_start..].starts_with("- ")
            || text[inner_start..].starts_with("-\n")
            || text[inner_start..].starts_with("-\t")
            || text[inner_start..].starts_with("-\r");
        if trim_before {
            t = t.trim_end();
            inner_start += 1;
        }
        if !t.is_empty() {
            pieces.push(Piece::Text(t.to_string()));
        }
        let pos = position(text, start);
        let (toks, end, trim_after) = lex_action(name, text, inner_start, pos)?;
        if let Some(toks) = toks {
            pieces.push(Piece::Action(pos, toks));
        }
        trim_next = trim_after;
        rest = end;
    }
    Ok(pieces)
}

/// Lexes one action from `start` (after `{{` and its trim marker); returns
/// its tokens (`None` for a comment), the offset after `}}` and whether it
/// ends with `-}}`.
fn lex_action(
    name: &str,
    text: &str,
    start: usize,
    pos: Pos,
) -> Result<(Option<Vec<Tok>>, usize, bool), TemplateError> {
    let bytes = text.as_bytes();
    let mut i = start;
    let mut toks = Vec::new();
    let unclosed = || err(name, pos, "unclosed action");
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        if i >= bytes.len() {
            return Err(unclosed());
        }
        let rest = &text[i..];
        if rest.starts_with("-}}") && i > start && bytes[i - 1].is_ascii_whitespace() {
            return Ok((Some(toks), i + 3, true));
        }
        if rest.starts_with("}}") {
            return Ok((Some(toks), i + 2, false));
        }
        if rest.starts_with("/*") {
            let close = rest
                .find("*/")
                .ok_or_else(|| err(name, pos, "unclosed comment"))?;
            let mut after = i + close + 2;
            while after < bytes.len() && bytes[after].is_ascii_whitespace() {
                after += 1;
            }
            if text[after..].starts_with("-}}") {
                return Ok((None, after + 3, true));
            }
            if text[after..].starts_with("}}") {
                return Ok((None, after + 2, false));
            }
            return Err(err(name, pos, "comment ends before closing delimiter"));
        }
        let c = bytes[i];
        match c {
            b'(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            b')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            b'|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            b',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            b':' if rest.starts_with(":=") => {
                toks.push(Tok::Declare);
                i += 2;
            }
            b'=' => {
                toks.push(Tok::Assign);
                i += 1;
            }
            b'"' => {
                let (s, end) =
                    lex_quoted(rest).ok_or_else(|| err(name, pos, "unterminated quoted string"))?;
                toks.push(Tok::Str(s));
                i += end;
            }
            b'`' => {
                let close = rest[1..]
                    .find('`')
                    .ok_or_else(|| err(name, pos, "unterminated raw quoted string"))?;
                toks.push(Tok::Str(rest[1..1 + close].to_string()));
                i += close + 2;
            }
            b'.' | b'$' => {
                let mut end = word_end(rest, 1);
                while rest[end..].starts_with('.')
                    && rest[end + 1..].starts_with(|ch: char| ch.is_alphabetic() || ch == '_')
                {
                    end = word_end(rest, end + 1);
                }
                let word = &rest[1..end];
                if c == b'$' {
                    toks.push(Tok::Var(format!("${word}")));
                } else if word.is_empty() {
                    toks.push(Tok::Dot);
                } else {
                    toks.push(Tok::Field(word.to_string()));
                }
                i += end;
            }
            b'0'..=b'9' | b'-' | b'+' => {
                let end = rest
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || "+-._".contains(ch)))
                    .unwrap_or(rest.len());
                let word = &rest[..end];
                toks.push(
                    number(word)
                        .ok_or_else(|| err(name, pos, format!("bad number syntax: {word:?}")))?,
                );
                i += end;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let end = word_end(rest, 0);
                toks.push(Tok::Ident(rest[..end].to_string()));
                i += end;
            }
            _ => {
                let ch = rest.chars().next().unwrap_or('?');
                return Err(err(name, pos, format!("unexpected {ch:?} in command")));
            }
        }
    }
}

fn word_end(text: &str, from: usize) -> usize {
    text[from..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(text.len(), |e| e + from)
}

fn number(word: &str) -> Option<Tok> {
    let clean = word.replace('_', "");
    if let Some(hex) = clean.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Tok::Int);
    }
    if let Ok(i) = clean.parse::<i64>() {
        return Some(Tok::Int(i));
    }
    clean
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Tok::Float)
}

/// A Go interpreted string literal at the start of `text`; returns the
/// value and the length consumed.
fn lex_quoted(text: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\n' => return None,
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut hex = String::new();
                        for _ in 0..n {
                            hex.push(chars.next()?.1);
                        }
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    _ => return None,
                }
            }
            _ => out.push(c),
        }
    }
    None
}
