#!/usr/bin/env bash
# Multi-process training through torchrun (DDP via MMEngine; gloo on CPU, nccl on GPU).
#   bash tools/dist_train.sh CONFIG NUM_PROCS [train.py options...]
set -euo pipefail
CONFIG=$1
NPROC=$2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
exec "$PY" -m torch.distributed.run --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
    --nproc_per_node="$NPROC" "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "${@:3}"
