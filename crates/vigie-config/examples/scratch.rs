fn main() {
    let env = |n: &str| (n == "X").then(|| "xval".to_string());
    let cases = [
        "server: 5\nlog: [1]\n",
        "server:\n  listen: [1,2]\n  data_dir: {a: 1}\n",
        "auth:\n  tokens: shipper\n",
        "auth:\n  tokens:\n    - name: a\n      token: 0123456789abcdef\n      scopes: ingest\n",
        "ingest:\n  max_depth: 99999999999\n  queue_capacity: -1\n  max_body_bytes: -5\n  datasets:\n    - name: x\n      timestamp_field: 5\n",
        "log:\n  level: loud\n  format: 7\n",
        "ingest:\n  max_depth: 1.5\n",
        "a: &x {b: 1}\nserver: *x\n",
        "\t- bad\n",
        "server:\n  listen: \"1.2.3.4:5\"\n   data_dir: x\n",
        "server:\n  shutdown_timeout: 30\n",
        "auth:\n  tokens:\n    - {name: a, token_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, scopes: [read, read]}\n",
        "ingest:\n  datasets:\n    - name: ok\n      timestamp_field: [a, '', b.]\n",
        "\u{feff}server:\n  listen: 1.2.3.4:5\r\n",
        "? [a]\n: 1\n",
        "server:\n  listen: [::1]:9190\n",
        "server:\n  listen: [::1]\n",
        "server:\n  listen: 9190\n",
        "server:\n  listen: ${X}\n",
        "server:\n  listen: '[::1]:9190'\n",
    ];
    for c in cases {
        println!("--- {c:?}");
        match vigie_config::Config::from_yaml(c, "v.yaml", &env) {
            Ok(cfg) => println!("OK {:?}", cfg.server),
            Err(e) => println!("{e}"),
        }
    }
}
