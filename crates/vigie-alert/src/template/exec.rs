//! Executing a parsed template against a [`Value`].
//!
//! Never panics; bounded by [`Limits`]: the size of the output, the number
//! of steps (nodes executed and loop iterations) and the depth of
//! `{{ template }}` calls. Field access follows Go with the
//! `missingkey=zero` option Alertmanager sets: a missing label is the
//! empty string.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::funcs;
use super::parse::{Arg, Command, Node, Pipeline, Pos, TemplateError};
use super::value::{html_autoescape, html_url_escape, Value};

/// Bounds on one execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest output, in bytes.
    pub max_output: usize,
    /// Most nodes executed plus loop iterations.
    pub max_steps: u64,
    /// Deepest nesting of `{{ template }}` calls.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_output: 8 << 20,
            max_steps: 2_000_000,
            max_depth: 64,
        }
    }
}

enum Flow {
    Next,
    Break,
    Continue,
}

pub(super) struct Exec<'a> {
    pub defines: &'a BTreeMap<String, Vec<Node>>,
    pub html: bool,
    pub limits: Limits,
    pub name: String,
    pub out: String,
    vars: Vec<(String, Value)>,
    steps: u64,
    depth: usize,
}

type Result<T> = std::result::Result<T, TemplateError>;

impl<'a> Exec<'a> {
    pub fn new(
        defines: &'a BTreeMap<String, Vec<Node>>,
        html: bool,
        limits: Limits,
        name: &str,
    ) -> Self {
        Self {
            defines,
            html,
            limits,
            name: name.to_string(),
            out: String::new(),
            vars: Vec::new(),
            steps: 0,
            depth: 0,
        }
    }

    fn error(&self, pos: Pos, message: impl Into<String>) -> TemplateError {
        TemplateError {
            name: self.name.clone(),
            line: pos.line,
            column: pos.column,
            message: format!("executing {:?}: {}", self.name, message.into()),
        }
    }

    fn step(&mut self, pos: Pos) -> Result<()> {
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            return Err(self.error(pos, "too many steps (loop or recursion limit)"));
        }
        Ok(())
    }

    fn write(&mut self, pos: Pos, text: &str) -> Result<()> {
        if self.out.len() + text.len() > self.limits.max_output {
            return Err(self.error(
                pos,
                format!("output larger than {} bytes", self.limits.max_output),
            ));
        }
        self.out.push_str(text);
        Ok(())
    }

    /// Runs a whole template with `dot` as `.` and `$`.
    pub fn run(&mut self, nodes: &[Node], dot: &Value) -> Result<()> {
        self.vars.push(("$".into(), dot.clone()));
        self.walk(nodes, dot)?;
        Ok(())
    }

    fn walk(&mut self, nodes: &[Node], dot: &Value) -> Result<Flow> {
        for node in nodes {
            match self.node(node, dot)? {
                Flow::Next => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Next)
    }

    fn scoped(&mut self, nodes: &[Node], dot: &Value) -> Result<Flow> {
        let mark = self.vars.len();
        let flow = self.walk(nodes, dot);
        self.vars.truncate(mark);
        flow
    }

    fn node(&mut self, node: &Node, dot: &Value) -> Result<Flow> {
        match node {
            Node::Text(text) => {
                if self.html {
                    let stripped = strip_html_comments(text);
                    self.write(Pos::default(), &stripped)?;
                } else {
                    self.write(Pos::default(), text)?;
                }
            }
            Node::Action(pipe) => {
                self.step(pipe.pos)?;
                let value = self.pipeline(pipe, dot)?;
                if pipe.vars.is_empty() {
                    let text = match (&value, self.html) {
                        (Value::Html(s), true) => s.clone(),
                        (Value::Nil, true) => String::new(),
                        (v, true) => match url_attribute(&self.out) {
                            Some(starts) => html_url_escape(&v.print(), starts),
                            None => html_autoescape(&v.print()),
                        },
                        (v, false) => v.print(),
                    };
                    self.write(pipe.pos, &text)?;
                }
            }
            Node::If(pipe, then, otherwise) | Node::With(pipe, then, otherwise) => {
                self.step(pipe.pos)?;
                let mark = self.vars.len();
                let value = self.pipeline(pipe, dot)?;
                let with = matches!(node, Node::With(..));
                let flow = if value.truth() {
                    let inner = if with { &value } else { dot };
                    self.scoped(then, inner)
                } else {
                    self.scoped(otherwise, dot)
                };
                self.vars.truncate(mark);
                return flow;
            }
            Node::Range(pipe, body, otherwise) => return self.range(pipe, body, otherwise, dot),
            Node::Template(pos, name, pipe) => {
                self.step(*pos)?;
                let new_dot = match pipe {
                    Some(p) => self.pipeline(p, dot)?,
                    None => Value::Nil,
                };
                let Some(body) = self.defines.get(name) else {
                    return Err(self.error(*pos, format!("no such template {name:?}")));
                };
                if self.depth >= self.limits.max_depth {
                    return Err(self.error(*pos, "templates nested too deeply"));
                }
                self.depth += 1;
                let saved = std::mem::take(&mut self.vars);
                self.vars.push(("$".into(), new_dot.clone()));
                let result = self.walk(body, &new_dot);
                self.vars = saved;
                self.depth -= 1;
                result?;
            }
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Next)
    }

    fn range(
        &mut self,
        pipe: &Pipeline,
        body: &[Node],
        otherwise: &[Node],
        dot: &Value,
    ) -> Result<Flow> {
        self.step(pipe.pos)?;
        let mark = self.vars.len();
        let value = self.pipeline_value(pipe, dot)?;
        let items: Vec<(Value, Value)> = match &value {
            Value::List(l) | Value::Alerts(l) => l
                .iter()
                .enumerate()
                .map(|(i, v)| (index_value(i), v.clone()))
                .collect(),
            Value::Pairs(p) => p
                .iter()
                .enumerate()
                .map(|(i, pair)| (index_value(i), Value::Pair(Rc::new(pair.clone()))))
                .collect(),
            Value::Kv(kv) => kv
                .iter()
                .map(|(k, v)| (Value::Str(k.clone()), Value::Str(v.clone())))
                .collect(),
            Value::Int(n) if u64::try_from(*n).unwrap_or(0) > self.limits.max_steps => {
                return Err(self.error(pipe.pos, "too many steps (loop or recursion limit)"));
            }
            Value::Int(n) => (0..*n).map(|i| (Value::Int(i), Value::Int(i))).collect(),
            Value::Nil => Vec::new(),
            other => {
                return Err(self.error(
                    pipe.pos,
                    format!("range can't iterate over {}", other.print()),
                ));
            }
        };
        if items.is_empty() {
            let flow = self.scoped(otherwise, dot);
            self.vars.truncate(mark);
            return flow.map(|_| Flow::Next);
        }
        for (key, item) in items {
            self.step(pipe.pos)?;
            let inner = self.vars.len();
            match pipe.vars.as_slice() {
                [one] => self.vars.push((one.clone(), item.clone())),
                [k, v] => {
                    self.vars.push((k.clone(), key));
                    self.vars.push((v.clone(), item.clone()));
                }
                _ => {}
            }
            let flow = self.scoped(body, &item);
            self.vars.truncate(inner);
            if matches!(flow?, Flow::Break) {
                break;
            }
        }
        self.vars.truncate(mark);
        Ok(Flow::Next)
    }

    /// A pipeline's value, its variables declared or assigned.
    fn pipeline(&mut self, pipe: &Pipeline, dot: &Value) -> Result<Value> {
        let value = self.pipeline_value(pipe, dot)?;
        if let Some(var) = pipe.vars.first() {
            if pipe.vars.len() == 1 {
                self.set_var(pipe, var, value.clone())?;
            }
        }
        Ok(value)
    }

    fn set_var(&mut self, pipe: &Pipeline, var: &str, value: Value) -> Result<()> {
        if pipe.assign {
            match self.vars.iter_mut().rev().find(|(n, _)| n == var) {
                Some(slot) => slot.1 = value,
                None => return Err(self.error(pipe.pos, format!("undefined variable: {var}"))),
            }
        } else {
            self.vars.push((var.to_string(), value));
        }
        Ok(())
    }

    fn pipeline_value(&mut self, pipe: &Pipeline, dot: &Value) -> Result<Value> {
        let mut value: Option<Value> = None;
        for command in &pipe.commands {
            value = Some(self.command(pipe.pos, command, dot, value)?);
        }
        Ok(value.unwrap_or(Value::Nil))
    }

    fn command(
        &mut self,
        pos: Pos,
        command: &Command,
        dot: &Value,
        last: Option<Value>,
    ) -> Result<Value> {
        let first = &command.args[0];
        let rest = &command.args[1..];
        match first {
            Arg::Function(name) if name == "and" || name == "or" => {
                if rest.is_empty() && last.is_none() {
                    return Err(self.error(pos, format!("wrong number of args for {name}")));
                }
                let mut value = Value::Nil;
                for arg in rest {
                    value = self.arg(pos, arg, dot)?;
                    if value.truth() == (name == "or") {
                        return Ok(value);
                    }
                }
                Ok(last.unwrap_or(value))
            }
            Arg::Function(name) => {
                let mut args = Vec::with_capacity(rest.len() + 1);
                for arg in rest {
                    args.push(self.arg(pos, arg, dot)?);
                }
                args.extend(last);
                funcs::call(name, args)
                    .map_err(|e| self.error(pos, format!("error calling {name}: {e}")))
            }
            Arg::Field(fields) | Arg::Variable(_, fields) | Arg::Sub(_, fields)
                if !fields.is_empty() && (!rest.is_empty() || last.is_some()) =>
            {
                // A method call with arguments: `.CommonLabels.Remove .GroupLabels.Names`.
                let receiver_arg = match first {
                    Arg::Field(f) => Arg::Field(f[..f.len() - 1].to_vec()),
                    Arg::Variable(v, f) => Arg::Variable(v.clone(), f[..f.len() - 1].to_vec()),
                    Arg::Sub(p, f) => Arg::Sub(p.clone(), f[..f.len() - 1].to_vec()),
                    _ => unreachable_arg(),
                };
                let receiver = self.arg(pos, &receiver_arg, dot)?;
                let mut args = Vec::with_capacity(rest.len() + 1);
                for arg in rest {
                    args.push(self.arg(pos, arg, dot)?);
                }
                args.extend(last);
                let method = &fields[fields.len() - 1];
                field(&receiver, method, args).map_err(|e| self.error(pos, e))
            }
            _ if !rest.is_empty() || last.is_some() => {
                Err(self.error(pos, "can't give argument to non-function"))
            }
            _ => self.arg(pos, first, dot),
        }
    }

    fn arg(&mut self, pos: Pos, arg: &Arg, dot: &Value) -> Result<Value> {
        let (base, fields) = match arg {
            Arg::Field(fields) => (dot.clone(), fields),
            Arg::Variable(name, fields) => {
                let value = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| self.error(pos, format!("undefined variable: {name}")))?;
                (value, fields)
            }
            Arg::Sub(pipe, fields) => (self.pipeline_value(pipe, dot)?, fields),
            Arg::Function(name) => {
                return funcs::call(name, Vec::new()).map_err(|e| self.error(pos, e));
            }
            Arg::Str(s) => return Ok(Value::Str(s.clone())),
            Arg::Int(i) => return Ok(Value::Int(*i)),
            Arg::Float(f) => return Ok(Value::Float(*f)),
            Arg::Bool(b) => return Ok(Value::Bool(*b)),
            Arg::Nil => return Ok(Value::Nil),
        };
        let mut value = base;
        for name in fields {
            value = field(&value, name, Vec::new()).map_err(|e| self.error(pos, e))?;
        }
        Ok(value)
    }
}

fn unreachable_arg() -> Arg {
    Arg::Nil
}

fn index_value(i: usize) -> Value {
    Value::Int(i64::try_from(i).unwrap_or(i64::MAX))
}

/// `value.name` (a field, a method, or a map key), with method `args`.
pub(super) fn field(
    value: &Value,
    name: &str,
    args: Vec<Value>,
) -> std::result::Result<Value, String> {
    let no_args = |v: Value| {
        if args.is_empty() {
            Ok(v)
        } else {
            Err(format!(
                "{name} has arguments but cannot be invoked as function"
            ))
        }
    };
    match value {
        Value::Object(o) => match o.fields.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => no_args(v.clone()),
            None => Err(format!(
                "can't evaluate field {name} in type {}",
                o.type_name
            )),
        },
        Value::Alerts(alerts) if name == "Firing" || name == "Resolved" => {
            let want = if name == "Firing" {
                "firing"
            } else {
                "resolved"
            };
            let subset = alerts
                .iter()
                .filter(
                    |a| matches!(field(a, "Status", Vec::new()), Ok(Value::Str(s)) if s == want),
                )
                .cloned()
                .collect();
            no_args(Value::Alerts(Rc::new(subset)))
        }
        Value::Kv(kv) => match name {
            "SortedPairs" => no_args(Value::Pairs(Rc::new(sorted_pairs(kv)))),
            "Names" => no_args(Value::strings(sorted_pairs(kv).into_iter().map(|p| p.0))),
            "Values" => no_args(Value::strings(sorted_pairs(kv).into_iter().map(|p| p.1))),
            "Remove" => {
                let [Value::List(names)] = args.as_slice() else {
                    return Err("Remove needs one list of names".into());
                };
                let mut kept = (**kv).clone();
                for n in names.iter() {
                    if let Some(n) = n.as_str() {
                        kept.remove(n);
                    }
                }
                Ok(Value::Kv(Rc::new(kept)))
            }
            key => no_args(Value::Str(kv.get(key).cloned().unwrap_or_default())),
        },
        Value::Pairs(pairs) if name == "Names" => {
            no_args(Value::strings(pairs.iter().map(|p| p.0.clone())))
        }
        Value::Pairs(pairs) if name == "Values" => {
            no_args(Value::strings(pairs.iter().map(|p| p.1.clone())))
        }
        Value::Pair(pair) if name == "Name" => no_args(Value::Str(pair.0.clone())),
        Value::Pair(pair) if name == "Value" => no_args(Value::Str(pair.1.clone())),
        Value::Time(t) if name == "Unix" => {
            no_args(Value::Int(t.as_nanos().div_euclid(1_000_000_000)))
        }
        Value::Time(t) if name == "UnixNano" => no_args(Value::Int(t.as_nanos())),
        Value::Time(t) if name == "UTC" || name == "Local" => no_args(Value::Time(*t)),
        Value::Time(t) if name == "String" => no_args(Value::Str(super::value::go_time_string(*t))),
        Value::Time(t) if name == "Format" => match args.as_slice() {
            [Value::Str(layout)] => Ok(Value::Str(super::value::go_format(*t, layout))),
            _ => Err("Format needs one layout string".into()),
        },
        Value::ZeroTime => match (name, args.as_slice()) {
            ("Format", [Value::Str(layout)]) => {
                Ok(Value::Str(super::value::go_format_zero(layout)))
            }
            ("Unix", []) => Ok(Value::Int(-62_135_596_800)),
            ("UTC" | "Local", []) => Ok(Value::ZeroTime),
            ("String", []) => Ok(Value::Str(value.print())),
            ("IsZero", []) => Ok(Value::Bool(true)),
            _ => Err(format!("can't evaluate field {name} in type time.Time")),
        },
        Value::Time(_) if name == "IsZero" => no_args(Value::Bool(false)),
        Value::Nil => Err(format!("nil pointer evaluating interface {{}}.{name}")),
        other => Err(format!(
            "can't evaluate field {name} in type {}",
            other.type_name()
        )),
    }
}

/// Alertmanager's `KV.SortedPairs`: `alertname` first, then by name.
pub fn sorted_pairs(kv: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(kv.len());
    if let Some(v) = kv.get("alertname") {
        pairs.push(("alertname".into(), v.clone()));
    }
    pairs.extend(
        kv.iter()
            .filter(|(k, _)| k.as_str() != "alertname")
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    pairs
}

/// Whether the output ends inside a quoted `href` or `src` attribute
/// value, and if so whether nothing of the value was written yet.
fn url_attribute(out: &str) -> Option<bool> {
    // Only the end of the output is looked at (attribute values are short).
    let mut from = out.len().saturating_sub(4096);
    while !out.is_char_boundary(from) {
        from += 1;
    }
    let quote = from + out[from..].rfind('"')?;
    let before = out[..quote].trim_end_matches([' ', '\t', '\n']);
    let before = before
        .strip_suffix('=')?
        .trim_end_matches([' ', '\t', '\n']);
    let lower = before
        .get(before.len().saturating_sub(5)..)?
        .to_ascii_lowercase();
    if lower.ends_with("href") || lower.ends_with(" src") || lower.ends_with("\tsrc") {
        Some(quote + 1 == out.len())
    } else {
        None
    }
}

/// `html/template` drops HTML comments from the template text.
fn strip_html_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start + 4..].find("-->") {
            Some(end) => rest = &rest[start + 4 + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
