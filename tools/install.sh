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
#   TORCH_BACKEND  which torch build: default = the registry's (CUDA 13.0 runtime: needs an NVIDIA driver >= 580,
#                  runs on the CPU too); cu126 / cu124 / cu121 / cu118 for older drivers (`nvidia-smi` shows the
#                  driver and the highest CUDA it supports), cpu for a CPU-only build. Passed to uv's
#                  --torch-backend, which takes torch and torchvision from the PyTorch index of that build.
#   FORCE_CUDA     1 with MMCV_WITH_OPS=1 on a machine without a GPU (a cluster's login node) that has the CUDA
#                  toolkit (nvcc): builds mmcv's CUDA kernels anyway. Without it, no GPU means CPU-only ops.
#   DRY_RUN        1: print the install commands instead of running them
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

PYTHON="${PYTHON:-python3.11}"
VENV="${VENV:-$repo_root/.venv}"
MMCV_WITH_OPS="${MMCV_WITH_OPS:-0}"
UV_VERSION="0.13.8"

step() { printf '\n==> %s\n' "$*"; }
run() { if [ "${DRY_RUN:-0}" = "1" ]; then echo "+ $*"; else "$@"; fi; }
start_time=$(date +%s)
TORCH_BACKEND="${TORCH_BACKEND:-}"
torch_args=()
[ -n "$TORCH_BACKEND" ] && torch_args=(--torch-backend "$TORCH_BACKEND")

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
    run "$PYTHON" -m venv "$VENV"
fi

# uv installs the pinned CUDA-built torch + torchvision pair from the registry (it ignores pip's
# configuration, whose local CPU-only torch wheel does not pair with the registry's torchvision).
if ! "$VENV/bin/uv" --version 2>/dev/null | grep -q "$UV_VERSION"; then
    step "installing uv $UV_VERSION"
    run "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
uv=("$VENV/bin/uv" pip)
export VIRTUAL_ENV="$VENV"

step "installing pinned dependencies (requirements.lock)${TORCH_BACKEND:+; torch build: $TORCH_BACKEND}"
run "${uv[@]}" install --python "$VENV/bin/python" "${torch_args[@]}" -r requirements.lock

step "installing mmpose, mmdet and mediapipe without their declared dependencies"
run "${uv[@]}" install --python "$VENV/bin/python" --no-deps -r requirements/no-deps.txt

mmcv_url="$(grep -v '^#' requirements/mmcv.txt | grep -m1 .)"
if [ "$MMCV_WITH_OPS" = "1" ]; then
    if [ "${FORCE_CUDA:-0}" = "1" ]; then
        ops="CUDA and CPU ops (FORCE_CUDA=1: CUDA kernels built without a GPU here; needs nvcc)"
    elif "$VENV/bin/python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        ops="CUDA and CPU ops (a GPU is usable here)"
    else
        ops="CPU-only ops: no usable GPU here. On a cluster's login node set FORCE_CUDA=1 (with the CUDA toolkit) to build the CUDA kernels"
    fi
    step "building full mmcv 2.1.0 with compiled ops -- $ops (this takes a long time)"
    run "${uv[@]}" uninstall --python "$VENV/bin/python" mmcv-lite >/dev/null 2>&1 || true
    # The build needs torch from the venv (no build isolation) and a setuptools that still has
    # pkg_resources; torch's own setuptools pin is restored afterwards.
    run "${uv[@]}" install --python "$VENV/bin/python" "setuptools<70" wheel ninja
    run env MMCV_WITH_OPS=1 FORCE_CUDA="${FORCE_CUDA:-0}" "${uv[@]}" install --python "$VENV/bin/python" \
        --no-build-isolation --no-cache "mmcv @ $mmcv_url"
    run "${uv[@]}" install --python "$VENV/bin/python" "${torch_args[@]}" -r requirements.lock
    if [ "${DRY_RUN:-0}" != "1" ]; then
        built=$("$VENV/bin/python" -c 'from mmcv.ops import get_compiling_cuda_version as v; print(v())')
        echo "mmcv's compiled ops were built with CUDA: $built"
        if [ "${FORCE_CUDA:-0}" = "1" ] && [ "$built" = "not available" ]; then
            echo "error: FORCE_CUDA=1 asked for CUDA kernels but the build has none (is nvcc on PATH and" \
                 "CUDA_HOME set?)" >&2
            exit 1
        fi
    fi
else
    step "installing mmcv 2.1.0 without compiled ops (mmext.compat provides the ops mmseg needs)"
    run "${uv[@]}" uninstall --python "$VENV/bin/python" mmcv >/dev/null 2>&1 || true
    run env MMCV_WITH_OPS=0 "${uv[@]}" install --python "$VENV/bin/python" \
        --build-constraint requirements/build-constraints.txt "mmcv-lite @ $mmcv_url"
fi

step "installing mmext (editable)"
run "${uv[@]}" install --python "$VENV/bin/python" --no-deps -e .

step "checking the installation"
run "$VENV/bin/python" tools/misc/print_env.py

echo
echo "Installed in $(( $(date +%s) - start_time )) s. Activate with: source $VENV/bin/activate"
