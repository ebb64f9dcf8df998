#!/usr/bin/env bash
# Runs one fuzz target on its working corpus (fuzz/work/<target>, seeded from fuzz/corpus/<target>)
# with the bounds FUZZING.md records. Usage: fuzz/run.sh TARGET [RUNS] [MAX_SECONDS]
# Build first (under the shared cargo lock on shared machines): cargo +nightly fuzz build -s none
set -euo pipefail
cd "$(dirname "$0")"
t=$1
runs=${2:-10000000}
secs=${3:-3600}
mkdir -p "work/$t" "artifacts/$t" "corpus/$t"
exec nice -n 15 "target/x86_64-unknown-linux-gnu/release/$t" "work/$t" "corpus/$t" \
  -runs="$runs" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -report_slow_units=1 -max_len=16384 \
  -artifact_prefix="artifacts/$t/" -print_final_stats=1
