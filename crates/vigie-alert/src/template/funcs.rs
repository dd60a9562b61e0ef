//! The functions templates may call: Go's `text/template` builtins
//! (`and`, `or` are in the executor, which short-circuits them) and
//! Alertmanager's (`toUpper`, `toLower`, `title`, `join`, `match`,
//! `safeHtml`, `reReplaceAll`, `stringSlice`, and from later versions
//! `date` and `tz`, UTC only).

use std::cmp::Ordering;
use std::rc::Rc;

use super::value::{go_float, html_escape, Value};

const FUNCTIONS: &[&str] = &[
    "and",
    "or",
    "not",
    "len",
    "index",
    "print",
    "printf",
    "println",
    "urlquery",
    "html",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "toUpper",
    "toLower",
    "title",
    "join",
    "match",
    "safeHtml",
    "reReplaceAll",
    "stringSlice",
    "date",
    "tz",
];

/// Whether `name` is a function templates may call.
pub fn is_function(name: &str) -> bool {
    FUNCTIONS.contains(&name)
}

/// Largest regex accepted by `match` and `reReplaceAll` (compiled size).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("error parsing regexp: {e}"))
}

fn string_arg(name: &str, args: &[Value], i: usize) -> Result<String, String> {
    match args.get(i) {
        Some(Value::Str(s) | Value::Html(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "wrong type for value; expected string; got {} (in {name})",
            other.type_name()
        )),
        None => Err(format!("wrong number of args for {name}")),
    }
}

fn arity(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ))
    }
}

/// Calls function `name` (not `and`/`or`) with evaluated `args`.
pub fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
    match name {
        "not" => {
            arity(name, &args, 1)?;
            Ok(Value::Bool(!args[0].truth()))
        }
        "len" => {
            arity(name, &args, 1)?;
            let n = match &args[0] {
                Value::Str(s) | Value::Html(s) => s.len(),
                Value::List(l) | Value::Alerts(l) => l.len(),
                Value::Kv(kv) => kv.len(),
                Value::Pairs(p) => p.len(),
                other => return Err(format!("len of type {}", other.type_name())),
            };
            Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
        }
        "index" => {
            let mut args = args.into_iter();
            let mut item = args.next().ok_or("wrong number of args for index")?;
            for key in args {
                item = index(&item, &key)?;
            }
            Ok(item)
        }
        "print" => Ok(Value::Str(sprint(&args))),
        "println" => {
            let parts: Vec<String> = args.iter().map(Value::print).collect();
            Ok(Value::Str(format!("{}\n", parts.join(" "))))
        }
        "printf" => {
            let format = string_arg(name, &args, 0)?;
            Ok(Value::Str(printf(&format, &args[1..])))
        }
        "urlquery" => Ok(Value::Str(query_escape(&sprint(&args)))),
        "html" => Ok(Value::Str(html_escape(&sprint(&args)))),
        "eq" => {
            if args.len() < 2 {
                return Err("missing argument for comparison".into());
            }
            for other in &args[1..] {
                if compare(&args[0], other)? == Ordering::Equal {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }
        "ne" | "lt" | "le" | "gt" | "ge" => {
            arity(name, &args, 2)?;
            let order = compare(&args[0], &args[1])?;
            if name != "ne" && !ordered(&args[0]) {
                return Err(format!(
                    "invalid type for comparison: {}",
                    args[0].type_name()
                ));
            }
            Ok(Value::Bool(match name {
                "ne" => order != Ordering::Equal,
                "lt" => order == Ordering::Less,
                "le" => order != Ordering::Greater,
                "gt" => order == Ordering::Greater,
                _ => order != Ordering::Less,
            }))
        }
        "toUpper" => {
            arity(name, &args, 1)?;
            Ok(Value::Str(string_arg(name, &args, 0)?.to_uppercase()))
        }
        "toLower" => {
            arity(name, &args, 1)?;
            Ok(Value::Str(string_arg(name, &args, 0)?.to_lowercase()))
        }
        "title" => {
            arity(name, &args, 1)?;
            Ok(Value::Str(title(&string_arg(name, &args, 0)?)))
        }
        "join" => {
            arity(name, &args, 2)?;
            let sep = string_arg(name, &args, 0)?;
            let Value::List(items) = &args[1] else {
                return Err(format!(
                    "wrong type for value; expected []string; got {}",
                    args[1].type_name()
                ));
            };
            let mut parts = Vec::with_capacity(items.len());
            for item in items.iter() {
                parts.push(
                    item.as_str()
                        .ok_or("join: list of non-strings")?
                        .to_string(),
                );
            }
            Ok(Value::Str(parts.join(&sep)))
        }
        "match" => {
            arity(name, &args, 2)?;
            let re = regex(&string_arg(name, &args, 0)?)?;
            Ok(Value::Bool(re.is_match(&string_arg(name, &args, 1)?)))
        }
        "reReplaceAll" => {
            arity(name, &args, 3)?;
            let re = regex(&string_arg(name, &args, 0)?)?;
            let repl = string_arg(name, &args, 1)?;
            let text = string_arg(name, &args, 2)?;
            Ok(Value::Str(
                re.replace_all(&text, repl.as_str()).into_owned(),
            ))
        }
        "safeHtml" => {
            arity(name, &args, 1)?;
            Ok(Value::Html(string_arg(name, &args, 0)?))
        }
        "stringSlice" => {
            let mut items = Vec::with_capacity(args.len());
            for i in 0..args.len() {
                items.push(Value::Str(string_arg(name, &args, i)?));
            }
            Ok(Value::List(Rc::new(items)))
        }
        "date" => {
            arity(name, &args, 2)?;
            let layout = string_arg(name, &args, 0)?;
            match &args[1] {
                Value::Time(t) => Ok(Value::Str(super::value::go_format(*t, &layout))),
                Value::ZeroTime => Ok(Value::Str(super::value::go_format_zero(&layout))),
                other => Err(format!("date needs a time, got {}", other.type_name())),
            }
        }
        "tz" => {
            arity(name, &args, 2)?;
            let zone = string_arg(name, &args, 0)?;
            if zone != "UTC" && zone != "Etc/UTC" {
                return Err(format!("time zone {zone:?} is not supported (only UTC)"));
            }
            match &args[1] {
                Value::Time(_) | Value::ZeroTime => Ok(args[1].clone()),
                other => Err(format!("tz needs a time, got {}", other.type_name())),
            }
        }
        _ => Err(format!("function {name:?} not defined")),
    }
}

fn index(item: &Value, key: &Value) -> Result<Value, String> {
    match (item, key) {
        (Value::List(l) | Value::Alerts(l), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|i| l.get(i).cloned())
            .ok_or_else(|| format!("error calling index: index out of range: {i}")),
        (Value::Pairs(p), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|i| p.get(i).cloned())
            .map(|pair| Value::Pair(Rc::new(pair)))
            .ok_or_else(|| format!("error calling index: index out of range: {i}")),
        (Value::Kv(kv), Value::Str(k)) => Ok(Value::Str(kv.get(k).cloned().unwrap_or_default())),
        (Value::Nil, _) => Err("error calling index: index of untyped nil".into()),
        (item, key) => Err(format!(
            "error calling index: cannot index {} with {}",
            item.type_name(),
            key.type_name()
        )),
    }
}

fn ordered(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_) | Value::Float(_) | Value::Str(_) | Value::Html(_)
    )
}

/// Go's comparison of basic values (numbers, strings, booleans, nil).
fn compare(a: &Value, b: &Value) -> Result<Ordering, String> {
    let incompatible = || "incompatible types for comparison".to_string();
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).ok_or_else(incompatible),
        #[allow(clippy::cast_precision_loss)]
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y).ok_or_else(incompatible),
        #[allow(clippy::cast_precision_loss)]
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)).ok_or_else(incompatible),
        (Value::Str(x) | Value::Html(x), Value::Str(y) | Value::Html(y)) => Ok(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Ok(x.cmp(y)),
        (Value::Nil, Value::Nil) => Ok(Ordering::Equal),
        (Value::Nil, _) | (_, Value::Nil) => Ok(Ordering::Less),
        _ => Err(incompatible()),
    }
}

/// `fmt.Sprint`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        let is_str = |v: &Value| matches!(v, Value::Str(_) | Value::Html(_));
        if i > 0 && !is_str(a) && !is_str(&args[i - 1]) {
            out.push(' ');
        }
        out.push_str(&match a {
            Value::Nil => "<nil>".to_string(),
            other => other.print(),
        });
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `cases.Title`: the first letter of each word upper case, the others
/// lower case.
fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_word = false;
    for c in text.chars() {
        if c.is_alphanumeric() || (in_word && c == '\'') {
            if in_word {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

/// `fmt.Sprintf` for the verbs templates use: `%s %v %d %q %f %g %x %t %%`
/// with flags `-`, `0`, a width and a precision.
pub fn printf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0usize;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut left = false;
        let mut zero = false;
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let text = format_one(verb, arg, precision);
        let width: usize = width.parse().unwrap_or(0);
        let len = text.chars().count();
        if len >= width {
            out.push_str(&text);
        } else if left {
            out.push_str(&text);
            out.push_str(&" ".repeat(width - len));
        } else {
            let pad = if zero { "0" } else { " " };
            out.push_str(&pad.repeat(width - len));
            out.push_str(&text);
        }
    }
    if next < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| format!("{}={}", a.type_name(), a.print()))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

#[allow(clippy::cast_precision_loss)]
fn format_one(verb: char, arg: &Value, precision: Option<usize>) -> String {
    let bad = || format!("%!{verb}({}={})", arg.type_name(), arg.print());
    match (verb, arg) {
        ('v' | 's', Value::Nil) => "<nil>".to_string(),
        ('v', _) => arg.print(),
        ('s', Value::Str(s) | Value::Html(s)) => match precision {
            Some(p) => s.chars().take(p).collect(),
            None => s.clone(),
        },
        ('s', Value::List(_) | Value::Kv(_) | Value::Time(_) | Value::ZeroTime) => arg.print(),
        ('q', Value::Str(s) | Value::Html(s)) => format!("{s:?}"),
        ('d', Value::Int(i)) => i.to_string(),
        ('t', Value::Bool(b)) => b.to_string(),
        ('x', Value::Int(i)) => format!("{i:x}"),
        ('x', Value::Str(s)) => s.bytes().map(|b| format!("{b:02x}")).collect(),
        ('f' | 'F', Value::Float(f)) => format!("{:.*}", precision.unwrap_or(6), f),
        ('f' | 'F', Value::Int(_)) => bad(),
        ('g', Value::Float(f)) => go_float(*f),
        ('e', Value::Float(f)) => format!("{:.*e}", precision.unwrap_or(6), f),
        _ => bad(),
    }
}
