#!/usr/bin/env bash
# Runs the unit tests and the command-line end-to-end files again on Node 24 LTS, what users run (the suite's main
# run is on the machine's Node 20, berth's oldest supported). The `node` package from the npm registry brings the
# Node 24 binary; it is kept under /var/cache/berth-test like the other test assets. The full suite twice would take
# CI past its half hour: these files cover start-up on both paths, every driver's conformance, the CLI's errors and
# output, and a real create/env/docker/rm on a test host.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/var/cache/berth-test/node24
if ! "$prefix/node_modules/.bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error node@24 >/dev/null
fi
export PATH="$prefix/node_modules/.bin:$PATH"
echo "Node $(node --version): unit tests and command-line end-to-end files"
node scripts/egress-guard.js -- npx vitest run test/unit \
  test/e2e/bad-input.test.ts test/e2e/command-loading.test.ts test/e2e/none-driver.test.ts \
  test/e2e/docker-machine-personality.test.ts test/e2e/generic-driver.test.ts test/e2e/example-driver-plugin.test.ts \
  test/e2e/plugin-drivers.test.ts test/e2e/amazonec2-contract.test.ts test/e2e/digitalocean-contract.test.ts
