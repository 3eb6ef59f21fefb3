//! Release binaries on Linux (glibc) store their relative relocations packed (DT_RELR, linker
//! option `-z pack-relative-relocs`): about 55 000 pointers into the binary's own tables, which
//! the loader otherwise reads from a 1.3 MB table at every start (docs/PERFORMANCE.md §0). The
//! binary stays position-independent. Used only when a probe program built with the option
//! links without warnings and runs here: GNU ld before 2.38 does not know the option, and a
//! glibc before 2.36 refuses to load such a binary.

use std::path::Path;
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let native = var("TARGET") == var("HOST");
    if var("PROFILE") != "release" || !native || !var("TARGET").ends_with("-linux-gnu") {
        return;
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    if packs_relocations(Path::new(&out)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the C compiler Rust links with (`cc`) builds a PIE with packed relocations that
/// this machine's loader runs.
fn packs_relocations(out: &Path) -> bool {
    let source = out.join("relr-probe.c");
    let program = out.join("relr-probe");
    // A pointer in initialised data, so that there is a relative relocation to pack.
    let text = "static const char *p = \"x\";\nint main(void) { return p[0] == 'x' ? 0 : 1; }\n";
    if std::fs::write(&source, text).is_err() {
        return false;
    }
    let linked = Command::new("cc")
        .args([
            "-fPIE",
            "-pie",
            "-Wl,-z,pack-relative-relocs",
            "-Wl,--fatal-warnings",
        ])
        .arg(&source)
        .arg("-o")
        .arg(&program)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    linked
        && Command::new(&program)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
}
