#!/usr/bin/env bash
# Wall time of `rawkube setup NAME` against mock-apiserver, side by side with the
# tutorial's Step 9 script run with the real kubectl against the same mock.
#
# Re-runnable; a measurement, not a test. It runs the ignored integration test
# `cli_bench::bench_setup_vs_step9_script` in release mode, which starts the mock
# in-process in 1.23 legacy-token mode (so the script runs every step for real),
# times RUNS `rawkube setup` runs with a fresh ServiceAccount each, RUNS converging
# re-runs, and RUNS runs of tests/fixtures/tutorial-step9.sh with kubectl (a fresh
# --cache-dir per kubectl call).
#
#   scripts/bench-setup.sh            # 10 runs each
#   RUNS=20 scripts/bench-setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export RUNS="${RUNS:-10}"
cargo test --release --test integration -- --ignored --exact --nocapture \
  cli_bench::bench_setup_vs_step9_script 2>&1 | grep -E '^(rawkube|Step 9)|panicked|error'
