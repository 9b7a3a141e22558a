#!/usr/bin/env bash
# Installs the Debian packages tileflow needs, by profile, so that a fresh machine
# (CI, a new laptop) gets them from one place and the list cannot drift between
# the README, CI and developers' heads.
#
#   scripts/install-system-deps.sh run        # what `tileflow up` needs
#   scripts/install-system-deps.sh run test   # plus what `npm test` needs
#   scripts/install-system-deps.sh bench      # the peers bench/ compares with
#
# As root it installs what is missing; otherwise it prints the command to run and
# fails, because a half-provisioned machine gives confusing errors later on.
set -euo pipefail

# Always needed: better-sqlite3 is built from source (see .npmrc) by node-gyp.
BUILD_PKGS=(python3 make g++)
# `run`: system libraries tileflow links: gdal-async builds against the system GDAL (see .npmrc);
# the deep-learning addon (native/torch) against libtorch.
RUN_PKGS=(libgdal-dev libtorch-dev)
# `test`: scripts/test.mjs starts a throwaway PostgreSQL from these binaries; raster tests compare
# pixels with GDAL's own tools, and rasterio is the peer in bench/; the web UI tests (test/e2e) drive
# Debian's Chromium headless through playwright-core, which downloads no browser of its own.
TEST_PKGS=(postgresql gdal-bin python3-rasterio chromium)
# `bench`: PyTorch, the peer of `npm run bench:train` (and what made test/fixtures/torchscript).
BENCH_PKGS=(python3-torch python3-sklearn python3-rasterio gdal-bin)

usage() { echo "usage: $0 PROFILE... (profiles: run, test, bench)" >&2; exit 2; }

[[ $# -gt 0 ]] || usage
wanted=("${BUILD_PKGS[@]}")
for profile in "$@"; do
  case "$profile" in
    run) wanted+=("${RUN_PKGS[@]}") ;;
    test) wanted+=("${TEST_PKGS[@]}") ;;
    bench) wanted+=("${BENCH_PKGS[@]}") ;;
    *) echo "install-system-deps: unknown profile '$profile'" >&2; usage ;;
  esac
done

if ! command -v dpkg >/dev/null 2>&1; then
  echo "install-system-deps: no dpkg here (not Debian?); install the equivalents of: ${wanted[*]}" >&2
  exit 1
fi

# `dpkg -s` also succeeds for removed packages whose config files remain, so look
# at the status itself (captured, not piped to `grep -q`, which under pipefail can
# fail a match through SIGPIPE).
missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg -s "$pkg" 2>/dev/null || true)
  if [[ $status != *$'\nStatus: install ok installed'* ]]; then
    # A profile may list a package twice (run + test); ask for it once.
    [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $EUID -ne 0 ]]; then
  echo "install-system-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-system-deps: install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "install-system-deps: installing ${missing[*]}…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-system-deps: installed ${missing[*]}"
