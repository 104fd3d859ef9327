#!/usr/bin/env bash
# README quickstart, one command: make a synthetic Dress Code set (unless data/dresscode holds data), train
# TopFormer-B with landmark and skeleton heads on the CPU for a short schedule, print its test-split metrics.
#   bash tools/quickstart.sh            (MAX_ITERS=600 by default; PYTHON overrides the interpreter)
set -euo pipefail
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
default_python=python
[ -x .venv/bin/python ] && default_python=.venv/bin/python
PYTHON=${PYTHON:-$default_python}
MAX_ITERS=${MAX_ITERS:-600}
DATA=data/dresscode
CONFIG=configs/quickstart/topformer_b_dresscode_cpu.py
WORK_DIR="work_dirs/quickstart/$(date +%Y%m%d_%H%M%S)"
start=$(date +%s)

if [ -f "$DATA/SYNTHETIC_DRESSCODE.txt" ]; then
    echo "==> using the synthetic Dress Code set already in $DATA"
elif [ -d "$DATA" ] && [ -n "$(ls -A "$DATA")" ]; then
    echo "==> $DATA holds data that is not synthetic: training on it"
else
    echo "==> writing a synthetic Dress Code set to $DATA (100 photos per category, 256x192)"
    "$PYTHON" tools/misc/make_synthetic_dresscode.py --out "$DATA" --num 100 --seed 0 --size 256x192
fi

echo "==> training ($MAX_ITERS iterations on the CPU) in $WORK_DIR"
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" \
    --cfg-options train_cfg.max_iters="$MAX_ITERS" train_cfg.val_interval="$MAX_ITERS" \
    default_hooks.checkpoint.interval="$MAX_ITERS"

# The synthetic set's validation split is its test split: the final validation above already scored it.
seconds=$(( $(date +%s) - start ))
summary=$("$PYTHON" tools/misc/quickstart_summary.py "$WORK_DIR" "$seconds" "$0" --keys mIoU gIoU.upper gIoU.lower gIoU.whole gIoU.person PCK@0.1 PCK@0.1_mean_pose_oracle)
echo
echo "Quickstart done in $seconds s. Test split: $summary"
echo "Checkpoint, logs and metrics (run_summary.json, quickstart.json): $repo_root/$WORK_DIR"
echo "Try it: python tools/demo/web_demo.py $CONFIG   (or tools/infer.py $CONFIG $WORK_DIR/iter_$MAX_ITERS.pth PHOTOS --out DIR)"
