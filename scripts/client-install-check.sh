#!/usr/bin/env bash
# The client as a user without a registry gets it (packages/client/README.md, "Install"): npm pack
# in packages/client (its prepack builds dist/), the tarball installed in an empty folder (its
# dependencies from the npm registry), `pqc --help`, and one real call against the compiled server
# (dist/main.js, as `npm start` runs it) on a free port with a known API key. Fails on any step.
# .ci/run runs it after the tests; run it alone from anywhere: scripts/client-install-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/pqc-client-check.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "--- client: npm pack"
tarball=$(cd packages/client && npm pack --silent --pack-destination "$work")
echo "$work/$tarball"

echo "--- client: install the tarball in an empty folder"
mkdir "$work/app"
(cd "$work/app" && npm init -y >/dev/null && npm install --no-audit --no-fund "$work/$tarball")

echo "--- client: pqc --help"
(cd "$work/app" && npx --no-install pqc --help) > "$work/help.txt"
grep -q '^pqc [0-9]' "$work/help.txt" || { echo "pqc --help printed:"; cat "$work/help.txt"; exit 1; }

echo "--- client: one call against the compiled server"
[ -f dist/main.js ] || { echo "dist/main.js is missing: run npm run build:dist"; exit 1; }
port=$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
key="ci:$(node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))")"
(cd "$work" && exec env PORT="$port" HOST=127.0.0.1 API_KEYS="$key" LOG_LEVEL=warn node "$root/dist/main.js" >"$work/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 120); do
  if node -e "fetch('http://127.0.0.1:$port/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "the server exited:"; cat "$work/server.log"; exit 1; }
  sleep 0.5
done
key_id=$(cd "$work/app" && PQC_URL="http://127.0.0.1:$port" PQC_TOKEN="${key#ci:}" npx --no-install pqc kem keypair --field key_id)
case "$key_id" in
  kem_*) echo "pqc kem keypair -> $key_id" ;;
  *) echo "pqc kem keypair printed '$key_id', expected a kem_ key id"; cat "$work/server.log"; exit 1 ;;
esac
echo "client install check passed in $((SECONDS - started)) s"
