//! Field names of generic Sigma categories (proxy and web server logs in
//! W3C names, firewall and DNS logs) and where each dataset keeps them.
//!
//! A rule's field is looked up under its own name first; only when the
//! event has no such field are the dataset's aliases tried, in order, the
//! first one present winning.

/// Field names of generic Sigma categories (W3C proxy names, firewall
/// names) and where a dataset keeps them: its own name first, then the
/// ECS field the normalizer sets.
pub type Aliases = &'static [(&'static str, &'static [&'static str])];

const ZEEK_HTTP_PROXY: Aliases = &[
    ("c-uri", &["uri", "url.original"]),
    ("cs-uri", &["uri", "url.original"]),
    ("cs-host", &["host", "url.domain"]),
    ("r-dns", &["host", "url.domain"]),
    ("c-useragent", &["user_agent", "user_agent.original"]),
    ("cs-method", &["method", "http.request.method"]),
    ("sc-status", &["status_code", "http.response.status_code"]),
    ("cs-referrer", &["referrer", "http.request.referrer"]),
    ("cs-referer", &["referrer", "http.request.referrer"]),
    ("cs-user-agent", &["user_agent", "user_agent.original"]),
    ("cs-uri-stem", &["uri", "url.path"]),
    ("cs-uri-query", &["uri", "url.query"]),
    ("c-ip", &["id.orig_h", "source.ip"]),
    ("dst_ip", &["id.resp_h", "destination.ip"]),
];

/// Suricata EVE: W3C names for `http` records, the DNS category's names
/// for `dns` records (EVE format 2: `dns.rrname`, and format 3:
/// `dns.queries[].rrname`; answers in `dns.answers[]` or `dns.grouped`).
/// As in the sigmac Zeek mapping, `cs-uri-stem` and `cs-uri-query` both
/// read the whole request target: a query string or path test then looks
/// at both, and may fire where an exact split would not.
const SURICATA: Aliases = &[
    ("c-uri", &["http.url"]),
    ("cs-uri", &["http.url"]),
    ("cs-uri-stem", &["http.url"]),
    ("cs-uri-query", &["http.url"]),
    ("cs-host", &["http.hostname"]),
    ("r-dns", &["http.hostname"]),
    ("c-useragent", &["http.http_user_agent"]),
    ("cs-user-agent", &["http.http_user_agent"]),
    ("cs-method", &["http.http_method"]),
    ("sc-status", &["http.status"]),
    ("cs-referer", &["http.http_refer"]),
    ("cs-referrer", &["http.http_refer"]),
    ("c-ip", &["src_ip", "source.ip"]),
    ("dst_ip", &["dest_ip", "destination.ip"]),
    ("src_ip", &["src_ip", "source.ip"]),
    (
        "query",
        &["dns.rrname", "dns.queries.rrname", "dns.question.name"],
    ),
    ("record_type", &["dns.rrtype", "dns.queries.rrtype"]),
    ("answer", &["dns.answers.rdata", "dns.rdata"]),
];

const VPCFLOW_FIREWALL: Aliases = &[
    ("src_ip", &["source.ip", "source.address"]),
    ("dst_ip", &["destination.ip", "destination.address"]),
    ("src_port", &["source.port"]),
    ("dst_port", &["destination.port"]),
    ("action", &["aws.vpcflow.action"]),
];

/// The field aliases of `dataset`, for rules of generic categories.
pub fn field_aliases(dataset: &str) -> Aliases {
    match dataset {
        "zeek.http" => ZEEK_HTTP_PROXY,
        "suricata.eve" => SURICATA,
        "aws.vpcflow" => VPCFLOW_FIREWALL,
        _ => &[],
    }
}
