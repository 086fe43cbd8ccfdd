#!/usr/bin/env bash
# The whole test command: installs what is missing, builds, builds the guest kernels, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run -s typecheck
npm run -s build
make -s -C test/guests
node scripts/run-tests.mjs "$@"
