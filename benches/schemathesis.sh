#!/usr/bin/env bash
# benches/schemathesis.sh: Schemathesis against each spec's OpenAPI export and
# its clean embedded mock, every operation and method, to find what the mock
# (or the export) gets wrong. Not a timing: a list of what Schemathesis reports,
# by check, per spec; the raw output of each run is kept in WORK.
#
#   ASSAY_BIN=target/release/assay benches/schemathesis.sh [SPEC_NAME...]
#
# Environment (all optional): ASSAY_BIN [target/release/assay], ST_MAX_EXAMPLES
# [10], ST_SEED [1], WORK [a new mktemp -d folder, kept].
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ASSAY_BIN=${ASSAY_BIN:-target/release/assay}
ST_MAX_EXAMPLES=${ST_MAX_EXAMPLES:-10}
ST_SEED=${ST_SEED:-1}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
die() { echo "schemathesis.sh: $*" >&2; exit 2; }
[ -x "$ASSAY_BIN" ] || die "no assay binary at '$ASSAY_BIN' (cargo build --release)"
command -v st >/dev/null || die "Schemathesis is missing (pip install schemathesis)"
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
MOCK_PID=
cleanup() { [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null || true; }
trap cleanup EXIT
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(bip gentar idr impc_images omero)
for name in "${NAMES[@]}"; do
    spec=specs/$name.yaml
    [ -f "$spec" ] || die "no $spec"
    "$ASSAY_BIN" openapi "$spec" >"$WORK/$name.openapi.json"
    port=$(free_port)
    "$ASSAY_BIN" mock "$spec" --addr "127.0.0.1:$port" >/dev/null 2>"$WORK/$name.mock.err" &
    MOCK_PID=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    url=http://127.0.0.1:$port
    headers=()
    case $name in
        bip) headers=(-H "X-BIP-Api-Key: assay-mock-key") ;;
        gentar)
            token=$(curl -s -X POST -H 'Content-Type: application/json' \
                -d '{"userName":"assay","password":"assay-mock-password"}' "$url/auth/signin" |
                python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
            headers=(-H "Authorization: Bearer $token") ;;
    esac
    rc=0
    (cd "$WORK" && NO_COLOR=1 st run "$WORK/$name.openapi.json" --url "$url" "${headers[@]}" \
        --max-examples "$ST_MAX_EXAMPLES" --seed "$ST_SEED" --generation-database none \
        >"$WORK/$name.st.out" 2>&1) || rc=$?
    cleanup
    MOCK_PID=
    echo "== $name (exit $rc): $(grep -E '^=+ .* in [0-9.]+s =+$' "$WORK/$name.st.out" | tr -d '=' | xargs)"
    grep -E '^- ST[0-9]+ ' "$WORK/$name.st.out" | sort | uniq -c | sort -rn || true
done
echo "raw output: $WORK"
