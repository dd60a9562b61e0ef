//! Link options of the `vigie` binary.
//!
//! On Linux the binary's relative relocations are packed (`DT_RELR`): the
//! dynamic loader then reads a table of a few hundred kilobytes at start
//! instead of several megabytes, which is resident memory saved in every
//! process (`vigie alertmanager` included). GNU ld 2.38+ and glibc 2.36+
//! support it; older toolchains can opt out with `VIGIE_NO_RELR=1`.

fn main() {
    println!("cargo:rerun-if-env-changed=VIGIE_NO_RELR");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if linux && std::env::var_os("VIGIE_NO_RELR").is_none() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
