#!/usr/bin/env bash
# benches/compare.sh: side-by-side benchmark of assay's runner and Schemathesis.
#
#   ASSAY_BIN=target/release/assay benches/compare.sh
#
# Runs, in one session (see benches/README.md):
#   (a) assay run specs/*.yaml                  against the embedded mocks
#   (b) assay run specs/bip.yaml --mock-records 100000 --filter plant_lines/list/pagination/walk
#   (c) Schemathesis against `assay mock specs/bip.yaml` (bip's GET operations, from
#       the spec's GET operations in the OpenAPI export `assay openapi` writes)
#   (d) assay run specs/bip.yaml                against its embedded mock, and
#   (e) assay run specs/bip.yaml --base-url     against the same mock process as (c)
# and writes the table to benches/results.md (OUT=... to change).
#
# Environment (all optional):
#   ASSAY_BIN        assay binary                  [target/release/assay]
#   RUNS             hyperfine runs per assay timing (1 = single run) [5]
#   ST_MAX_EXAMPLES  Schemathesis --max-examples   [10]
#   ST_SEED          Schemathesis --seed           [1]
#   ST_WORKERS       Schemathesis --workers        [1]
#   WALK_RECORDS     records of the pagination walk [100000]
#   PORT             port of the bip mock for (c)/(e) [a free one]
#   OUT              where to write the table      [benches/results.md]
#   WORK             folder for raw outputs        [a new mktemp -d folder, kept]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ASSAY_BIN=${ASSAY_BIN:-target/release/assay}
RUNS=${RUNS:-5}
ST_MAX_EXAMPLES=${ST_MAX_EXAMPLES:-10}
ST_SEED=${ST_SEED:-1}
ST_WORKERS=${ST_WORKERS:-1}
WALK_RECORDS=${WALK_RECORDS:-100000}
OUT=${OUT:-benches/results.md}
BIP_KEY=assay-mock-key

die() { echo "compare.sh: $*" >&2; exit 2; }
note() { echo "compare.sh: $*" >&2; }

# ---- tools ---------------------------------------------------------------
[ -x "$ASSAY_BIN" ] || die "no assay binary at '$ASSAY_BIN' (run 'cargo build --release' or set ASSAY_BIN=/path/to/assay)"
ASSAY_BIN=$(cd "$(dirname "$ASSAY_BIN")" && pwd)/$(basename "$ASSAY_BIN")
command -v python3 >/dev/null || die "python3 is missing"
TIME=/usr/bin/time
{ [ -x "$TIME" ] && "$TIME" -v true >/dev/null 2>&1; } ||
    die "GNU time is missing at /usr/bin/time (apt-get install -y time)"
if command -v st >/dev/null; then ST=(st)
elif command -v schemathesis >/dev/null; then ST=(schemathesis)
else die "Schemathesis is missing (pip install schemathesis)"; fi
ST_HELP=$("${ST[@]}" run --help 2>&1) || die "'${ST[*]} run --help' failed"
for opt in --max-examples --report --seed --url; do
    grep -q -- "$opt" <<<"$ST_HELP" ||
        die "'${ST[*]} run' has no $opt: this script needs Schemathesis 4 (pip install -U 'schemathesis>=4')"
done
HYPERFINE=$(command -v hyperfine || true)
if [ -z "$HYPERFINE" ] && [ "$RUNS" -gt 1 ]; then
    note "hyperfine not found (apt-get install -y hyperfine): timing each assay run once"
    RUNS=1
fi

# ---- session ----------------------------------------------------------------
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/assay-compare.XXXXXX")}
mkdir -p "$WORK"
MOCK_PID=
cleanup() {
    if [ -n "$MOCK_PID" ] && kill -0 "$MOCK_PID" 2>/dev/null; then
        kill "$MOCK_PID" 2>/dev/null || true
        wait "$MOCK_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
note "raw outputs in $WORK"

# measure NAME CMD...: one run under /usr/bin/time -v (RSS, report), then RUNS
# runs under hyperfine (wall time). Exit codes 0 and 1 (cases failed) are results.
measure() {
    local name=$1; shift
    printf '%q ' "$@" | sed 's/ $//' >"$WORK/$name.cmd"
    printf '%s\0' "$@" >"$WORK/$name.argv"
    note "$name: $(cat "$WORK/$name.cmd")"
    local rc=0
    "$TIME" -v -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
    echo "$rc" >"$WORK/$name.rc"
    if [ "$rc" -gt 1 ]; then
        tail -20 "$WORK/$name.err" >&2
        die "$name exited $rc (see $WORK/$name.err)"
    fi
    if [ "$RUNS" -gt 1 ]; then
        "$HYPERFINE" --runs "$RUNS" --warmup 1 -i --style none \
            --export-json "$WORK/$name.hyperfine.json" "$(cat "$WORK/$name.cmd")" \
            >"$WORK/$name.hyperfine.txt" 2>&1 ||
            die "hyperfine failed on $name (see $WORK/$name.hyperfine.txt)"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

SPECS=(specs/*.yaml)
[ -e "${SPECS[0]}" ] || die "no specs/*.yaml under $ROOT"

# (a) every spec against its embedded mock
measure all "$ASSAY_BIN" run "${SPECS[@]}"
# (b) pagination walk over WALK_RECORDS records
measure walk "$ASSAY_BIN" run specs/bip.yaml --mock-records "$WALK_RECORDS" \
    --filter plant_lines/list/pagination/walk
# (d) bip alone, embedded mock
measure bip "$ASSAY_BIN" run specs/bip.yaml

# (c) Schemathesis against a bip mock process
# Reads only, like assay's run without --allow-writes.
"$ASSAY_BIN" openapi specs/bip.yaml >"$WORK/bip.openapi.json" 2>"$WORK/openapi.err" ||
    { cat "$WORK/openapi.err" >&2; die "assay openapi failed"; }

PORT=${PORT:-$(free_port)}
"$ASSAY_BIN" mock specs/bip.yaml --addr "127.0.0.1:$PORT" >"$WORK/mock.out" 2>"$WORK/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do
    kill -0 "$MOCK_PID" 2>/dev/null || { cat "$WORK/mock.err" >&2; die "the bip mock exited"; }
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || die "the bip mock does not listen on 127.0.0.1:$PORT"
URL=http://127.0.0.1:$PORT

# (e) assay against the same mock process, then Schemathesis
measure bip_ext "$ASSAY_BIN" run specs/bip.yaml --base-url "$URL" --api-key "$BIP_KEY"

note "st: ${ST[*]} run ... (max examples $ST_MAX_EXAMPLES, seed $ST_SEED, workers $ST_WORKERS)"
ST_CMD=("${ST[@]}" run "$WORK/bip.openapi.json" --url "$URL" -H "X-BIP-Api-Key: $BIP_KEY"
    --include-method GET --max-examples "$ST_MAX_EXAMPLES" --seed "$ST_SEED" --workers "$ST_WORKERS"
    --generation-database none
    --report json,ndjson --report-dir "$WORK/st-report")
printf '%q ' "${ST_CMD[@]}" | sed 's/ $//' >"$WORK/st.cmd"
printf '%s\0' "${ST_CMD[@]}" >"$WORK/st.argv"
rc=0
# from WORK, so that Schemathesis' .hypothesis folder lands there, not in the repo
(cd "$WORK" && NO_COLOR=1 "$TIME" -v -o "$WORK/st.time" "${ST_CMD[@]}" >"$WORK/st.out" 2>"$WORK/st.err") || rc=$?
echo "$rc" >"$WORK/st.rc"
[ "$rc" -le 1 ] || { tail -30 "$WORK/st.out" "$WORK/st.err" >&2; die "Schemathesis exited $rc"; }
kill -0 "$MOCK_PID" 2>/dev/null || die "the bip mock died during the Schemathesis run (interrupted?)"
python3 - "$WORK"/st-report/json-*.json <<'PY' || die "Schemathesis did not complete its run (interrupted?); see $WORK/st.out"
import json, sys
r = json.load(open(sys.argv[-1]))
sys.exit(0 if r.get("complete") and r.get("stop_reason") == "completed" else 1)
PY
grep VmHWM "/proc/$MOCK_PID/status" 2>/dev/null | awk '{print $2}' >"$WORK/mock.hwm" || true
cleanup
MOCK_PID=

# ---- table -------------------------------------------------------------------
{
    echo "ASSAY_VERSION=$("$ASSAY_BIN" --version 2>&1 | head -1)"
    echo "ST_VERSION=$("${ST[@]}" --version 2>&1 | head -1)"
    echo "GIT=$(git rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git status --porcelain 2>/dev/null | head -1)" ] && echo ' (dirty tree)')"
    echo "HOST=$(uname -sr), $(nproc) cores, $(python3 --version 2>&1)"
    echo "PORT=$PORT"
    echo "HYPERFINE=$([ "$RUNS" -gt 1 ] && "$HYPERFINE" --version | head -1 || echo none)"
} >"$WORK/env.txt"
python3 - "$WORK" "$OUT" "$RUNS" "$WALK_RECORDS" "$ASSAY_BIN" <<'PY'
import glob, json, os, re, shlex, sys, datetime
work, out, runs, walk_records, assay_bin = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
env = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(work, "env.txt")))

def read(name, ext):
    p = os.path.join(work, f"{name}.{ext}")
    return open(p).read() if os.path.exists(p) else ""

def cmdline(name):
    argv = read(name, "argv").split("\0")[:-1]
    return shlex.join(argv) if argv else read(name, "cmd")

def gnu_time(name):
    t = read(name, "time")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
    secs = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))) if wall else None
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
    return secs, (int(rss.group(1)) / 1024 if rss else None)

def wall(name):
    h = os.path.join(work, f"{name}.hyperfine.json")
    if os.path.exists(h):
        r = json.load(open(h))["results"][0]
        return r["mean"], r.get("stddev") or 0.0, len(r["times"])
    return gnu_time(name)[0], None, 1

def assay(name):
    o = read(name, "out")
    heads = re.findall(r"^(\S+) against \S+: (\d+) cases, (\d+) requests in ([\d.]+) s", o, re.M)
    tail = re.findall(r"^(\d+) passed, (\d+) failed, (\d+) skipped", o, re.M)
    mean, sd, n = wall(name)
    return dict(name=name, cmd=cmdline(name).replace(assay_bin, "$ASSAY_BIN"),
                wall=mean, sd=sd, n=n, rss=gnu_time(name)[1],
                cases=sum(int(h[1]) for h in heads), requests=sum(int(h[2]) for h in heads),
                specs=len(heads), result=("%s passed, %s failed, %s skipped" % tail[-1]) if tail else "?",
                rc=read(name, "rc").strip())

rows = {n: assay(n) for n in ("all", "walk", "bip", "bip_ext")}

# Schemathesis: JSON run report + NDJSON events (one interaction per request)
st_json = sorted(glob.glob(os.path.join(work, "st-report", "json-*.json")))
st_nd = sorted(glob.glob(os.path.join(work, "st-report", "ndjson-*.ndjson")))
rep = json.load(open(st_json[-1])) if st_json else {}
requests, statuses, methods = 0, {}, {}
for path in st_nd[-1:]:
    for line in open(path):
        e = json.loads(line)
        if "ScenarioFinished" in e:
            for i in (e["ScenarioFinished"].get("recorder", {}).get("interactions") or {}).values():
                requests += 1
                s = (i.get("response") or {}).get("status_code")
                statuses[s] = statuses.get(s, 0) + 1
                m = (i.get("request") or {}).get("method")
                methods[m] = methods.get(m, 0) + 1
st_wall, st_rss = gnu_time("st")
tc = rep.get("test_cases", {})
failures = rep.get("failures", [])
st_out = read("st", "out")
example = {}
for f in failures:  # first reproduction command Schemathesis printed for each failure code
    m = re.search(re.escape(f["code"]) + r" .*?\n.*?(curl [^\n]+)", st_out, re.S)
    example[f["code"]] = m.group(1).strip() if m else ""
st = dict(name="st", cmd=cmdline("st"), wall=st_wall, sd=None, n=1, rss=st_rss,
          cases=tc.get("generated"), requests=requests, specs=1, rc=read("st", "rc").strip(),
          result="%d failure kinds, %d test cases with failures, %d errored" % (
              len(failures), tc.get("with_failures", 0), tc.get("errored", 0)))
mock_hwm = read("mock", "hwm").strip()

def f_wall(r):
    if r["wall"] is None: return "?"
    return "%.3f ± %.3f (n=%d)" % (r["wall"], r["sd"], r["n"]) if r["sd"] is not None else "%.2f (n=1)" % r["wall"]
def rps(r):
    return r["requests"] / r["wall"] if r["wall"] and r["requests"] else None
def f(x, fmt="%.0f"):
    return fmt % x if x is not None else "?"

label = {
    "all": "(a) assay, all specs, embedded mocks",
    "walk": "(b) assay, pagination walk, %d records" % walk_records,
    "bip": "(d) assay, bip, embedded mock",
    "bip_ext": "(e) assay, bip, mock process",
    "st": "(c) Schemathesis, bip GETs, mock process",
}
L = []
L.append("# assay vs Schemathesis: side-by-side run\n")
L.append("Generated by `benches/compare.sh` on %s. One session, one machine; compare the ratios, "
         "not the absolute figures.\n" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))
L.append("- assay: `%s` (%s), repo at %s" % (env["ASSAY_VERSION"], assay_bin, env["GIT"]))
L.append("- Schemathesis: `%s`" % env["ST_VERSION"])
L.append("- host: %s; timing: %s" % (env["HOST"], "hyperfine mean ± σ" if runs > 1 else "one run"))
L.append("- wall = whole process, start-up (and the embedded mock's data) included; "
         "req/s = requests / wall; RSS = peak resident set of the runner process "
         "(the separate bip mock's peak: %s MB)\n" % (f(int(mock_hwm) / 1024, "%.1f") if mock_hwm else "?"))
L.append("| run | wall s | requests | req/s | test cases | peak RSS MB | result |")
L.append("|---|---|---|---|---|---|---|")
for r in [rows["all"], rows["walk"], rows["bip"], rows["bip_ext"], st]:
    L.append("| %s | %s | %s | %s | %s | %s | %s |" % (label[r["name"]], f_wall(r), f(r["requests"], "%d"),
             f(rps(r)), f(r["cases"], "%d"), f(r["rss"], "%.1f"), r["result"]))
b, e = rows["bip"], rows["bip_ext"]
L.append("\n## Ratios (bip)\n")
def ratio(a, c, fmt="%.1f×"):
    return fmt % (a / c) if a and c else "?"
L.append("| | vs (d) embedded mock | vs (e) same mock process |")
L.append("|---|---|---|")
L.append("| Schemathesis wall / assay wall | %s | %s |" % (ratio(st["wall"], b["wall"]), ratio(st["wall"], e["wall"])))
L.append("| assay req/s / Schemathesis req/s | %s | %s |" % (ratio(rps(b), rps(st)), ratio(rps(e), rps(st))))
L.append("| Schemathesis requests / assay requests | %s | %s |" % (ratio(st["requests"], b["requests"]), ratio(st["requests"], e["requests"])))
L.append("| Schemathesis peak RSS / assay peak RSS | %s | %s |" % (ratio(st["rss"], b["rss"]), ratio(st["rss"], e["rss"])))
w = rows["walk"]
L.append("\nPagination walk: %s records in %s s (%s records/s, %s requests), mock data generation included."
         % (walk_records, f(w["wall"], "%.2f"), f(walk_records / w["wall"] if w["wall"] else None), w["requests"]))
L.append("\n## What Schemathesis reported\n")
L.append("- operations tested: %s of %s; test cases generated: %s; requests: %d (%s); statuses: %s"
         % (rep.get("operations", {}).get("tested"), rep.get("operations", {}).get("selected"),
            tc.get("generated"), requests, ", ".join("%s %d" % kv for kv in sorted(methods.items())),
            ", ".join("%s: %d" % kv for kv in sorted(statuses.items(), key=lambda kv: str(kv[0])))))
L.append("- test cases with failures: %s (unique %s), without checks: %s, errored: %s; exit code %s"
         % (tc.get("with_failures"), tc.get("unique_failures"), tc.get("without_checks"), tc.get("errored"), st["rc"]))
for fl in failures:
    ops = fl.get("operations", [])
    L.append("- **%s %s** (%s): %d operations, e.g. %s; reproduce: `%s`"
             % (fl["code"], fl["title"], fl.get("severity", ""), len(ops), ", ".join(ops[:2]), example.get(fl["code"], "")))
if not failures:
    L.append("- no failures")
L.append("\nassay's reports: " + "; ".join("%s: %s" % (label[n], rows[n]["result"]) for n in ("all", "walk", "bip", "bip_ext")))
L.append("\n## Commands\n")
L.append("```sh")
for r in [rows["all"], rows["walk"], rows["bip"], rows["bip_ext"]]:
    L.append(r["cmd"].replace(work, "$WORK"))
L.append("$ASSAY_BIN openapi specs/bip.yaml > $WORK/bip.openapi.json")
L.append("$ASSAY_BIN mock specs/bip.yaml --addr 127.0.0.1:$PORT &")
L.append(st["cmd"].replace(work, "$WORK").replace(assay_bin, "$ASSAY_BIN"))
L.append("```")
L.append("\nEach assay command ran once under `/usr/bin/time -v` (RSS, report)%s."
         % (" and %d more times under `hyperfine --warmup 1` (wall)" % runs if runs > 1 else ""))
text = "\n".join(L).replace("127.0.0.1:%s" % env["PORT"], "127.0.0.1:$PORT") + "\n"
open(out, "w").write(text)
print(text)
PY
note "wrote $OUT"
