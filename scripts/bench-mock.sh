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
# 3. Reference: the lists and GET latencies of part 2 again, against nginx serving the mock's
#    own answers (the GETs' objects, every page, the whole list) as files, beside the same list
#    client: what that client on these two cores does to a server that only sends bytes.
#
#   scripts/bench-mock.sh                  # 10 s per wrk run, N=100000
#   SECS=5 N=20000 scripts/bench-mock.sh
#   SCALE_ONLY=1 scripts/bench-mock.sh     # parts 2 and 3 only
#   SCALE_LISTS=unpaged SCALE_PRIORITIES=nice19,idle SCALE_ONLY=1 scripts/bench-mock.sh
#                                          # parts 2 and 3, only those lists and list clients
#   SCALE_REFERENCE=0 ...                  # without part 3
#   MOCK_ARGS="--workers 2" ...            # extra flags for part 2's mock-apiserver
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

mkdir -p "$WORK/www$(dirname $P)"
cp "$WORK/body.json" "$WORK/www$P"
start_nginx "$WORK/nginx" "$WORK/www"
curl -sf --cacert "$WORK/nginx/ca.crt" "$NGINX_URL$P" -o "$WORK/nginx-body.json"
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
run_wrk "nginx (static file over TLS)" "$NGINX_URL$P"
run_wrk "mock-apiserver (token + RBAC)" "$t_URL$P"
python3 -c "print(f'mock-apiserver / nginx: {float(open(\"$WORK/rps-mock-apiserver\").read())/float(open(\"$WORK/rps-nginx\").read())*100:.0f}%')"
kill "$t_PID"
fi

# --- 2. Scale ---------------------------------------------------------------------------
echo
# shellcheck disable=SC2086 # MOCK_ARGS: extra mock-apiserver flags, split on spaces
start_mock s ${MOCK_ARGS:-}
"$ROOT/target/release/examples/scale" "$s_URL" "$WORK/s" "$s_PID" "$N"

# --- 3. The same GET latencies beside nginx ----------------------------------------------
# nginx serves the mock's own answers as files: the four GET clients' ConfigMaps, every page
# of the paged list (each page's continue token rewritten to the next page's file name) and
# the whole list. The same scale example, list client and priorities then show what that
# list client, on these two cores, does to the GETs of a server that only sends bytes: the
# reference for the ratios of part 2. SCALE_REFERENCE=0 skips it.
if [ "${SCALE_REFERENCE:-1}" != 0 ]; then
  echo
  echo "# the same against nginx serving the mock's answers as files"
  python3 - "$s_URL" "$WORK/s" "$WORK/ref-www" <<'PY'
import http.client, json, os, ssl, sys
url, tls, www = sys.argv[1:4]
host, port = url.removeprefix("https://").split(":")
ctx = ssl.create_default_context(cafile=f"{tls}/ca.crt")
ctx.load_cert_chain(f"{tls}/client.crt", f"{tls}/client.key")
conn = http.client.HTTPSConnection(host, int(port), context=ctx)
def get(path):
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    assert r.status == 200, (path, r.status)
    return body
base = "/api/v1/namespaces/default/configmaps"
os.makedirs(www + base)
os.makedirs(www + "/lists")
for k in range(4):  # the scale example's get_url
    name = f"cm-{k * 7:06}"
    open(f"{www}{base}/{name}", "wb").write(get(f"{base}/{name}"))
open(f"{www}/lists/all", "wb").write(get(base))
page, cont = 0, ""
while True:
    body = get(f"{base}?limit=500" + (f"&continue={cont}" if cont else ""))
    cont = json.loads(body)["metadata"].get("continue", "")
    if cont:
        token = f'"continue":"{cont}"'.encode()
        assert body.count(token) == 1, "one continue token per page"
        body = body.replace(token, f'"continue":"p{page + 1}"'.encode())
    open(f"{www}/lists/p{page}", "wb").write(body)
    if not cont:
        break
    page += 1
PY
  kill "$s_PID"
  mkdir -p "$WORK/ref"
  cp "$WORK/s/client.crt" "$WORK/s/client.key" "$WORK/ref/"
  # ?limit=500 -> lists/p0, ?limit=500&continue=pN -> lists/pN, no limit -> lists/all.
  start_nginx "$WORK/ref-nginx" "$WORK/ref-www" \
    'map $arg_continue $page_c { "" p0; default $arg_continue; }
  map $arg_limit $page { "" all; default $page_c; }' \
    'location = /api/v1/namespaces/default/configmaps { try_files /lists/$page =404; }'
  cp "$WORK/ref-nginx/ca.crt" "$WORK/ref/"
  "$ROOT/target/release/examples/scale" --reference "$NGINX_URL" "$WORK/ref"
fi
