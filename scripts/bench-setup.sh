#!/usr/bin/env bash
# Wall time of `rawkube setup NAME` against mock-apiserver, side by side with the
# tutorial's Step 9 script run with the real kubectl against the same mock.
#
# Re-runnable; not a test. A `date +%s%N` loop (hyperfine cannot give each run its own
# fresh ServiceAccount name).
# Each measured run uses a fresh ServiceAccount name, so every run does the full work
# (nothing already exists). Every kubectl call gets a fresh --cache-dir, so discovery is
# fetched each time, as the integration tests do. Extra arguments go to mock-apiserver.
#
#   scripts/bench-setup.sh            # 10 runs each
#   RUNS=20 scripts/bench-setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"

cargo build --quiet --release --bin rawkube -p rawkube
cargo build --quiet --release --bin mock-apiserver -p mock-apiserver
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
RAWKUBE="$target_dir/release/rawkube"
MOCK="$target_dir/release/mock-apiserver"

work="$(mktemp -d)"
mock_pid=""
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
"$MOCK" --listen "127.0.0.1:$port" --kubeconfig-out "$work/admin.kubeconfig" "$@" >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 100); do [ -s "$work/admin.kubeconfig" ] && break; sleep 0.05; done
[ -s "$work/admin.kubeconfig" ] || { echo "mock-apiserver did not start:" >&2; cat "$work/mock.log" >&2; exit 1; }

# kubectl shim for the script: a fresh HOME (and so a fresh discovery cache) per run.
mkdir -p "$work/bin"
cat >"$work/bin/kubectl" <<SHIM
#!/usr/bin/env bash
exec "$(command -v kubectl)" --cache-dir "\$BENCH_CACHE" "\$@"
SHIM
chmod +x "$work/bin/kubectl"

run_rawkube() {   # $1 = run number
  cp "$work/admin.kubeconfig" "$work/r$1.kubeconfig"
  "$RAWKUBE" --kubeconfig "$work/r$1.kubeconfig" setup "bench-r$1" --token-mode request >/dev/null
}
run_kubectl() {   # $1 = run number
  cp "$work/admin.kubeconfig" "$work/k$1.kubeconfig"
  BENCH_CACHE="$(mktemp -d -p "$work")" KUBECONFIG="$work/k$1.kubeconfig" PATH="$work/bin:$PATH" \
    bash tests/fixtures/tutorial-step9.sh "bench-k$1" </dev/null >/dev/null 2>&1 || true
}

measure() {   # $1 = function
  local total=0 min="" max=0
  for i in $(seq 1 "$RUNS"); do
    local t0 t1 ms
    t0=$(date +%s%N); "$1" "$i"; t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    total=$((total + ms))
    if [ -z "$min" ] || [ "$ms" -lt "$min" ]; then min=$ms; fi
    if [ "$ms" -gt "$max" ]; then max=$ms; fi
  done
  printf '%-32s mean %5d ms   min %5d ms   max %5d ms   (%d runs)\n' "$1" $((total / RUNS)) "$min" "$max" "$RUNS"
}
measure run_rawkube
measure run_kubectl
