#!/usr/bin/env bash
# One-command set-up: creates .venv in the repository and installs mmext with every dependency pinned.
#
#   bash tools/install.sh                 # CPU-friendly default: mmcv without compiled ops (under a minute
#                                         # with a warm uv cache; prints the time it took)
#   TORCH_BACKEND=cu126 bash tools/install.sh   # torch built for CUDA 12.6 (NVIDIA drivers >= 525)
#   MMCV_WITH_OPS=1 bash tools/install.sh # full mmcv with compiled (CUDA if available) ops, for clusters;
#                                         # compiles ~120 C++/CUDA files (about an hour on 2 CPU cores)
#   bash tools/install.sh --help          # this text; installs nothing
#
# Environment variables:
#   PYTHON         interpreter to create the venv with (default: python3.11)
#   VENV           venv location (default: <repo>/.venv)
#   TORCH_BACKEND  which build of torch 2.13.0, which exists as cpu, cu126, cu130 and cu132 only (no cu118 /
#                  cu121 / cu124). Default (or cu130): the registry's wheel from requirements.lock, CUDA 13.0
#                  runtime, needs an NVIDIA driver >= 580, also runs on the CPU. cu126: CUDA 12.6, drivers >= 525.
#                  cu132: CUDA 13.2. cpu: no CUDA. `nvidia-smi` shows a node's driver; docs/cluster.md has the
#                  table. For cu126 / cu132 / cpu, torch and torchvision come from the PyTorch index of that
#                  build (uv's --torch-backend) and requirements.lock is used without its CUDA 13 packages
#                  (cuda-*, nvidia-*, triton), which that torch then brings in its own versions. A venv holding
#                  another build of torch gets the requested one (and loses the old build's CUDA packages).
#   MMCV_WITH_OPS  0 (default) or 1, see above
#   FORCE_CUDA     1 with MMCV_WITH_OPS=1 on a machine without a GPU (a cluster's login node) that has the CUDA
#                  toolkit: builds mmcv's CUDA kernels anyway. Without it, no GPU means CPU-only ops. Before the
#                  build starts, nvcc (CUDA_HOME/bin, else PATH) must be there and of torch's CUDA major version.
#   TORCH_CUDA_ARCH_LIST  GPU architectures of mmcv's CUDA kernels (e.g. "8.0;9.0"); default: those of the
#                  installed torch build (without it, torch's extension builder fails on a machine without GPUs).
#   DRY_RUN        1: print the install commands instead of running them
set -euo pipefail

if [ $# -gt 0 ]; then
    case "$1" in
        -h|--help) sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown argument '$1'; options are environment variables (bash tools/install.sh --help)" >&2
           exit 2 ;;
    esac
fi

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
case "$TORCH_BACKEND" in
    ''|cu130) torch_build=cu130 ;;  # the registry's torch 2.13.0 wheel is the CUDA 13.0 build
    cu126|cu132|cpu) torch_build="$TORCH_BACKEND" ;;
    *) echo "error: TORCH_BACKEND=$TORCH_BACKEND: torch 2.13.0 exists as cpu, cu126, cu130 and cu132 builds only" \
            "(no cu118 / cu121 / cu124). cu126 runs on NVIDIA drivers >= 525, cu130 (the default) on >= 580;" \
            "docs/cluster.md has the table." >&2
       exit 2 ;;
esac
torch_version="$(sed -n 's/^torch==//p' requirements.lock)"
torchvision_version="$(sed -n 's/^torchvision==//p' requirements.lock)"

# The CUDA major version of the torch build, and the nvcc that would compile mmcv's kernels.
torch_cuda_major() { case "$torch_build" in cu126) echo 12 ;; cu130|cu132) echo 13 ;; *) echo "" ;; esac; }
find_nvcc() {
    local home="${CUDA_HOME:-${CUDA_PATH:-}}"
    if [ -n "$home" ]; then echo "$home/bin/nvcc"; return; fi
    if command -v nvcc >/dev/null 2>&1; then command -v nvcc; return; fi
    echo /usr/local/cuda/bin/nvcc
}
check_nvcc() {
    local nvcc version major wanted
    wanted="$(torch_cuda_major)"
    if [ -z "$wanted" ]; then
        echo "error: building CUDA kernels needs a CUDA build of torch, but TORCH_BACKEND=$torch_build" >&2
        exit 1
    fi
    nvcc="$(find_nvcc)"
    if [ ! -x "$nvcc" ]; then
        echo "error: building mmcv's CUDA kernels needs the CUDA toolkit's nvcc (CUDA $wanted.x, like torch" \
             "$torch_version+$torch_build), not found at $nvcc. Load the toolkit (e.g. \`module load cuda/$wanted\`)" \
             "or set CUDA_HOME, then run this again." >&2
        exit 1
    fi
    version="$("$nvcc" --version | sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n1)"
    major="${version%%.*}"
    if [ "$major" != "$wanted" ]; then
        echo "error: $nvcc is CUDA ${version:-of unknown version}, but torch $torch_version+$torch_build was built" \
             "with CUDA $wanted.x: torch's extension builder refuses another major version. Use a CUDA $wanted" \
             "toolkit, or TORCH_BACKEND=cu126 for a CUDA 12 toolkit (cu130 / cu132 for CUDA 13)." >&2
        exit 1
    fi
    echo "nvcc: $nvcc (CUDA $version; torch $torch_version+$torch_build)"
}
# A login node's CUDA build needs a matching nvcc: checked now, not after installing everything else.
if [ "$MMCV_WITH_OPS" = "1" ] && [ "${FORCE_CUDA:-0}" = "1" ]; then
    check_nvcc
fi

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

# The build of the torch already in the venv (its local version label: cu130, cu126, cpu, ...), without
# importing it; empty when there is none.
installed_torch_build() {
    [ -x "$VENV/bin/python" ] || return 0
    "$VENV/bin/python" - <<'EOF' 2>/dev/null || true
import importlib.util, os, re
spec = importlib.util.find_spec('torch')
if spec and spec.submodule_search_locations:
    path = os.path.join(list(spec.submodule_search_locations)[0], 'version.py')
    found = re.search(r"__version__ = '[^'+]*\+([^']+)'", open(path).read()) if os.path.isfile(path) else None
    print(found.group(1) if found else '')
EOF
}

# Packages that come with a CUDA build of torch: requirements.lock pins the CUDA 13.0 ones.
CUDA_RUNTIME_PACKAGES='^(cuda-toolkit|cuda-bindings|cuda-pathfinder|nvidia-[a-z0-9-]+|triton)=='
reinstall_args=()
installed_build="$(installed_torch_build)"
if [ -n "$installed_build" ] && [ "$installed_build" != "$torch_build" ]; then
    step "replacing torch $torch_version+$installed_build with the $torch_build build (and its CUDA packages)"
    stale=$("${uv[@]}" freeze --python "$VENV/bin/python" 2>/dev/null | grep -E "$CUDA_RUNTIME_PACKAGES" \
            | cut -d= -f1 || true)
    if [ -n "$stale" ]; then
        # shellcheck disable=SC2086  # one argument per package
        run "${uv[@]}" uninstall --python "$VENV/bin/python" $stale
    fi
    reinstall_args=(--reinstall-package torch --reinstall-package torchvision)
fi

# requirements.lock as is for the default build; for another build, the lock without torch's CUDA 13 packages,
# and torch + torchvision from that build's PyTorch index.
install_locked() {
    if [ "$torch_build" = "cu130" ]; then
        run "${uv[@]}" install --python "$VENV/bin/python" "${reinstall_args[@]}" -r requirements.lock
        return
    fi
    local lock
    lock="$(mktemp "${TMPDIR:-/tmp}/mmext-requirements-$torch_build.XXXXXX")"
    grep -v -E "$CUDA_RUNTIME_PACKAGES" requirements.lock | grep -v -E '^(torch|torchvision)==' > "$lock"
    echo "requirements.lock without its CUDA 13 packages ($(grep -c -E "$CUDA_RUNTIME_PACKAGES" requirements.lock)" \
         "pins): $lock"
    run "${uv[@]}" install --python "$VENV/bin/python" --torch-backend "$torch_build" "${reinstall_args[@]}" \
        -r "$lock" "torch==$torch_version" "torchvision==$torchvision_version"
}

step "installing pinned dependencies (requirements.lock)${TORCH_BACKEND:+; torch build: $torch_build}"
install_locked
reinstall_args=()

step "installing mmpose, mmdet and mediapipe without their declared dependencies"
run "${uv[@]}" install --python "$VENV/bin/python" --no-deps -r requirements/no-deps.txt

torch_arch_list() {
    "$VENV/bin/python" -c '
import torch
flags = torch._C._cuda_getArchFlags().split()
archs = sorted({(int(f[3:-1]), int(f[-1])) for f in flags if f.startswith("sm_")})
print(";".join(f"{a}.{b}" for a, b in archs) + "+PTX")' 2>/dev/null || true
}

mmcv_url="$(grep -v '^#' requirements/mmcv.txt | grep -m1 .)"
if [ "$MMCV_WITH_OPS" = "1" ]; then
    cuda_kernels=0
    if [ "${FORCE_CUDA:-0}" = "1" ]; then
        cuda_kernels=1
        ops="CUDA and CPU ops (FORCE_CUDA=1: CUDA kernels built without a GPU here; needs nvcc)"
    elif "$VENV/bin/python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        cuda_kernels=1
        ops="CUDA and CPU ops (a GPU is usable here)"
    else
        ops="CPU-only ops: no usable GPU here. On a cluster's login node set FORCE_CUDA=1 (with the CUDA toolkit) to build the CUDA kernels"
    fi
    arch_env=()
    if [ "$cuda_kernels" = "1" ]; then
        [ "${FORCE_CUDA:-0}" = "1" ] || check_nvcc  # FORCE_CUDA=1 was checked before installing anything
        if [ -z "${TORCH_CUDA_ARCH_LIST:-}" ]; then
            TORCH_CUDA_ARCH_LIST="$(torch_arch_list)"
            if [ -z "$TORCH_CUDA_ARCH_LIST" ]; then
                if [ "${DRY_RUN:-0}" != "1" ]; then
                    echo "error: cannot read the GPU architectures of the installed torch; set TORCH_CUDA_ARCH_LIST" \
                         "(e.g. \"8.0;9.0\")" >&2
                    exit 1
                fi
                TORCH_CUDA_ARCH_LIST="<the torch build's architectures>"
            fi
            echo "TORCH_CUDA_ARCH_LIST=$TORCH_CUDA_ARCH_LIST (those of torch $torch_version+$torch_build; set it to" \
                 "override)"
        fi
        arch_env=("TORCH_CUDA_ARCH_LIST=$TORCH_CUDA_ARCH_LIST")
    else
        echo "note: with CPU-only compiled ops, mmcv.ops is real, so mmext.compat does not put in its torchvision" \
             "stand-ins: mmdet's Mask R-CNN (RoIAlign, nms) then has no GPU implementation. For GPUs build the" \
             "CUDA kernels (FORCE_CUDA=1), or keep MMCV_WITH_OPS=0, whose stand-ins run on the GPU."
    fi
    step "building full mmcv 2.1.0 with compiled ops -- $ops (this takes a long time)"
    run "${uv[@]}" uninstall --python "$VENV/bin/python" mmcv-lite >/dev/null 2>&1 || true
    # The build needs torch from the venv (no build isolation) and a setuptools that still has
    # pkg_resources; torch's own setuptools pin is restored afterwards.
    run "${uv[@]}" install --python "$VENV/bin/python" "setuptools<70" wheel ninja
    run env MMCV_WITH_OPS=1 FORCE_CUDA="${FORCE_CUDA:-0}" "${arch_env[@]}" "${uv[@]}" install \
        --python "$VENV/bin/python" --no-build-isolation --no-cache "mmcv @ $mmcv_url"
    install_locked
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
