#!/usr/bin/env bash
# The tutorial scenario against a real Kubernetes cluster made with kind.
#
# Needs Docker, kind and cargo (kubectl is optional: the test uses it when present).
# It creates a throw-away cluster, runs the real-cluster integration test
# (tests/integration/cli_setup.rs: tutorial_scenario_against_a_real_cluster) with
# RAWKUBE_TEST_KUBECONFIG pointing at the cluster's admin kubeconfig, and deletes the
# cluster again (keep it with KEEP_CLUSTER=1). It cannot run on machines without Docker.
#
#   scripts/kind-e2e.sh                    # kind's default node image
#   KIND_IMAGE=kindest/node:v1.23.17 scripts/kind-e2e.sh   # a 1.23 cluster: legacy token Secrets
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER="${CLUSTER:-rawkube-e2e}"
for tool in docker kind cargo; do
  command -v "$tool" >/dev/null 2>&1 || { echo "kind-e2e: $tool is required" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "kind-e2e: the Docker daemon is not reachable" >&2; exit 1; }

workdir="$(mktemp -d)"
kubeconfig="$workdir/kubeconfig"
cleanup() {
  if [ "${KEEP_CLUSTER:-0}" != 1 ]; then
    kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

image_args=()
if [ -n "${KIND_IMAGE:-}" ]; then image_args=(--image "$KIND_IMAGE"); fi
kind create cluster --name "$CLUSTER" --kubeconfig "$kubeconfig" --wait 120s "${image_args[@]}"

# rawkube against the cluster by hand first (prints the whole narrated setup).
cargo run --quiet -- --kubeconfig "$kubeconfig" setup kind-e2e-manual
cargo run --quiet -- --kubeconfig "$kubeconfig" --context kind-e2e-manual get pods
cargo run --quiet -- --kubeconfig "$kubeconfig" teardown kind-e2e-manual

# The integration test (it copies the kubeconfig, so the file above is untouched).
RAWKUBE_TEST_KUBECONFIG="$kubeconfig" cargo test --test integration -- --ignored --exact \
  cli_setup::tutorial_scenario_against_a_real_cluster
