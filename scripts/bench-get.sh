#!/usr/bin/env bash
# `get pods` against one mock-apiserver, three ways: rawkube, kubectl (with a fresh and with a
# warm discovery cache), and curl sending the same single request. Wall time by hyperfine,
# plus how many requests each sent (the mock's journal). A measurement, not a test.
#
#   scripts/bench-get.sh              # 30 runs each
#   RUNS=100 scripts/bench-get.sh
# Needs: hyperfine, curl, python3; kubectl is optional.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
need hyperfine curl python3
RUNS=${RUNS:-30}
build
start_mock m
D=$WORK/m
ACCEPT='application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'
CURL="curl -s -o /dev/null --cacert $D/ca.crt --cert $D/client.crt --key $D/client.key -H 'Accept: $ACCEPT' '$m_URL/api/v1/namespaces/default/pods?limit=500'"
RAW="$RAWKUBE --kubeconfig $m_KC --cache-dir $D/rawkube-cache get pods"
cmds=("$RAW" "$CURL")
labels=("rawkube get pods" "curl")
if command -v kubectl >/dev/null; then
  KCOLD="kubectl --kubeconfig $m_KC --cache-dir $D/kubectl-cold get pods"
  KWARM="kubectl --kubeconfig $m_KC --cache-dir $D/kubectl-warm get pods"
  cmds+=("$KCOLD" "$KWARM")
  labels+=("kubectl get pods, fresh cache" "kubectl get pods, warm cache")
fi

# The warm kubectl cache is filled first; the cold one is emptied before every timed run.
[ -n "${KWARM:-}" ] && sh -c "$KWARM" >/dev/null 2>&1
requests_sent m >/dev/null
echo "requests sent by one run (the mock's journal):"
for i in "${!cmds[@]}"; do
  rm -rf "$D/kubectl-cold"
  sh -c "${cmds[$i]}" >/dev/null 2>&1
  printf '  %-30s %s\n' "${labels[$i]}" "$(requests_sent m)"
done

args=(--prepare true --command-name "rawkube get pods" "$RAW"
      --prepare true --command-name "curl, the same request" "$CURL")
if [ -n "${KCOLD:-}" ]; then
  args+=(--prepare "rm -rf $D/kubectl-cold" --command-name "kubectl get pods, fresh cache" "$KCOLD"
         --prepare true --command-name "kubectl get pods, warm cache" "$KWARM")
fi
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/get.json" "${args[@]}"
echo
hyperfine_summary "$WORK/get.json"
