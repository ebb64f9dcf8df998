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
  from_disk "$RAWKUBE"
}

# from_disk FILE...: flushes the files and drops them from the page cache, so the next run
# reads them from disk, as after a reboot. How a binary came into the page cache changes how
# fast it starts: `rawkube get pods` took 2.5-2.7 ms when the cache held it from a `cp` (as
# `cargo install` copies it) and 3.3-3.6 ms when it came from the linker or from the disk,
# nearly all of it system time (hyperfine, 300 runs each); kubectl's static binary showed no
# difference. Every rawkube measured starts from the disk, the state kubectl's are in.
from_disk() {
  python3 - "$@" <<'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
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

# start_nginx DIR WWW [HTTP_CONF [SERVER_CONF]]: nginx (two workers) serving the files under
# WWW over TLS on a free port, configured and logging in DIR; HTTP_CONF and SERVER_CONF are
# added to its http and server blocks. Its certificate (for 127.0.0.1) is signed by a CA of
# its own, DIR/ca.crt, so clients that verify it (rustls) trust that. Sets NGINX_URL.
start_nginx() {
  local dir=$1 www=$2
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench-ca \
    -days 1 -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE \
    -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -days 1 -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  # Clients keep their connections (nginx would close one after 1,000 requests).
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir;
  uwsgi_temp_path $dir; scgi_temp_path $dir;
  ${3:-}
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $dir/cert.pem;
    ssl_certificate_key $dir/key.pem;
    root $www;
    default_type application/json;
    ${4:-}
  }
}
CONF
  # nginx's workers drop root privileges: they must be able to read the files.
  chmod a+x "$WORK"
  chmod -R a+rX "$www"
  nginx -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' &
  PIDS+=($!)
  NGINX_URL=https://127.0.0.1:$port
  for _ in $(seq 50); do
    curl -s --cacert "$dir/ca.crt" "$NGINX_URL/" -o /dev/null && break
    sleep 0.1
  done
}
