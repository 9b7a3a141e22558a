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

# npm ci writes node_modules/.package-lock.json, so it is newer than the lockfile
# exactly when node_modules matches it; otherwise npm ci (which wipes node_modules
# and rebuilds the native addon) is the slow step we want to skip.
if [[ ! -f node_modules/.package-lock.json || node_modules/.package-lock.json -ot package-lock.json ]]; then
  echo "setup: installing npm packages…"
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "setup: npm packages up to date"
fi

echo "setup: building…"
npm run build --silent
echo "setup: done"
