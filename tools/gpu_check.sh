#!/usr/bin/env bash
# The GPU checks, for a machine with CUDA and the installed .venv (or PYTHON=...):
# the CUDA-marked tests, then tools/benchmark.py on the GPU for WnA-S and XL -- float32,
# each fast-path technique and the fast path, AMP training, MMOCR's recognisers -- in one
# run each. Writes logs and JSON under OUT (default work_dirs/gpu_check).
#     bash tools/gpu_check.sh [OUT]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-.venv/bin/python}
OUT=${1:-work_dirs/gpu_check}
mkdir -p "$OUT"
"$PYTHON" -c 'import torch; assert torch.cuda.is_available(), "no CUDA device"; print(torch.cuda.get_device_name())'
[ -d "${WNA_DEMO_DATA:-data/wna_demo}" ] || "$PYTHON" tools/make_demo_data.py
"$PYTHON" -m pytest -q -m cuda -p no:cacheprovider tests 2>&1 | tee "$OUT/cuda_tests.log"
for config in tiny_nedmix xl_nedmix; do
    "$PYTHON" tools/benchmark.py "configs/wna/$config.py" --device cuda --repeats 10 \
        --warmup 2 --train-repeats 3 --json "$OUT/${config}_cuda.json" 2>&1 \
        | tee "$OUT/${config}_cuda.txt"
done
