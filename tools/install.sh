#!/usr/bin/env bash
# One-command set-up: creates .venv in the repository and installs mmext with every dependency pinned.
#
#   bash tools/install.sh                 # CPU-friendly default: mmcv without compiled ops (under a minute
#                                         # with a warm uv cache; prints the time it took)
#   MMCV_WITH_OPS=1 bash tools/install.sh # full mmcv with compiled (CUDA if available) ops, for clusters;
#                                         # compiles ~120 C++/CUDA files (about an hour on 2 CPU cores)
#
# Environment variables:
#   PYTHON         interpreter to create the venv with (default: python3.11)
#   VENV           venv location (default: <repo>/.venv)
#   MMCV_WITH_OPS  0 (default) or 1, see above
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

PYTHON="${PYTHON:-python3.11}"
VENV="${VENV:-$repo_root/.venv}"
MMCV_WITH_OPS="${MMCV_WITH_OPS:-0}"
UV_VERSION="0.13.8"

step() { printf '\n==> %s\n' "$*"; }
start_time=$(date +%s)

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "error: $PYTHON not found; set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
py_version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$py_version" != "3.11" ]; then
    echo "error: $PYTHON is Python $py_version; mmext pins wheels for Python 3.11" >&2
    exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
    step "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

# uv installs the pinned CUDA-built torch + torchvision pair from the registry (it ignores pip's
# configuration, whose local CPU-only torch wheel does not pair with the registry's torchvision).
if ! "$VENV/bin/uv" --version 2>/dev/null | grep -q "$UV_VERSION"; then
    step "installing uv $UV_VERSION"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
uv=("$VENV/bin/uv" pip)
export VIRTUAL_ENV="$VENV"

step "installing pinned dependencies (requirements.lock)"
"${uv[@]}" install --python "$VENV/bin/python" -r requirements.lock

step "installing mmpose and mmdet without their declared dependencies"
"${uv[@]}" install --python "$VENV/bin/python" --no-deps -r requirements/no-deps.txt

mmcv_url="$(grep -v '^#' requirements/mmcv.txt | grep -m1 .)"
if [ "$MMCV_WITH_OPS" = "1" ]; then
    step "building full mmcv 2.1.0 with compiled ops (this takes a long time)"
    "${uv[@]}" uninstall --python "$VENV/bin/python" mmcv-lite >/dev/null 2>&1 || true
    # The build needs torch from the venv (no build isolation) and a setuptools that still has
    # pkg_resources; torch's own setuptools pin is restored afterwards.
    "${uv[@]}" install --python "$VENV/bin/python" "setuptools<70" wheel ninja
    MMCV_WITH_OPS=1 "${uv[@]}" install --python "$VENV/bin/python" --no-build-isolation --no-cache \
        "mmcv @ $mmcv_url"
    "${uv[@]}" install --python "$VENV/bin/python" -r requirements.lock
else
    step "installing mmcv 2.1.0 without compiled ops (mmext.compat provides the ops mmseg needs)"
    "${uv[@]}" uninstall --python "$VENV/bin/python" mmcv >/dev/null 2>&1 || true
    MMCV_WITH_OPS=0 "${uv[@]}" install --python "$VENV/bin/python" \
        --build-constraint requirements/build-constraints.txt "mmcv-lite @ $mmcv_url"
fi

step "installing mmext (editable)"
"${uv[@]}" install --python "$VENV/bin/python" --no-deps -e .

step "checking the installation"
"$VENV/bin/python" tools/misc/print_env.py

echo
echo "Installed in $(( $(date +%s) - start_time )) s. Activate with: source $VENV/bin/activate"
