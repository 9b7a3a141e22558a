#!/usr/bin/env bash
# Gets a checkout ready to run (and with --test, to test): system packages, npm
# packages, then the build. Safe to re-run: each step is skipped or cheap when
# already done, so CI and developers can call it unconditionally.
set -euo pipefail
cd "$(dirname "$0")/.."

profiles=(run)
for arg in "$@"; do
  case "$arg" in
    --test) profiles+=(test) ;;
    -h|--help) echo "usage: scripts/setup.sh [--test]"; exit 0 ;;
    *) echo "setup: unknown option '$arg' (usage: scripts/setup.sh [--test])" >&2; exit 2 ;;
  esac
done

echo "setup: checking system packages (${profiles[*]})…"
bash scripts/install-system-deps.sh "${profiles[@]}"

# npm writes node_modules/.package-lock.json, so it is newer than the lockfile exactly
# when node_modules matches it; otherwise installing (which builds the native addons)
# is the slow step we want to skip.
# `npm install`, not `npm ci`: npm 11 leaves other platforms' optional packages (DuckDB's
# prebuilt bindings for macOS, Windows, arm64) out of the lockfile and `npm ci` then refuses
# the lockfile as out of sync. `npm install` installs the versions the lockfile pins.
if [[ ! -f node_modules/.package-lock.json || node_modules/.package-lock.json -ot package-lock.json ]]; then
  echo "setup: installing npm packages…"
  npm install --no-audit --no-fund --loglevel=error
else
  echo "setup: npm packages up to date"
fi

echo "setup: building…"
npm run build --silent
npm run build:web --silent
npm run build:native --silent
echo "setup: done"
