#!/usr/bin/env bash
# Training on a Slurm cluster (one task per GPU); every argument after CONFIG goes to tools/train.py, as in
# mmsegmentation:
#   [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS=...] bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG \
#       [--work-dir DIR] [--resume] [--auto-scale-lr] [--cfg-options ...]
# Slurm's SIGTERM before preemption or the time limit makes tools/train.py save a checkpoint first; --resume
# continues from it.
set -euo pipefail
if [ $# -lt 3 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
PYTHON=${PYTHON:-python}

# shellcheck disable=SC2086  # SRUN_ARGS holds several srun options
PYTHONPATH="$repo_root:${PYTHONPATH:-}" exec srun -p "$PARTITION" --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 $SRUN_ARGS \
    "$PYTHON" -u "$repo_root/tools/train.py" "$CONFIG" --launcher slurm "${@:4}"
