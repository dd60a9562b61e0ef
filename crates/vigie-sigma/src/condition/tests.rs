//! Tests of the condition parser, resolution and evaluation.
use super::*;
use proptest::prelude::*;

/// Compact rendering of a parse tree: `or(a@1, and(b@6, not(c@16)))`.
fn show(c: &Cond) -> String {
    let list = |v: &[Cond]| v.iter().map(show).collect::<Vec<_>>().join(", ");
    match c {
        Cond::Sel { name, column } => format!("{name}@{column}"),
        Cond::Not(c) => format!("not({})", show(c)),
        Cond::And(v) => format!("and({})", list(v)),
        Cond::Or(v) => format!("or({})", list(v)),
        Cond::Of {
            quantifier: q,
            target: t,
            column,
        } => format!("[{q} {t}]@{column}"),
    }
}

fn p(text: &str) -> String {
    parse(text).map_or_else(|e| e.to_string(), |c| show(&c))
}

/// Resolved expression in Debug form, or the error.
fn r(text: &str, names: &[&str]) -> String {
    match parse(text).and_then(|c| resolve(&c, names)) {
        Ok(e) => format!("{e:?}"),
        Err(e) => e.to_string(),
    }
}

/// Checks `"input => expected"` cases with `f`.
fn check(cases: &[&str], f: impl Fn(&str) -> String) {
    for case in cases {
        let (text, want) = case.split_once(" => ").unwrap_or((case, ""));
        assert_eq!(f(text), want, "input {text:?}");
    }
}

#[test]
fn parse_trees() {
    check(
        &[
            // Precedence, parentheses, flattening.
            "a or b and not c => or(a@1, and(b@6, not(c@16)))",
            "(a or b) and c => and(or(a@2, b@7), c@14)",
            "not (a and b) => not(and(a@6, b@12))",
            "not a and b => and(not(a@5), b@11)",
            "((a)) => a@3",
            "a and (b and c) => and(a@1, b@8, c@14)",
            "(a and b) and c => and(a@2, b@8, c@15)",
            "a or (b or c) or d => or(a@1, b@7, c@12, d@18)",
            "a and (b or c) => and(a@1, or(b@8, c@13))",
            "not not a => not(not(a@9))",
            // Case-insensitive whole-word keywords; identifier characters.
            "sel.1 OR sel-x AnD NOT a_2B => or(sel.1@1, and(sel-x@10, not(a_2B@24)))",
            "android or selection_and_not => or(android@1, selection_and_not@12)",
            " \tx  => x@3",
            "sel_01 and 2nd => and(sel_01@1, 2nd@12)",
            // Quantifiers.
            "1 of sel* => [1 of sel*]@1",
            "any of sel* => [1 of sel*]@1",
            "ALL OF Them => [all of them]@1",
            "x or 3 of y => or(x@1, [3 of y]@6)",
            "not 1 of f* => not([1 of f*]@5)",
        ],
        p,
    );
    let target = OfTarget::Pattern("x*".into());
    let want = Cond::Of {
        quantifier: Quantifier::AtLeast(2),
        target,
        column: 1,
    };
    assert_eq!(parse("2 of x*"), Ok(want));
}

#[test]
fn resolve_targets_and_names() {
    let names = ["sel_a", "sel_b", "filter_x", "_hidden"];
    check(
        &[
            "1 of sel_* => Or([Sel(0), Sel(1)])",
            "any of sel* => Or([Sel(0), Sel(1)])",
            "all of them => And([Sel(0), Sel(1), Sel(2)])",
            "1 of them => Or([Sel(0), Sel(1), Sel(2)])",
            "1 of _* => Sel(3)",
            "all of *_x => Sel(2)",
            "2 of sel* => AtLeast(2, [Sel(0), Sel(1)])",
            "5 of filter_* => AtLeast(5, [Sel(2)])",
            "filter_x and all of sel_* => And([Sel(2), Sel(0), Sel(1)])",
            "sel_b or not _hidden => Or([Sel(1), Not(Sel(3))])",
            "sel_a and 1 of f*_m* => column 11: '1 of f*_m*' matches no selection",
            "sel_a and Sel_a => column 11: unknown selection 'Sel_a' (known: sel_a, sel_b, filter_x, _hidden)",
        ],
        |t| r(t, &names),
    );
    assert_eq!(
        r("all of them", &["_a"]),
        "column 1: 'all of them' matches no selection"
    );
    let no_sel = "column 1: unknown selection 'x' (the rule defines no selections)";
    assert_eq!(r("x", &[]), no_sel);
    let many: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(r("x", &many), "column 1: unknown selection 'x'");
}

#[test]
fn error_paths_with_columns() {
    check(
        &[
            " => column 1: empty condition",
            "    => column 1: empty condition",
            "a and => column 6: expected a condition after 'and', found end of condition",
            "a or )  => column 6: expected a condition after 'or', found ')'",
            "not => column 4: expected a condition after 'not', found end of condition",
            "AND a => column 1: expected a condition after start of condition, found 'AND'",
            "() => column 2: expected a condition after '(', found ')'",
            "(a and b => column 1: unbalanced parentheses: '(' at column 1 is never closed",
            "a and b) => column 8: unbalanced parentheses: ')' at column 8 has no matching '('",
            "(a b) => column 4: expected 'and', 'or' or ')', found 'b'",
            "a b => column 3: expected 'and', 'or' or end of condition, found 'b'",
            "a not b => column 3: expected 'and', 'or' or end of condition, found 'not'",
            "filter_* => column 1: wildcard identifier 'filter_*' needs '1 of' or 'all of'",
            "a and not f* => column 11: wildcard identifier 'f*' needs '1 of' or 'all of'",
            "0 of x => column 1: '0 of' is not valid; use '1 of' or more",
            "99999999999 of x => column 1: count '99999999999' is too large",
            "all x => column 5: expected 'of' after 'all', found 'x'",
            "2 x => column 3: expected 'of' after '2', found 'x'",
            "any of => column 7: expected 'them' or a selection pattern after 'of', found end of condition",
            "1 of (x) => column 6: expected 'them' or a selection pattern after 'of', found '('",
            "them => column 1: 'them' is only valid after '... of'",
            "of x => column 1: expected a condition after start of condition ('of' needs a count before it: '1 of', 'all of'), found 'of'",
            "sel | count() > 5 => column 5: aggregation expressions ('| count() ...') are deprecated in Sigma v2; use a correlation rule",
            "a NEAR b => column 3: 'near' is deprecated in Sigma v2; use a temporal correlation rule",
            "é and => column 6: expected a condition after 'and', found end of condition",
        ],
        p,
    );
}

#[test]
fn nesting_depth_cap() {
    let nested = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(p(&nested(MAX_DEPTH)), format!("a@{}", MAX_DEPTH + 1));
    let msg = "condition nested deeper than 64 levels of '(' / 'not'";
    assert_eq!(parse(&nested(MAX_DEPTH + 1)), Err(err(MAX_DEPTH + 1, msg)));
    assert!(parse(&format!("{}a", "not ".repeat(MAX_DEPTH))).is_ok());
    assert!(parse(&format!("{}a", "not ".repeat(MAX_DEPTH + 1))).is_err());
    assert!(parse(&"(".repeat(100_000)).is_err());
}

#[test]
fn glob() {
    assert!(glob_match("a*b*c", "axxbyyc") && glob_match("*", "") && glob_match("**x", "x"));
    assert!(glob_match("*_1", "sel_1_1") && glob_match("é*", "é1"));
    assert!(!glob_match("a*b", "ab_") && !glob_match("sel", "sel_1"));
    assert!(!glob_match("a?", "ab") && !glob_match("*a*", "bbb"));
}

/// Evaluates `text` over selections a, b, c for all 8 assignments against `f`.
fn truth(text: &str, f: impl Fn(bool, bool, bool) -> bool) {
    let e = parse(text)
        .and_then(|c| resolve(&c, &["a", "b", "c"]))
        .unwrap();
    for m in 0..8u32 {
        let want = f(m & 1 == 1, m & 2 == 2, m & 4 == 4);
        assert_eq!(e.eval(&mut |i| m >> i & 1 == 1), want, "{text} at {m:03b}");
    }
}

#[test]
fn eval_truth_tables() {
    truth("a or b and not c", |a, b, c| a || (b && !c));
    truth("(a or b) and not c", |a, b, c| (a || b) && !c);
    truth("not a and not (b or c)", |a, b, c| !a && !b && !c);
    truth("2 of *", |a, b, c| (a as u8 + b as u8 + c as u8) >= 2);
    truth("3 of them", |a, b, c| a && b && c);
    truth("4 of *", |_, _, _| false);
    truth("any of them and not all of them", |a, b, c| {
        (a || b || c) && !(a && b && c)
    });
    assert!(Expr::And(vec![]).eval(&mut |_| false));
    assert!(!Expr::Or(vec![]).eval(&mut |_| true));
    assert!(Expr::AtLeast(0, vec![]).eval(&mut |_| false));
}

#[test]
fn eval_short_circuits() {
    let calls = |e: &Expr, val: fn(usize) -> bool| {
        let mut seen = vec![];
        let out = e.eval(&mut |i| {
            seen.push(i);
            val(i)
        });
        (out, seen)
    };
    let at2 = Expr::AtLeast(2, (0..4).map(Expr::Sel).collect());
    assert_eq!(calls(&at2, |_| true), (true, vec![0, 1]));
    assert_eq!(calls(&at2, |_| false), (false, vec![0, 1, 2]));
    let e = r("a and b or c", &["a", "b", "c"]);
    assert_eq!(e, "Or([And([Sel(0), Sel(1)]), Sel(2)])");
    let e = Expr::Or(vec![
        Expr::And(vec![Expr::Sel(0), Expr::Sel(1)]),
        Expr::Sel(2),
    ]);
    assert_eq!(calls(&e, |i| i != 0), (true, vec![0, 2]));
}

#[test]
fn selections_sorted_dedup() {
    let e =
        parse("c or (a and not c) or 1 of b*").and_then(|c| resolve(&c, &["a", "b1", "c", "b2"]));
    assert_eq!(e.map(|e| e.selections()), Ok(vec![0, 1, 2, 3]));
    let dup = Expr::AtLeast(3, vec![Expr::Sel(4), Expr::Sel(4)]);
    assert_eq!(dup.selections(), vec![4]);
}

/// Reference expression for the property tests; `Of(q, t)`: q 0 = any, 1 = all, n = n of.
#[derive(Debug, Clone)]
enum Gen {
    Sel(usize),
    Not(Box<Gen>),
    And(Vec<Gen>),
    Or(Vec<Gen>),
    Of(u8, usize),
}

const NAMES: [&str; 5] = ["sel_a", "sel.b", "filter-1", "filter_2", "_aux"];
/// `of` targets with the selections they must cover.
const TARGETS: [(&str, &[usize]); 5] = [
    ("sel*", &[0, 1]),
    ("filter*", &[2, 3]),
    ("them", &[0, 1, 2, 3]),
    ("*", &[0, 1, 2, 3, 4]),
    ("*b", &[1]),
];

fn gen_strategy() -> impl Strategy<Value = Gen> {
    let leaf = prop_oneof![
        (0..NAMES.len()).prop_map(Gen::Sel),
        (0u8..4, 0..TARGETS.len()).prop_map(|(q, t)| Gen::Of(q, t)),
    ];
    leaf.prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|g| Gen::Not(Box::new(g))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Gen::And),
            prop::collection::vec(inner, 2..4).prop_map(Gen::Or),
        ]
    })
}

fn gen_eval(g: &Gen, m: u32) -> bool {
    match g {
        Gen::Sel(i) => m >> i & 1 == 1,
        Gen::Not(g) => !gen_eval(g, m),
        Gen::And(v) => v.iter().all(|g| gen_eval(g, m)),
        Gen::Or(v) => v.iter().any(|g| gen_eval(g, m)),
        Gen::Of(q, t) => {
            let hits = TARGETS[*t].1.iter().filter(|&&i| m >> i & 1 == 1).count();
            let need = [1, TARGETS[*t].1.len()].get(*q as usize).copied();
            hits >= need.unwrap_or(*q as usize)
        }
    }
}

/// Prints with minimal parentheses (precedence: or 1, and 2, not/atom 3).
fn gen_print(g: &Gen, min_prec: u8, upper: bool) -> String {
    let kw = |k: &str| [k.to_string(), k.to_uppercase()][upper as usize].clone();
    let join = |v: &[Gen], prec, op| {
        let parts: Vec<String> = v.iter().map(|g| gen_print(g, prec, upper)).collect();
        parts.join(&format!(" {} ", kw(op)))
    };
    let (prec, s) = match g {
        Gen::Sel(i) => (3, NAMES[*i].to_string()),
        Gen::Of(q, t) => {
            let q = [kw("any"), kw("all")]
                .get(*q as usize)
                .cloned()
                .unwrap_or(q.to_string());
            (3, format!("{q} {} {}", kw("of"), TARGETS[*t].0))
        }
        Gen::Not(g) => (3, format!("{} {}", kw("not"), gen_print(g, 3, upper))),
        Gen::And(v) => (2, join(v, 3, "and")),
        Gen::Or(v) => (1, join(v, 2, "or")),
    };
    if prec < min_prec {
        format!("({s})")
    } else {
        s
    }
}

proptest! {
    #[test]
    fn printed_expressions_round_trip(g in gen_strategy(), upper in any::<bool>()) {
        let text = gen_print(&g, 0, upper);
        let expr = parse(&text).and_then(|c| resolve(&c, &NAMES));
        let expr = expr.map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        for m in 0..1u32 << NAMES.len() {
            prop_assert_eq!(expr.eval(&mut |i| m >> i & 1 == 1), gen_eval(&g, m), "{} at {:05b}", text, m);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,60}", names in prop::collection::vec("[a-c_*]{0,3}", 0..5)) {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        if let Ok(c) = parse(&s) {
            let _ = resolve(&c, &names);
        }
    }

    #[test]
    fn token_soup_never_panics(
        toks in prop::collection::vec(prop::sample::select(vec![
            "(", ")", "and", "OR", "not", "of", "them", "all", "any", "0", "1", "3",
            "a", "b*", "_c", "*", "|", "near", "é", " ", "\t",
        ]), 0..24),
        names in prop::collection::vec(prop::sample::select(vec!["a", "b1", "_c", "bb", "*"]), 0..4),
    ) {
        let text = toks.join(" ");
        match parse(&text) {
            Ok(c) => if let Ok(e) = resolve(&c, &names) {
                let _ = e.eval(&mut |i| i % 2 == 0);
                prop_assert!(e.selections().iter().all(|&i| i < names.len()));
            },
            Err(e) => prop_assert!((1..=text.chars().count() + 1).contains(&e.column), "{:?} {}", text, e),
        }
    }
}
