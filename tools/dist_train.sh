#!/usr/bin/env bash
# Distributed training with torchrun: one process per GPU (or, without GPUs, per CPU worker with gloo).
#   bash tools/dist_train.sh CONFIG NUM_PROCESSES [train.py options...]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT. Python: $PYTHON, else the repo's .venv, else python.
set -euo pipefail
if [ $# -lt 2 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
CONFIG=$1
NPROC=$2
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_python=python
[ -x "$repo_root/.venv/bin/python" ] && default_python="$repo_root/.venv/bin/python"
PYTHON=${PYTHON:-$default_python}
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
# torchrun passes these signals on to the training processes, whose PreemptionCheckpointHook stops with a
# checkpoint; torch 2.13's torchrun handles SIGTERM, SIGINT, SIGHUP and SIGQUIT, not Slurm's SIGUSR1.
export TORCHELASTIC_SIGNALS_TO_HANDLE=${TORCHELASTIC_SIGNALS_TO_HANDLE:-SIGTERM,SIGINT,SIGHUP,SIGQUIT,SIGUSR1}

PYTHONPATH="$repo_root:${PYTHONPATH:-}" exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" --master_port="$PORT" \
    --nproc_per_node="$NPROC" \
    "$repo_root/tools/train.py" "$CONFIG" --launcher pytorch "${@:3}"
