#!/usr/bin/env bash
# Testing on a Slurm cluster (one task per GPU).
#   [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS=...] bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options...]
# Python: $PYTHON, else the repo's .venv, else python. Port: PORT, else one derived from SLURM_JOB_ID.
set -euo pipefail
if [ $# -lt 4 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
default_python=python
[ -x "$repo_root/.venv/bin/python" ] && default_python="$repo_root/.venv/bin/python"
PYTHON=${PYTHON:-$default_python}
# The rendezvous port: PORT if given, else tools/test.py derives one from SLURM_JOB_ID (20000-29999), so
# two jobs on one node do not both take torch's default 29500.
[ -n "${PORT:-}" ] && export MASTER_PORT="$PORT"
extra=("${@:5}")

PYTHONPATH="$repo_root:${PYTHONPATH:-}" exec srun -p "$PARTITION" --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 $SRUN_ARGS \
    "$PYTHON" -u "$repo_root/tools/test.py" "$CONFIG" "$CHECKPOINT" --launcher slurm "${extra[@]}"
