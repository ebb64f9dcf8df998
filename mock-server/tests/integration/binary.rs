//! How the `mock-apiserver` binary is built.

/// The default feature `jemalloc` reached the binary: it allocates with jemalloc, not glibc's
/// malloc (README "Benchmarks": a sixth of the runtime workers' CPU went to malloc and free).
#[test]
fn the_binary_allocates_with_jemalloc() {
    let bin = std::fs::read(env!("CARGO_BIN_EXE_mock-apiserver")).unwrap();
    let has = |s: &[u8]| bin.windows(s.len()).any(|w| w == s);
    assert!(
        has(b"_rjem_mallocx"),
        "no jemalloc in the binary: is the mock-apiserver feature `jemalloc` on?"
    );
}
