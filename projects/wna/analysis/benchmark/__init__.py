"""Speed, FLOPs and memory of a WnA config (``tools/benchmark.py``).

``inputs``: test images (LMDB or synthetic) and the training batch; ``measure``: clocks,
timers, memory and the reference matrix product; ``flops``: FLOP counts; ``paths``: the
fast test-time path against float32; ``mmocr_models``: MMOCR's recognisers on the same
images; ``demo_accuracy``: both paths' accuracy on a trained checkpoint's test suite;
``suite``: the measurements; ``tables``: the printed report.
"""
from .inputs import LMDBImages, SyntheticImages, random_charset, synthetic_charset
from .mmocr_models import MMOCR_MODELS
from .paths import PATHS, mixed_precision_optim_wrapper
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
    'MATMUL_SIZES', 'LMDBImages', 'SyntheticImages', 'random_charset', 'synthetic_charset',
    'MMOCR_MODELS', 'PATHS', 'mixed_precision_optim_wrapper', 'TINY_SETTINGS',
    'BenchmarkSettings', 'build_train_optim_wrapper', 'run_benchmark', 'seed_everything',
    'format_report'
]
