#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs berth's main job on a local sandbox host (npm run demo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run demo
