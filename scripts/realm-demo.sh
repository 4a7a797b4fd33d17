#!/usr/bin/env bash
# make realm-demo: a realm of five emulator members in three "data centers" (2 + 2 + 1) on this machine,
# an agent beside each, a front-end, and a 3-member etcd cluster as the store (`--store dir` uses a
# directory instead). It registers and recovers a key through the front-end, loses a data center and
# still serves, loses a third member and refuses without spending a guess, brings them back, and ends
# with the guess limit destroying the key. Every port is the OS's choice; everything stops at exit.
set -euo pipefail
BIN=${1:?usage: realm-demo.sh BIN_DIR [--store dir]}
STORE_KIND=etcd
[ "${2:-}" = "--store" ] && STORE_KIND=${3:-dir}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/coffer-realm-demo.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_file() { # wait_file FILE PID: until FILE exists, or the process ends
    for _ in $(seq 1 6000); do
        [ -s "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || { echo "process $2 ended before writing $1"; return 1; }
        sleep 0.01
    done
    echo "no $1 after 60 s"; return 1
}
json_port() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$1"; }

DC=(dc-north dc-north dc-south dc-south dc-west)
MEMBER_PID=(); MEMBER_PORT=(); AGENT_PID=()

start_member() { # start_member ID
    local id=$1 ready="$WORK/member$1.ready"
    rm -f "$ready"
    "$BIN/coffer-emulator" serve --state-dir "$WORK/member$id" --port 0 --ready-file "$ready" --slots 4 \
        --realm-member 2>>"$WORK/member$id.log" &
    MEMBER_PID[$id]=$!; PIDS+=($!)
    wait_file "$ready" "${MEMBER_PID[$id]}"
    MEMBER_PORT[$id]=$(json_port "$ready")
}
start_agent() { # start_agent ID
    local id=$1 ready="$WORK/agent$1.ready"
    rm -f "$ready"
    "$BIN/coffer-agent" --member "udp://127.0.0.1:${MEMBER_PORT[$id]}" --store "$STORE" --listen 127.0.0.1:0 \
        --ready-file "$ready" --data-center "${DC[$id]}" 2>>"$WORK/agent$id.log" &
    AGENT_PID[$id]=$!; PIDS+=($!)
    wait_file "$ready" "${AGENT_PID[$id]}"
}
stop_member() { # stop_member ID: the HSM and its agent go dark
    kill "${AGENT_PID[$1]}" "${MEMBER_PID[$1]}" 2>/dev/null || true
    wait "${AGENT_PID[$1]}" "${MEMBER_PID[$1]}" 2>/dev/null || true
}

if [ "$STORE_KIND" = etcd ]; then
    say "A 3-member etcd cluster (the store: untrusted, only for availability)"
    CLUSTER=""; ENDPOINTS=""
    for n in 1 2 3; do
        CP[$n]=$(free_port); PP[$n]=$(free_port)
        CLUSTER+="${CLUSTER:+,}e$n=http://127.0.0.1:${PP[$n]}"
        ENDPOINTS+="${ENDPOINTS:+,}127.0.0.1:${CP[$n]}"
    done
    for n in 1 2 3; do
        etcd --name "e$n" --data-dir "$WORK/e$n.etcd" \
            --listen-client-urls "http://127.0.0.1:${CP[$n]}" --advertise-client-urls "http://127.0.0.1:${CP[$n]}" \
            --listen-peer-urls "http://127.0.0.1:${PP[$n]}" --initial-advertise-peer-urls "http://127.0.0.1:${PP[$n]}" \
            --initial-cluster "$CLUSTER" --initial-cluster-state new >"$WORK/e$n.log" 2>&1 &
        PIDS+=($!)
    done
    for n in 1 2 3; do
        for _ in $(seq 1 6000); do
            curl -fs "http://127.0.0.1:${CP[$n]}/health" 2>/dev/null | grep -q '"true"' && break
            sleep 0.01
        done
    done
    STORE="etcd://$ENDPOINTS"
else
    STORE="dir:$WORK/store"
fi
echo "store: $STORE"

say "Five HSMs (emulators) in three data centers"
for id in 0 1 2 3 4; do start_member "$id"; echo "member $id in ${DC[$id]}: udp://127.0.0.1:${MEMBER_PORT[$id]}"; done

say "The ceremony: the realm's secrets are made inside member 0 and reach the others only wrapped to their keys"
MEMBERS=(); for id in 0 1 2 3 4; do MEMBERS+=(--member "udp://127.0.0.1:${MEMBER_PORT[$id]}"); done
"$BIN/cofferctl" realm create --test-realm --default-limit 3 --out "$WORK/manifest.json" "${MEMBERS[@]}"
REALM=$("$BIN/cofferctl" --manifest "$WORK/manifest.json" --json realm manifest show | python3 -c 'import json,sys; print(json.load(sys.stdin)["realm"])')

say "An agent beside each member, and a front-end that phones reach"
for id in 0 1 2 3 4; do start_agent "$id"; done
openssl ecparam -genkey -name prime256v1 -noout -out "$WORK/auth.pem" 2>/dev/null
openssl ec -in "$WORK/auth.pem" -pubout -out "$WORK/auth.pub.pem" 2>/dev/null
"$BIN/coffer-frontend" --listen 127.0.0.1:0 --ready-file "$WORK/frontend.ready" --auth-public-key "$WORK/auth.pub.pem" \
    --realm "$REALM" --store "$STORE" 2>>"$WORK/frontend.log" &
FRONTEND_PID=$!; PIDS+=($!)
wait_file "$WORK/frontend.ready" "$FRONTEND_PID"
FRONTEND="http://127.0.0.1:$(json_port "$WORK/frontend.ready")"
echo "front-end: $FRONTEND"
"$BIN/cofferctl" token issue --auth-key "$WORK/auth.pem" --account alice --realm "$REALM" --ttl 3600 >"$WORK/alice.token"
client() { "$BIN/cofferctl" --device "$FRONTEND" --token "@$WORK/alice.token" --manifest "$WORK/manifest.json" "$@"; }
# attempt PASSWORD: one recovery that may fail; cofferctl says why, and its exit status is shown.
attempt() {
    local status
    set +e
    printf '%s\n' "$1" | client recover --id alice --password-stdin >/dev/null
    status=$?
    set -e
    echo "  (cofferctl exit status $status)"
}

say "Alice parks a backup key under her password (limit: 3 guesses), then gets it back"
echo "correct horse" | client register --id alice --password-stdin
echo "correct horse" | client recover --id alice --password-stdin >"$WORK/key1"
echo "recovered: $(cat "$WORK/key1")"

say "dc-south goes dark (members 2 and 3): three of five remain, a majority"
stop_member 2; stop_member 3
echo "correct horse" | client recover --id alice --password-stdin >"$WORK/key2"
cmp -s "$WORK/key1" "$WORK/key2" && echo "still serving: the same key came back"

say "Member 4 (dc-west) fails too: two of five cannot commit, so nothing is answered and no guess is spent"
stop_member 4
attempt "a guess"

say "dc-south and dc-west come back: they catch up from the store and the realm serves again"
for id in 2 3 4; do start_member "$id"; start_agent "$id"; done
# The leader's agent sees them within its heartbeats; GetInfo (which spends no guess) tells when.
for _ in $(seq 1 600); do client info >/dev/null 2>&1 && break; sleep 0.1; done
echo "correct horse" | client recover --id alice --password-stdin >"$WORK/key3"
cmp -s "$WORK/key1" "$WORK/key3" && echo "serving again, and no guess was lost while it refused"

say "A thief guesses: each wrong password is counted by a majority before it is checked"
for guess in hunter2 letmein 123456; do
    attempt "$guess"
done

say "The limit is reached: the key is destroyed for good, even for the right password"
attempt "correct horse"
say "Done: every process stops now"
