#!/usr/bin/env bash
# The five-minute check of a GPU node (see tools/misc/gpu_smoke.py for the steps):
#   bash tools/misc/gpu_smoke.sh [--out DIR] [--iters N] [--gpus N]
# Environment report, training on 1 GPU and on every visible GPU (dist_train.sh), SIGTERM to the process group,
# --resume, tools/test.py, ONNX export: one line per step (PASSED / FAILED / SKIPPED) and DIR/gpu_smoke.json.
# Without a CUDA GPU it says so and runs the CPU subset (exit status 0 when that passes). Python: $PYTHON, else
# the repo's .venv, else python.
set -euo pipefail
if [ $# -gt 0 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; }; then
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
default_python=python
[ -x "$repo_root/.venv/bin/python" ] && default_python="$repo_root/.venv/bin/python"
PYTHON=${PYTHON:-$default_python}
cd "$repo_root"
PYTHONPATH="$repo_root:${PYTHONPATH:-}" exec "$PYTHON" tools/misc/gpu_smoke.py "$@"
