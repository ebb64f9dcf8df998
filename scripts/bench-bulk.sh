#!/usr/bin/env bash
# Per-account time of `rawkube setup -f` (N accounts from one manifest) against a loop of
# `kubectl create sa` + `kubectl create rolebinding` (K accounts), both against the same
# mock-apiserver. A measurement, not a test; re-runnable.
#
# rawkube does more per account than the kubectl loop: ServiceAccount, TokenRequest,
# Role, RoleBinding and a kubeconfig user + context; the loop makes a ServiceAccount and
# a RoleBinding (to the existing ClusterRole view) only. The loop's kubectl calls share
# one --cache-dir, as a user's loop shares ~/.kube/cache, which favours kubectl.
#
#   scripts/bench-bulk.sh                 # N=1000 rawkube accounts, K=20 kubectl accounts
#   N=2000 K=50 scripts/bench-bulk.sh
#   PROFILE=debug scripts/bench-bulk.sh   # quicker to build, slower to run
#
# Run it under the shared cargo lock on a shared machine:
#   flock /tmp/cargo.lock nice -n 10 scripts/bench-bulk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-1000}"
K="${K:-20}"
PROFILE="${PROFILE:-release}"
if [ "$PROFILE" = release ]; then
  cargo build --quiet --release -p rawkube --bin rawkube && cargo build --quiet --release -p mock-apiserver --bin mock-apiserver
else
  cargo build --quiet -p rawkube --bin rawkube && cargo build --quiet -p mock-apiserver --bin mock-apiserver
fi
BIN="$PWD/target/$PROFILE"

tmp="$(mktemp -d)"
mock_pid=""
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$BIN/mock-apiserver" --listen 127.0.0.1:0 --kubeconfig-out "$tmp/admin.kubeconfig" \
  >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on' "$tmp/mock.out" 2>/dev/null && break
  sleep 0.1
done
grep -q '^listening on' "$tmp/mock.out" || { cat "$tmp/mock.err"; exit 1; }

now() { date +%s.%N; }
per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", t * 1000 / n }'; }

{
  echo "accounts:"
  for i in $(seq "$N"); do
    printf -- '- name: bulk-%d\n  verbs: [get, list]\n  resources: [pods]\n' "$i"
  done
} >"$tmp/accounts.yaml"

export KUBECONFIG="$tmp/admin.kubeconfig"
t0="$(now)"
"$BIN/rawkube" setup -f "$tmp/accounts.yaml" >"$tmp/setup.out"
t1="$(now)"
"$BIN/rawkube" setup -f "$tmp/accounts.yaml" >"$tmp/rerun.out"
t2="$(now)"
"$BIN/rawkube" teardown -f "$tmp/accounts.yaml" >"$tmp/teardown.out"
t3="$(now)"
tail -n 1 "$tmp/setup.out"
tail -n 1 "$tmp/rerun.out"

cache="$tmp/kubectl-cache"
t4="$(now)"
for i in $(seq "$K"); do
  kubectl --cache-dir "$cache" create sa "loop-$i" >/dev/null
  kubectl --cache-dir "$cache" create rolebinding "loop-$i" --clusterrole=view \
    --serviceaccount="default:loop-$i" >/dev/null
done
t5="$(now)"

setup_s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
rerun_s="$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')"
teardown_s="$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')"
loop_s="$(awk -v a="$t4" -v b="$t5" 'BEGIN { print b - a }')"
rawkube_ms="$(per "$setup_s" "$N")"
kubectl_ms="$(per "$loop_s" "$K")"
printf '%-58s %8s ms per account (%d accounts, %.2f s)\n' \
  "rawkube setup -f (SA, token, Role, RoleBinding, kubeconfig)" "$rawkube_ms" "$N" "$setup_s"
printf '%-58s %8s ms per account (%d accounts, %.2f s)\n' \
  "rawkube setup -f, converged re-run (reads only)" "$(per "$rerun_s" "$N")" "$N" "$rerun_s"
printf '%-58s %8s ms per account (%d accounts, %.2f s)\n' \
  "rawkube teardown -f" "$(per "$teardown_s" "$N")" "$N" "$teardown_s"
printf '%-58s %8s ms per account (%d accounts, %.2f s)\n' \
  "kubectl create sa + create rolebinding (loop)" "$kubectl_ms" "$K" "$loop_s"
awk -v r="$rawkube_ms" -v k="$kubectl_ms" 'BEGIN { printf "rawkube is %.0fx faster per account\n", k / r }'
