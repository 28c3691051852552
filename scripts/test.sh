#!/usr/bin/env bash
# Installs, builds and runs the whole test suite (GoogleTest through ctest, benchmarks smoke-run).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
export PROMPTLAB_TEST_TMP="${PROMPTLAB_TEST_TMP:-$PWD/build/test-tmp}"
mkdir -p "$PROMPTLAB_TEST_TMP"
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600
