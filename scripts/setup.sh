#!/usr/bin/env bash
# Set-up for a fresh machine (Debian/Ubuntu, Node >= 20.19): system packages the tests and the demo
# use, npm dependencies from the lockfile, and the TypeScript build. Safe to run again: it skips
# what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node() {
  if ! command -v node >/dev/null; then
    echo "setup: Node.js >= 20.19 is required (https://nodejs.org)" >&2
    exit 1
  fi
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
    echo "setup: Node.js >= 20.19 is required, found $(node --version)" >&2
    exit 1
  }
}

# Debian packages: socat (virtual serial ports), mosquitto (a real MQTT broker for tests and the demo),
# chromium (the dashboard's browser tests drive it headless through playwright-core), docker-compose
# (validates docker-compose.yml; no Docker engine is needed).
install_system_packages() {
  local missing=()
  command -v socat >/dev/null || missing+=(socat)
  command -v mosquitto >/dev/null || missing+=(mosquitto)
  command -v mosquitto_pub >/dev/null || missing+=(mosquitto-clients)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]} with apt-get"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian package starts a system-wide mosquitto on 1883 where an init system runs; we start our own.
}

install_npm_packages() {
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    return 0
  fi
  echo "setup: npm ci (better-sqlite3 compiles from source where no prebuilt binary fits; about a minute)"
  npm ci --no-audit --no-fund
}

need_node
install_system_packages
install_npm_packages
echo "setup: building"
npm run --silent build
echo "setup: done"
