#!/usr/bin/env bash
# The real-photo quickstart: convert CCP (a public data set of real photos with human parsing labels), train
# TopFormer-B on its clothing4 grouping on the CPU, print the val IoU (a run: docs/first_hour/quickstart_real.json).
#   make quickstart-real CCP=PATH      (= bash tools/quickstart_real.sh PATH; PATH holds photos/ and
#                                       annotations/pixel-level/ of bearpaw/clothing-co-parsing)
# A relative PATH counts from the directory the command is typed in (for make: the repository root).
# ../shared/data/ccp is the reference copy of the studies' 804 photos, beside the checkout (docs/data.md).
set -euo pipefail
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ] || [ -z "${1:-}" ]; then
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
    [ -n "${1:-}" ] && exit 0 || exit 2
fi
CCP_SRC=$1
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Resolve PATH before changing into the repository root, so that a relative PATH means what the caller typed.
if [ -d "$CCP_SRC" ]; then CCP_SRC="$(cd "$CCP_SRC" && pwd)"; fi
if [ ! -f "$repo_root/data/ccp/conversion.json" ] && [ ! -d "$CCP_SRC/annotations/pixel-level" ]; then
    echo "quickstart_real.sh: $1 (from $PWD) is not a CCP folder: it has no annotations/pixel-level/." >&2
    echo "  Give a clone of https://github.com/bearpaw/clothing-co-parsing (photos/, annotations/pixel-level/)," >&2
    echo "  or ../shared/data/ccp where the reference data lie beside the checkout (docs/data.md)." >&2
    exit 2
fi
cd "$repo_root"
default_python=python
[ -x .venv/bin/python ] && default_python=.venv/bin/python
PYTHON=${PYTHON:-$default_python}
CONFIG=configs/quickstart/topformer_b_ccp_clothing4_cpu.py
WORK_DIR="work_dirs/quickstart_real/$(date +%Y%m%d_%H%M%S)"
start=$(date +%s)

if [ ! -f data/ccp/conversion.json ]; then
    echo "==> converting CCP from $CCP_SRC to data/ccp"
    "$PYTHON" tools/dataset_converters/ccp.py --src "$CCP_SRC" --out data/ccp
fi
if [ ! -f data/ccp_h320/conversion.json ]; then
    echo "==> a copy of the photos at 320 px height for fast loading: data/ccp_h320"
    "$PYTHON" tools/dataset_converters/resize_tree.py --src data/ccp --out data/ccp_h320 --height 320
fi
echo "==> training (1500 iterations on the CPU) in $WORK_DIR"
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
seconds=$(( $(date +%s) - start ))
summary=$("$PYTHON" tools/misc/quickstart_summary.py "$WORK_DIR" "$seconds" "$0" --keys mIoU IoU.upper IoU.lower IoU.whole per_image_mIoU)
echo
echo "Real-photo quickstart done in $seconds s. CCP val photos: $summary"
echo "Checkpoint, logs and metrics (run_summary.json, quickstart.json): $repo_root/$WORK_DIR"
echo "Try it: python tools/demo/web_demo.py $CONFIG $WORK_DIR/iter_1500.pth"
