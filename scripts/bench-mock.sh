#!/usr/bin/env bash
# mock-apiserver under load. A measurement, not a test.
#
# 1. Throughput: wrk sends an authenticated (static bearer token, --token-auth-file) and
#    RBAC-checked (a RoleBinding grants the token's user `get serviceaccounts`) GET to the
#    mock, then the same GET to nginx serving the same response bytes over TLS on the same
#    machine. Both keep their connections alive; wrk and the server share the 2 cores.
# 2. Scale: mock-server/examples/scale.rs loads N ConfigMaps into a fresh mock, reads its RSS
#    from /proc, times full lists with and without paging, and measures other clients' GET
#    latency (p50/p99) while large lists run, two ways: four clients sending GETs back to back
#    (a closed loop, which keeps both cores busy on its own) and four sending 250 GETs a second
#    each (an open loop, as wrk2 drives a server). The list client is a process of its own, run
#    three times per kind of list: at normal priority (it then takes its share of the same two
#    cores, parsing 50 MB answers), at nice 19, and in SCHED_IDLE (`chrt --idle 0`), the last
#    two standing for a list client on another machine. All three are reported. The GET
#    clients' threads ask for short time slices, as the server's do, standing for clients on
#    other machines (SCALE_GET_SLICES=0: the default slice, so their own wait for a core shows).
#
#   scripts/bench-mock.sh                  # 10 s per wrk run, N=100000
#   SECS=5 N=20000 scripts/bench-mock.sh
#   SCALE_ONLY=1 scripts/bench-mock.sh     # part 2 only
#   SCALE_LISTS=unpaged SCALE_PRIORITIES=nice19,idle SCALE_ONLY=1 scripts/bench-mock.sh
#                                          # part 2, only those lists and list clients
# Needs: wrk, nginx, openssl, curl, python3 (Debian: apt-get install -y wrk nginx).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
need wrk nginx openssl curl python3
SECS=${SECS:-10}
N=${N:-100000}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
build
echo "# building the scale example" >&2
cargo build --release -q -p mock-apiserver --example scale

# --- 1. GET throughput: mock-apiserver vs nginx ---------------------------------------
if [ -z "${SCALE_ONLY:-}" ]; then
TOKEN=bench-$RANDOM$RANDOM
printf '%s,bench,1001,\n' "$TOKEN" >"$WORK/tokens.csv"
start_mock t --token-auth-file "$WORK/tokens.csv"
ADMIN=("$RAWKUBE" --kubeconfig "$t_KC")
"${ADMIN[@]}" create role sa-reader --verb=get --resource=serviceaccounts >/dev/null
"${ADMIN[@]}" create rolebinding sa-reader --role=sa-reader --user=bench >/dev/null
P=/api/v1/namespaces/default/serviceaccounts/default
curl -sf --cacert "$WORK/t/ca.crt" -H "Authorization: Bearer $TOKEN" "$t_URL$P" -o "$WORK/body.json"
# Without the binding the same token is refused: the GET really is RBAC-checked.
"${ADMIN[@]}" auth can-i get serviceaccounts --as=bench >/dev/null 2>&1 || true

mkdir -p "$WORK/www$(dirname $P)" "$WORK/nginx"
cp "$WORK/body.json" "$WORK/www$P"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -days 1 -keyout "$WORK/nginx/key.pem" -out "$WORK/nginx/cert.pem" 2>/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $WORK/nginx/cert.pem;
    ssl_certificate_key $WORK/nginx/key.pem;
    location / { root $WORK/www; default_type application/json; }
  }
}
CONF
# nginx's workers drop root privileges: they must be able to read the file.
chmod a+x "$WORK"
chmod -R a+rX "$WORK/www"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
PIDS+=($!)
for _ in $(seq 50); do
  curl -skf "https://127.0.0.1:$PORT$P" -o "$WORK/nginx-body.json" && break
  sleep 0.1
done
cmp "$WORK/nginx-body.json" "$WORK/body.json"

run_wrk() { # LABEL URL
  local out
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" "$2")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  grep -q 'Non-2xx' <<<"$out" && { echo "$out" >&2; echo "non-2xx answers" >&2; exit 1; }
  printf '%-44s %10.0f req/s   p50 %-8s p99 %s\n' "$1" "$rps" "$p50" "$p99"
  echo "$rps" >"$WORK/rps-${1%% *}"
}
echo "GET $P ($(wc -c <"$WORK/body.json") bytes), wrk -t$THREADS -c$CONNS -d${SECS}s, HTTP/1.1 keep-alive:"
run_wrk "nginx (static file over TLS)" "https://127.0.0.1:$PORT$P"
run_wrk "mock-apiserver (token + RBAC)" "$t_URL$P"
python3 -c "print(f'mock-apiserver / nginx: {float(open(\"$WORK/rps-mock-apiserver\").read())/float(open(\"$WORK/rps-nginx\").read())*100:.0f}%')"
kill "$t_PID"
fi

# --- 2. Scale ---------------------------------------------------------------------------
echo
start_mock s
"$ROOT/target/release/examples/scale" "$s_URL" "$WORK/s" "$s_PID" "$N"
