# Shared by the scripts/bench-*.sh measurements (sourced, not run). Builds the release
# binaries, starts mock-apiserver as its own process, and cleans up on exit.
# shellcheck shell=bash

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
RAWKUBE=$ROOT/target/release/rawkube
MOCK=$ROOT/target/release/mock-apiserver
# BENCH_TMP=/dev/shm keeps kubeconfigs on tmpfs: shows what disk flushes (fsync) cost.
WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/rawkube-bench.XXXXXX")
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "needs $tool (Debian: apt-get install -y $tool)" >&2
      exit 1
    }
  done
}

build() {
  echo "# building release binaries" >&2
  cargo build --release -q -p rawkube -p mock-apiserver --bins
}

# start_mock NAME [mock-apiserver flags...]: starts a mock on a free port; sets
# <NAME>_URL, <NAME>_PID, <NAME>_KC (admin kubeconfig) and writes the admin's TLS files
# $WORK/<NAME>/{ca.crt,client.crt,client.key} for curl and wrk.
start_mock() {
  local name=$1
  shift
  local dir=$WORK/$name
  mkdir -p "$dir"
  "$MOCK" --listen 127.0.0.1:0 --kubeconfig-out "$dir/admin.kubeconfig" "$@" >"$dir/out" 2>"$dir/err" &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 100); do
    grep -q '^listening on ' "$dir/out" 2>/dev/null && break
    sleep 0.05
  done
  local url
  url=$(sed -n 's/^listening on //p' "$dir/out" | head -1)
  [ -n "$url" ] || { cat "$dir/err" >&2; exit 1; }
  local kc=$dir/admin.kubeconfig
  local view=("$RAWKUBE" --kubeconfig "$kc" config view --minify --raw -o)
  "${view[@]}" 'jsonpath={.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$dir/ca.crt"
  "${view[@]}" 'jsonpath={.users[0].user.client-certificate-data}' | base64 -d >"$dir/client.crt"
  (umask 077; "${view[@]}" 'jsonpath={.users[0].user.client-key-data}' | base64 -d >"$dir/client.key")
  printf -v "${name}_URL" '%s' "$url"
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_KC" '%s' "$kc"
}

# start_tutorial_mock: builds, starts mock `m` in 1.23 mode (legacy token Secrets, so the
# tutorial's Step 9 script runs every step for real) and sets what the setup benchmarks share:
# SCRIPT (the Step 9 script), RUN (the kubeconfig each run uses), PREP (hyperfine --prepare:
# a fresh copy of the admin kubeconfig) and NAME (a new account name per run, expanded by the
# benchmark's shell).
start_tutorial_mock() {
  build
  start_mock m --server-version v1.23.1 --legacy-token-secrets
  SCRIPT=$ROOT/tests/fixtures/tutorial-step9.sh
  RUN=$WORK/run.kubeconfig
  PREP="cp $m_KC $RUN"
  NAME='s$RANDOM$RANDOM'
}

# admin_curl NAME ARGS...: curl as the mock's admin.
admin_curl() {
  local dir=$WORK/$1
  shift
  curl -s --cacert "$dir/ca.crt" --cert "$dir/client.crt" --key "$dir/client.key" "$@"
}

# requests_sent NAME: the requests the mock's journal holds ("N: METHOD /path, ..."), then
# clears it. The journal's own admin requests are left out.
requests_sent() {
  local url_var="${1}_URL"
  admin_curl "$1" "${!url_var}/__admin/requests" | python3 -c '
import json, sys
sent = [e["method"] + " " + e["path"] for e in json.load(sys.stdin) if not e["path"].startswith("/__admin")]
print(f"{len(sent)}: " + ", ".join(sent))'
  admin_curl "$1" -X DELETE "${!url_var}/__admin/requests" >/dev/null
}

# rss_kib PID: resident set size now, and its peak (VmHWM), in KiB.
rss_kib() {
  awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2} END {print ""}' "/proc/$1/status"
}

# hyperfine_summary FILE.json: "command  median ms  mean ± sd ms" lines.
hyperfine_summary() {
  python3 - "$1" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['median']*1000:9.1f} ms median  {r['mean']*1000:9.1f} ± {r['stddev']*1000:5.1f} ms mean  {r['command']}")
PY
}
