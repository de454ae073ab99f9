"""Speed, FLOPs and memory of a WnA config (``tools/benchmark.py``).

``inputs``: test images (LMDB or synthetic) and the training batch; ``measure``: clocks,
timers, memory and the reference matrix product; ``flops``: FLOP counts; ``suite``: the
measurements; ``tables``: the printed report.
"""
from .inputs import LMDBImages, SyntheticImages, synthetic_charset
from .suite import (
    MATMUL_SIZES,
    TINY_SETTINGS,
    BenchmarkSettings,
    build_train_optim_wrapper,
    run_benchmark,
    seed_everything,
)
from .tables import format_report

__all__ = [
    'MATMUL_SIZES', 'LMDBImages', 'SyntheticImages', 'synthetic_charset', 'TINY_SETTINGS',
    'BenchmarkSettings', 'build_train_optim_wrapper', 'run_benchmark', 'seed_everything',
    'format_report'
]
