//! "Did you mean" hints for unknown keys and values, by edit distance.

/// The message for an unknown key or value: the hint (when one candidate is
/// close enough) and the full list of what is accepted.
pub(crate) fn unknown_key_message(what: &str, got: &str, expected: &[&str]) -> String {
    let shown = if what == "key" {
        String::new()
    } else {
        format!(" \"{got}\"")
    };
    let hint = match closest(got, expected) {
        Some(best) => format!("did you mean `{best}`? "),
        None => String::new(),
    };
    format!(
        "unknown {what}{shown} ({hint}expected one of: {})",
        expected.join(", ")
    )
}

/// The candidate closest to `got`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(got: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let got_lower = got.to_lowercase();
    let limit = (got.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (distance(&got_lower, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance in characters counting a swap of two neighbours as one
/// edit (optimal string alignment); inputs are short keys.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        d[at(i, 0)] = i;
    }
    for j in 0..=b.len() {
        d[at(0, j)] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[at(i - 1, j)] + 1)
                .min(d[at(i, j - 1)] + 1)
                .min(d[at(i - 1, j - 1)] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[at(i - 2, j - 2)] + 1);
            }
            d[at(i, j)] = best;
        }
    }
    d[at(a.len(), b.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("listn", "listen"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("jsno", "json"), 1);
        assert_eq!(distance("abc", ""), 3);
    }

    #[test]
    fn hints_only_close_candidates() {
        let fields = ["listen", "data_dir", "shutdown_timeout"];
        assert_eq!(closest("listn", &fields), Some("listen"));
        assert_eq!(closest("DataDir", &fields), Some("data_dir"));
        assert_eq!(closest("zzz", &fields), None);
        assert_eq!(
            unknown_key_message("key", "listn", &fields),
            "unknown key (did you mean `listen`? expected one of: listen, data_dir, \
             shutdown_timeout)"
        );
        assert_eq!(
            unknown_key_message("value", "fly", &["ingest", "read"]),
            "unknown value \"fly\" (expected one of: ingest, read)"
        );
    }
}
