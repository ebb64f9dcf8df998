#!/usr/bin/env bash
# `rawkube setup NAME` against mock-apiserver in 1.23 mode (legacy token Secrets, so the
# tutorial's Step 9 script runs every step for real), side by side with that script
# (tests/fixtures/tutorial-step9.sh) run with kubectl and with rawkube in kubectl's place.
# Every run uses a fresh copy of the admin kubeconfig and a new ServiceAccount name.
# Wall time by hyperfine; a measurement, not a test.
#
# This machine's speed drifts within minutes by more than the margins measured, so the rows
# run in ROUNDS rounds (each row RUNS times per round, the order reversed every other round),
# and ratios are taken between rows of the same round: the median of those is the result.
#
#   scripts/bench-setup.sh                    # 3 rounds of 10 runs each
#   ROUNDS=5 RUNS=20 scripts/bench-setup.sh
#   OTHER=/tmp/rawkube-before scripts/bench-setup.sh
#       # A/B: also that rawkube binary's setup and script rows (e.g. a build of another commit)
# Needs: hyperfine, python3; kubectl for the kubectl rows.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
need hyperfine python3
RUNS=${RUNS:-10}
ROUNDS=${ROUNDS:-3}
start_tutorial_mock

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

# The rows: NAMES[i] is measured by CMDS[i].
NAMES=("rawkube setup" "Step 9 script, rawkube as kubectl")
CMDS=("$RAWKUBE --kubeconfig $RUN setup $NAME >/dev/null" "$(script_with "$WORK/with-rawkube")")
if [ -n "${OTHER:-}" ]; then
  from_disk "$OTHER"
  mkdir -p "$WORK/with-other"
  ln -s "$(realpath "$OTHER")" "$WORK/with-other/kubectl"
  NAMES+=("rawkube setup (OTHER)" "Step 9 script, OTHER rawkube as kubectl")
  CMDS+=("$WORK/with-other/kubectl --kubeconfig $RUN setup $NAME >/dev/null" "$(script_with "$WORK/with-other")")
fi
if command -v kubectl >/dev/null; then
  REAL=$(command -v kubectl)
  # As the project's tests run kubectl: a fresh --cache-dir per call (full discovery each time).
  shim "$WORK/kubectl-fresh" "$REAL --cache-dir \"\$(mktemp -d $WORK/kc.XXXXXX)\""
  # And kubectl's everyday case: one warm cache (~/.kube/cache) for every call.
  shim "$WORK/kubectl-warm" "$REAL --cache-dir $WORK/kubectl-cache"
  NAMES+=("Step 9 script, kubectl (fresh cache per call)" "Step 9 script, kubectl (warm cache)")
  CMDS+=("$(script_with "$WORK/kubectl-fresh")" "$(script_with "$WORK/kubectl-warm")")
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

for round in $(seq "$ROUNDS"); do
  order=$(seq 0 $((${#NAMES[@]} - 1)))
  ((round % 2)) || order=$(tac <<<"$order")
  args=()
  for i in $order; do
    args+=(--prepare "$PREP" --command-name "${NAMES[$i]}" "${CMDS[$i]}")
  done
  echo "# round $round of $ROUNDS" >&2
  hyperfine --shell=bash --warmup 2 --runs "$RUNS" --style none \
    --export-json "$WORK/round$round.json" "${args[@]}" >/dev/null
done

python3 - "$WORK" "$ROUNDS" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
rows = {}  # name -> one median (ms) per round
for r in range(1, rounds + 1):
    for x in json.load(open(f"{work}/round{r}.json"))["results"]:
        rows.setdefault(x["command"], []).append(x["median"] * 1000)
med = statistics.median
print(f"median wall time of each round, ms ({rounds} rounds):")
for name, ms in rows.items():
    print(f"  {' '.join(f'{v:6.1f}' for v in ms)}   (median {med(ms):6.1f})  {name}")

def ratios(num, den):
    return [a / b for a, b in zip(rows[num], rows[den])]

def show(label, rs, digits=1):
    print(f"  {label}: {med(rs):5.{digits}f}x  (rounds: {', '.join(f'{v:.{digits}f}' for v in rs)})")

print("ratios within each round:")
for k in [n for n in rows if n.startswith("Step 9 script, kubectl")]:
    show(f"{k} / 'rawkube setup'", ratios(k, "rawkube setup"))
    show(f"{k} / the script with rawkube", ratios(k, "Step 9 script, rawkube as kubectl"))
if "rawkube setup (OTHER)" in rows:
    show("'rawkube setup', this build / OTHER", ratios("rawkube setup", "rawkube setup (OTHER)"), 3)
    show("the script with rawkube, this build / OTHER",
         ratios("Step 9 script, rawkube as kubectl", "Step 9 script, OTHER rawkube as kubectl"), 3)
PY
