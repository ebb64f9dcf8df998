#!/usr/bin/env bash
# Provisioning N ServiceAccounts against one mock-apiserver, one process per account as a
# shell script would: `rawkube create sa` and `kubectl create sa` (warm discovery cache),
# then the whole tutorial per account (`rawkube setup NAME --kubeconfig-out FILE`: SA,
# token, kubeconfig, Role, RoleBinding, checks). Wall time and peak RSS by /usr/bin/time -v.
# A measurement, not a test.
#
#   scripts/bench-provision.sh            # N=1000
#   N=200 scripts/bench-provision.sh
# Needs: /usr/bin/time (Debian package `time`); kubectl is optional.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
N=${N:-1000}
build
start_mock p

measure() { # LABEL COMMAND (a bash loop)
  /usr/bin/time -v bash -c "$2" 2>"$WORK/time.txt" >/dev/null
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
  python3 - "$1" "$wall" "$rss" "$N" <<'PY'
import sys
label, wall, rss, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
print(f"{label:<52} {secs:7.2f} s  ({secs / n * 1000:6.1f} ms each, peak RSS of one process {rss / 1024:.1f} MB)")
PY
}

echo "$N ServiceAccounts, one process each:"
measure "rawkube create sa" "for i in \$(seq $N); do $RAWKUBE --kubeconfig $p_KC create sa r\$i; done"
if command -v kubectl >/dev/null; then
  kubectl --kubeconfig "$p_KC" --cache-dir "$WORK/kc" get sa >/dev/null
  measure "kubectl create sa (warm cache)" "for i in \$(seq $N); do kubectl --kubeconfig $p_KC --cache-dir $WORK/kc create sa k\$i; done"
fi
mkdir -p "$WORK/out"
measure "rawkube setup --kubeconfig-out (the whole tutorial)" "for i in \$(seq $N); do $RAWKUBE --kubeconfig $p_KC setup s\$i --kubeconfig-out $WORK/out/s\$i; done"
echo "mock-apiserver after: $(rss_kib "$p_PID")"
