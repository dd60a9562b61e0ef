//! The parser of the template language: text with `{{ actions }}` to a
//! tree of [`Node`]s, with `{{ define }}` blocks collected by name.
//!
//! Errors carry the template's name, the 1-based line and column of the
//! action at fault, as Go's `template: name:line:col: message`.

use std::collections::BTreeMap;
use std::fmt;

use super::funcs::is_function;
use super::lex::{err, split, Piece, Tok};

/// A parse or execution error, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The template's name (a file name, a `define` name, or empty).
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "template: {}:{}:{}: {}",
            self.name, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for TemplateError {}

/// Where a node comes from (for error messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// One operand of a command.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `.` followed by zero or more field names (`.A.B`).
    Field(Vec<String>),
    /// `$name` followed by zero or more field names (`$` is the root).
    Variable(String, Vec<String>),
    /// A function name.
    Function(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    /// `( pipeline )` followed by zero or more field names.
    Sub(Box<Pipeline>, Vec<String>),
}

/// One command of a pipeline: operands separated by spaces.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub args: Vec<Arg>,
}

/// `$x := cmd | cmd ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub pos: Pos,
    /// Variables declared (`:=`) or assigned (`=`).
    pub vars: Vec<String>,
    pub assign: bool,
    pub commands: Vec<Command>,
}

/// One node of a parsed template.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    /// `{{ pipeline }}`: prints the value unless it declares variables.
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
    Template(Pos, String, Option<Pipeline>),
    Break(Pos),
    Continue(Pos),
}

/// A parsed file: its own body and the templates it defines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub body: Vec<Node>,
    pub defines: BTreeMap<String, Vec<Node>>,
}

/// What ended a list of nodes.
enum Stop {
    Eof,
    End,
    Else(Pos, Vec<Tok>),
}

struct Parser<'a> {
    name: &'a str,
    pieces: std::vec::IntoIter<Piece>,
    defines: BTreeMap<String, Vec<Node>>,
    depth: usize,
}

/// Deepest nesting of blocks and parentheses accepted.
const MAX_NESTING: usize = 100;

/// Parses `text`; `name` is used in error messages.
pub fn parse(name: &str, text: &str) -> Result<Parsed, TemplateError> {
    let pieces = split(name, text)?;
    let mut parser = Parser {
        name,
        pieces: pieces.into_iter(),
        defines: BTreeMap::new(),
        depth: 0,
    };
    let (body, end) = parser.list(true)?;
    match end {
        Stop::Eof => Ok(Parsed {
            body,
            defines: parser.defines,
        }),
        Stop::End => Err(err(name, Pos::default(), "unexpected {{end}}")),
        Stop::Else(pos, _) => Err(err(name, pos, "unexpected {{else}}")),
    }
}

impl Parser<'_> {
    fn error(&self, pos: Pos, message: impl Into<String>) -> TemplateError {
        err(self.name, pos, message)
    }

    fn list(&mut self, top: bool) -> Result<(Vec<Node>, Stop), TemplateError> {
        let mut nodes = Vec::new();
        while let Some(piece) = self.pieces.next() {
            let (pos, toks) = match piece {
                Piece::Text(t) => {
                    nodes.push(Node::Text(t));
                    continue;
                }
                Piece::Action(pos, toks) => (pos, toks),
            };
            let keyword = match toks.first() {
                Some(Tok::Ident(k)) => k.as_str(),
                None => return Err(self.error(pos, "missing value for command")),
                _ => "",
            };
            let rest = toks.get(1..).unwrap_or_default().to_vec();
            match keyword {
                "end" => return Ok((nodes, Stop::End)),
                "else" => return Ok((nodes, Stop::Else(pos, rest))),
                "if" | "with" | "range" => nodes.push(self.block(keyword, pos, rest)?),
                "define" => {
                    if !top {
                        return Err(self.error(pos, "unexpected \"define\" in command"));
                    }
                    let [Tok::Str(name)] = rest.as_slice() else {
                        return Err(self.error(pos, "define needs one quoted name"));
                    };
                    let (body, end) = self.nested(pos, false)?;
                    if !matches!(end, Stop::End) {
                        return Err(self.error(pos, "unexpected {{else}} in define"));
                    }
                    self.add_define(name.clone(), body);
                }
                "block" => {
                    let (tname, pipe) = self.template_args(pos, &rest)?;
                    let (body, end) = self.nested(pos, false)?;
                    if !matches!(end, Stop::End) {
                        return Err(self.error(pos, "unexpected {{else}} in block"));
                    }
                    self.add_define(tname.clone(), body);
                    nodes.push(Node::Template(pos, tname, pipe));
                }
                "template" => {
                    let (tname, pipe) = self.template_args(pos, &rest)?;
                    nodes.push(Node::Template(pos, tname, pipe));
                }
                "break" | "continue" if rest.is_empty() => nodes.push(if keyword == "break" {
                    Node::Break(pos)
                } else {
                    Node::Continue(pos)
                }),
                _ => nodes.push(Node::Action(self.pipeline(pos, toks, false)?)),
            }
        }
        Ok((nodes, Stop::Eof))
    }

    fn add_define(&mut self, name: String, body: Vec<Node>) {
        // As in Go, an empty definition does not replace a non-empty one.
        let empty = body
            .iter()
            .all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()));
        if empty && self.defines.contains_key(&name) {
            return;
        }
        self.defines.insert(name, body);
    }

    fn nested(&mut self, pos: Pos, top: bool) -> Result<(Vec<Node>, Stop), TemplateError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(pos, "blocks nested too deeply"));
        }
        let result = self.list(top)?;
        self.depth -= 1;
        if matches!(result.1, Stop::Eof) {
            return Err(self.error(pos, "unexpected EOF: missing {{end}}"));
        }
        Ok(result)
    }

    fn template_args(
        &self,
        pos: Pos,
        toks: &[Tok],
    ) -> Result<(String, Option<Pipeline>), TemplateError> {
        let Some(Tok::Str(name)) = toks.first() else {
            return Err(self.error(pos, "template needs a quoted name"));
        };
        let pipe = if toks.len() > 1 {
            Some(self.pipeline(pos, toks[1..].to_vec(), false)?)
        } else {
            None
        };
        Ok((name.clone(), pipe))
    }

    fn block(&mut self, keyword: &str, pos: Pos, toks: Vec<Tok>) -> Result<Node, TemplateError> {
        let pipe = self.pipeline(pos, toks, keyword == "range")?;
        let (body, end) = self.nested(pos, false)?;
        let otherwise = match end {
            Stop::End => Vec::new(),
            Stop::Else(else_pos, rest) if rest.is_empty() => {
                let (otherwise, end) = self.nested(else_pos, false)?;
                if !matches!(end, Stop::End) {
                    return Err(self.error(else_pos, "expected end; found {{else}}"));
                }
                otherwise
            }
            Stop::Else(else_pos, rest) => {
                // `{{ else if x }}` / `{{ else with x }}`: a nested block
                // that shares this block's `{{ end }}`.
                let nested = match rest.first() {
                    Some(Tok::Ident(k)) if (k == "if" || k == "with") && keyword != "range" => {
                        k.clone()
                    }
                    _ => return Err(self.error(else_pos, "unexpected tokens after else")),
                };
                vec![self.block(&nested, else_pos, rest[1..].to_vec())?]
            }
            Stop::Eof => return Err(self.error(pos, "unexpected EOF")),
        };
        Ok(match keyword {
            "if" => Node::If(pipe, body, otherwise),
            "with" => Node::With(pipe, body, otherwise),
            _ => Node::Range(pipe, body, otherwise),
        })
    }

    fn pipeline(&self, pos: Pos, toks: Vec<Tok>, range: bool) -> Result<Pipeline, TemplateError> {
        let mut toks = toks;
        let mut vars = Vec::new();
        let mut assign = false;
        // `$x :=`, `$x =`, and for range `$i, $e :=`.
        let decl_at = toks
            .iter()
            .position(|t| matches!(t, Tok::Declare | Tok::Assign));
        if let Some(at) = decl_at {
            let head = &toks[..at];
            let ok = match head {
                [Tok::Var(v)] => {
                    vars.push(v.clone());
                    true
                }
                [Tok::Var(a), Tok::Comma, Tok::Var(b)] if range => {
                    vars.push(a.clone());
                    vars.push(b.clone());
                    true
                }
                _ => false,
            };
            if ok {
                assign = matches!(toks[at], Tok::Assign);
                toks.drain(..=at);
            }
        }
        let mut commands = Vec::new();
        let mut iter = toks.into_iter().peekable();
        loop {
            let command = self.command(pos, &mut iter, 0)?;
            commands.push(command);
            match iter.next() {
                None => break,
                Some(Tok::Pipe) => {}
                Some(t) => return Err(self.error(pos, format!("unexpected {t:?} in operand"))),
            }
        }
        Ok(Pipeline {
            pos,
            vars,
            assign,
            commands,
        })
    }

    fn command(
        &self,
        pos: Pos,
        iter: &mut std::iter::Peekable<std::vec::IntoIter<Tok>>,
        depth: usize,
    ) -> Result<Command, TemplateError> {
        let mut args = Vec::new();
        while let Some(tok) = iter.peek() {
            if matches!(tok, Tok::Pipe | Tok::Close) {
                break;
            }
            let tok = iter.next().unwrap_or(Tok::Dot);
            let arg = match tok {
                Tok::Dot => Arg::Field(Vec::new()),
                Tok::Field(f) => Arg::Field(split_fields(&f)),
                Tok::Var(v) => {
                    let mut fields = split_fields(&v);
                    let name = fields.remove(0);
                    Arg::Variable(name, fields)
                }
                Tok::Str(s) => Arg::Str(s),
                Tok::Int(i) => Arg::Int(i),
                Tok::Float(f) => Arg::Float(f),
                Tok::Ident(id) => match id.as_str() {
                    "true" => Arg::Bool(true),
                    "false" => Arg::Bool(false),
                    "nil" => Arg::Nil,
                    _ if is_function(&id) => Arg::Function(id),
                    _ => return Err(self.error(pos, format!("function {id:?} not defined"))),
                },
                Tok::Open => {
                    if depth > MAX_NESTING {
                        return Err(self.error(pos, "parentheses nested too deeply"));
                    }
                    let mut commands = Vec::new();
                    loop {
                        commands.push(self.command(pos, iter, depth + 1)?);
                        match iter.next() {
                            Some(Tok::Pipe) => {}
                            Some(Tok::Close) => break,
                            _ => return Err(self.error(pos, "unclosed left paren")),
                        }
                    }
                    let mut fields = Vec::new();
                    while let Some(Tok::Field(f)) = iter.peek() {
                        fields.extend(split_fields(f));
                        iter.next();
                    }
                    let sub = Pipeline {
                        pos,
                        vars: Vec::new(),
                        assign: false,
                        commands,
                    };
                    Arg::Sub(Box::new(sub), fields)
                }
                other => return Err(self.error(pos, format!("unexpected {other:?} in operand"))),
            };
            args.push(arg);
        }
        if args.is_empty() {
            return Err(self.error(pos, "missing value for command"));
        }
        Ok(Command { args })
    }
}

/// `A.B.C` (fields after the leading dot or variable) as names.
fn split_fields(word: &str) -> Vec<String> {
    word.split('.').map(str::to_string).collect()
}
