#!/usr/bin/env bash
# Headless Chromium for the dashboard's browser tests (tests/history/test_dashboard_browser.py).
#
#   scripts/ci-chromium.sh    install Debian's `chromium` and `chromium-driver` with apt-get when
#                             /usr/bin/chromium or /usr/bin/chromedriver is missing (root, or sudo -n),
#                             then print the two versions. Exits non-zero when they cannot be installed.
#
# The tests find the binaries through QGATE_CHROMIUM / QGATE_CHROMEDRIVER, else /usr/bin/chromium and
# /usr/bin/chromedriver. In CI (CI set) a missing browser fails the tests instead of skipping them.
set -euo pipefail

log() { echo "ci-chromium: $*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}

browser="${QGATE_CHROMIUM:-/usr/bin/chromium}"
driver="${QGATE_CHROMEDRIVER:-/usr/bin/chromedriver}"

if [ ! -x "$browser" ] || [ ! -x "$driver" ]; then
    command -v apt-get >/dev/null 2>&1 || { log "apt-get not found: install chromium and chromium-driver yourself"; exit 1; }
    log "installing chromium and chromium-driver with apt-get"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || { log "apt-get update failed (root or sudo needed)"; exit 1; }
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2 \
        || { log "apt-get install chromium chromium-driver failed"; exit 1; }
fi

"$browser" --version
"$driver" --version
