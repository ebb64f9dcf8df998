#!/usr/bin/env bash
# Does `rawkube setup` slow down as accounts pile up? Runs BATCHES batches of 100 setups, each
# with a new name, against one mock-apiserver in 1.23 mode, and prints each batch's mean wall
# time per setup. Every setup leaves a ServiceAccount, its token Secret, a Role and a
# RoleBinding in `default`, so batch N runs beside (N-1)*100 of each. A measurement, not a test.
#
#   scripts/bench-setup-growth.sh              # 8 batches (800 setups)
#   BATCHES=20 scripts/bench-setup-growth.sh
#   MOCK=/tmp/mock-apiserver-before scripts/bench-setup-growth.sh   # another mock build
# Needs: python3.
set -euo pipefail
MOCK_FROM_ENV=${MOCK:-}
source "$(dirname "$0")/bench-lib.sh"
need python3
BATCHES=${BATCHES:-8}
MOCK=${MOCK_FROM_ENV:-$MOCK}
start_tutorial_mock
echo "ms per setup, batches of 100 (mock: $MOCK):"
for b in $(seq "$BATCHES"); do
  start=$(date +%s%N)
  for i in $(seq 100); do
    cp "$m_KC" "$RUN"
    "$RAWKUBE" --kubeconfig "$RUN" setup "b$b-$i" >/dev/null
  done
  end=$(date +%s%N)
  python3 -c "print(f'  after {($b-1)*100:5d}: {($end-$start)/100/1e6:6.2f} ms')"
done
echo "mock RSS: $(rss_kib "$m_PID")"
