#!/usr/bin/env bash
# Installs Debian's chromium + chromium-driver, which the web demo's end-to-end test drives headless
# (tests/test_web_demo.py). Skips the install when both are already on PATH. Needs apt and root (or sudo).
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "chromium and chromedriver already installed: $(chromium --version 2>/dev/null | head -1)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: apt-get not found; install chromium and its matching chromedriver by hand" \
         "(the browser test is skipped without them)" >&2
    exit 1
fi
if [ "$(id -u)" = "0" ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "error: installing chromium needs root; run as root or install sudo" >&2
    exit 1
fi
echo "==> installing chromium and chromium-driver (apt)"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
echo "installed: $(chromium --version 2>/dev/null | head -1)"
