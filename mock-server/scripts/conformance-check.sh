#!/usr/bin/env bash
# Cross-check of tests/integration/conformance.rs with the reference tool: starts the
# mock-apiserver binary reporting v1.36.2 and replays ../shared/reference/real-apiserver/
# answers-1.36.json with ../shared/tools/conformance.py (python3 with requests and pyyaml).
# Takes about 20 s: the recorded cases sleep 17 s in all (controllers, the 10 s token cache).
#
# Usage: mock-server/scripts/conformance-check.sh [MOCK_APISERVER_BINARY]
# (default: target/debug/mock-apiserver; build it first with `cargo build -p mock-apiserver`).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
shared="$root/../shared"
bin="${1:-$root/target/debug/mock-apiserver}"
dir="$(mktemp -d)"
"$bin" --listen 127.0.0.1:0 --kubeconfig-out "$dir/m.kubeconfig" --server-version v1.36.2 \
  >"$dir/out" 2>"$dir/err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 200); do
  grep -q '^listening on' "$dir/out" && break
  sleep 0.05
done
grep -q '^listening on' "$dir/out" || { cat "$dir/err" >&2; exit 1; }
python3 "$shared/tools/conformance.py" check "$dir/m.kubeconfig" \
  "$shared/reference/real-apiserver/answers-1.36.json"
