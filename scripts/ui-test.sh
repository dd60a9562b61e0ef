#!/usr/bin/env bash
# The web UI in a real browser: Debian's Chromium driven by playwright-core
# (crates/vigie-web/tests/ui.mjs, node's own test runner). Installs what it
# needs on a fresh Debian machine: the chromium package (never a browser
# download) and playwright-core under target/ui-node. Screenshots of every
# page land in target/ui-artifacts/.
#
# Environment: VIGIE_BIN (default target/debug/vigie), VIGIE_SHARED_DIR
# (default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export VIGIE_BIN=${VIGIE_BIN:-$ROOT/target/debug/vigie}
export VIGIE_SHARED_DIR=${VIGIE_SHARED_DIR:-$ROOT/../shared}
export PLAYWRIGHT_DIR=$ROOT/target/ui-node
export UI_ARTIFACTS=$ROOT/target/ui-artifacts
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PLAYWRIGHT_VERSION=1.65.1

if [ ! -x "$VIGIE_BIN" ]; then
  echo "no vigie binary at $VIGIE_BIN (cargo build first, or set VIGIE_BIN)" >&2
  exit 1
fi
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
installed=$(node -p "try { require('$PLAYWRIGHT_DIR/node_modules/playwright-core/package.json').version } catch { '' }")
if [ "$installed" != "$PLAYWRIGHT_VERSION" ]; then
  mkdir -p "$PLAYWRIGHT_DIR"
  # playwright-core alone: no browser is downloaded (Debian's is used).
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund \
    --prefix "$PLAYWRIGHT_DIR" "playwright-core@$PLAYWRIGHT_VERSION"
fi
rm -rf "$UI_ARTIFACTS"
mkdir -p "$UI_ARTIFACTS"
echo "node $(node --version), $("$CHROMIUM" --version 2>/dev/null || echo chromium), playwright-core $PLAYWRIGHT_VERSION"
node --test --test-reporter=spec crates/vigie-web/tests/ui.mjs
echo "screenshots: $(ls "$UI_ARTIFACTS" | tr '\n' ' ')"
