#!/usr/bin/env bash
# `rawkube setup NAME` against mock-apiserver in 1.23 mode (legacy token Secrets, so the
# tutorial's Step 9 script runs every step for real), side by side with that script
# (tests/fixtures/tutorial-step9.sh) run with kubectl and with rawkube in kubectl's place.
# Every run uses a fresh copy of the admin kubeconfig and a new ServiceAccount name.
# Wall time by hyperfine; a measurement, not a test.
#
#   scripts/bench-setup.sh            # 10 runs each
#   RUNS=20 scripts/bench-setup.sh
# Needs: hyperfine, python3; kubectl for the kubectl rows.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
need hyperfine python3
RUNS=${RUNS:-10}
build
start_mock m --server-version v1.23.1 --legacy-token-secrets
SCRIPT=$ROOT/tests/fixtures/tutorial-step9.sh
RUN=$WORK/run.kubeconfig
PREP="cp $m_KC $RUN"
NAME='s$RANDOM$RANDOM'

# The script calls `kubectl`: put it first on PATH. rawkube takes kubectl's place as a
# symlink named kubectl (as `ln -s "$(command -v rawkube)" ~/bin/kubectl` would); kubectl
# itself goes through a small sh shim that adds --cache-dir, about 0.6 ms a call.
shim() { # shim DIR COMMAND...
  mkdir -p "$1"
  printf '#!/bin/sh\nexec %s "$@"\n' "$2" >"$1/kubectl"
  chmod +x "$1/kubectl"
}
mkdir -p "$WORK/with-rawkube"
ln -s "$RAWKUBE" "$WORK/with-rawkube/kubectl"
script_with() { echo "KUBECONFIG=$RUN PATH=$1:\$PATH bash $SCRIPT $NAME </dev/null >/dev/null 2>&1"; }

args=(--prepare "$PREP" --command-name "rawkube setup" "$RAWKUBE --kubeconfig $RUN setup $NAME >/dev/null"
      --prepare "$PREP" --command-name "Step 9 script, rawkube as kubectl" "$(script_with "$WORK/with-rawkube")")
if command -v kubectl >/dev/null; then
  REAL=$(command -v kubectl)
  # As the project's tests run kubectl: a fresh --cache-dir per call (full discovery each time).
  shim "$WORK/kubectl-fresh" "$REAL --cache-dir \"\$(mktemp -d $WORK/kc.XXXXXX)\""
  # And kubectl's everyday case: one warm cache (~/.kube/cache) for every call.
  shim "$WORK/kubectl-warm" "$REAL --cache-dir $WORK/kubectl-cache"
  args+=(--prepare "$PREP" --command-name "Step 9 script, kubectl (fresh cache per call)" "$(script_with "$WORK/kubectl-fresh")"
         --prepare "$PREP" --command-name "Step 9 script, kubectl (warm cache)" "$(script_with "$WORK/kubectl-warm")")
fi

# One checked run of each first: the script must end in the tutorial's "No resources found".
for dir in "$WORK/with-rawkube" ${REAL:+"$WORK/kubectl-warm"}; do
  cp "$m_KC" "$RUN"
  out=$(KUBECONFIG=$RUN PATH=$dir:$PATH bash "$SCRIPT" check$RANDOM </dev/null 2>&1)
  grep -q 'No resources found in default namespace.' <<<"$out" || { echo "$out" >&2; exit 1; }
done
cp "$m_KC" "$RUN"
"$RAWKUBE" --kubeconfig "$RUN" setup check-setup >/dev/null
requests_sent m >/dev/null
cp "$m_KC" "$RUN"
"$RAWKUBE" --kubeconfig "$RUN" setup counted >/dev/null
echo "requests sent by one 'rawkube setup' (journal): $(requests_sent m)"

hyperfine --shell=bash --warmup 2 --runs "$RUNS" --export-json "$WORK/setup.json" "${args[@]}"
echo
hyperfine_summary "$WORK/setup.json"
python3 - "$WORK/setup.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
setup = r["rawkube setup"]
raw_script = r["Step 9 script, rawkube as kubectl"]
for name, t in r.items():
    if name.startswith("Step 9 script, kubectl"):
        print(f"{name}: {t/setup:5.1f}x 'rawkube setup', {t/raw_script:5.1f}x the script with rawkube")
PY
