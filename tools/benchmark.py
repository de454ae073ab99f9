"""Speed, FLOPs and memory of a wna config on CPU or GPU.

    python tools/benchmark.py CONFIG [--checkpoint CKPT] [--device cpu|cuda] [--threads N]
        [--batch-sizes 1 16 32] [--repeats R] [--warmup W] [--train-batch 72]
        [--train-repeats T]
        [--data LMDB | --synthetic] [--dict DICT | --synthetic-dict] [--json OUT] [--tiny]
        [--large-dicts dab3791MC 5000] [--mmocr-models abinet-vision satrn crnn]
        [--demo-checkpoint CKPT [--demo-config CONFIG]]

Measures, with random weights unless a checkpoint is given: inference images/s per batch
size with the latency per batch split into data loading + preprocessing, router, experts
and decoding (``torch.inference_mode``; the test prototypes are cached first); training
iterations/s for the paper's 72-image batch; peak memory per phase; FLOPs per image per
expert and the achieved FLOP/s next to a plain matrix product's; and the learned router
against rule-based routing and single experts on the same inputs. In the same run: every
test-time path (exact float32, each fast-path technique alone, the fast path) on the same
batches and for glyph encoding (also of large dictionaries), the float32 and the
mixed-precision training step, MMOCR's ABINet-vision, SATRN and CRNN on the same images
(random weights, resized by their own pipelines) and, with ``--demo-checkpoint``, the
accuracy of both paths on the demo test suite. The ratios are under ``speedup`` (e.g.
``speedup["fast_vs_fp32"]["batch_32"]``), the accuracy deltas under ``accuracy``. Prints
tables and writes every figure as JSON. ``--tiny`` is a smoke run (batches 1 and 4, training
batch 6, 2 repeats). The default inputs are the demo test LMDB and its GZSL dictionary
(``tools/make_demo_data.py``; ``$WNA_DEMO_DATA`` or ``data/wna_demo``).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository root

import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from projects.wna.analysis.benchmark import (  # noqa: E402
    MATMUL_SIZES,
    MMOCR_MODELS,
    TINY_SETTINGS,
    BenchmarkSettings,
    LMDBImages,
    SyntheticImages,
    build_train_optim_wrapper,
    format_report,
    mixed_precision_optim_wrapper,
    run_benchmark,
    seed_everything,
    synthetic_charset,
)
from projects.wna.apis import config_test_pipeline, load_recognizer  # noqa: E402
from projects.wna.charset import load_charset  # noqa: E402
from projects.wna.engine.runner_setup import load_config  # noqa: E402

#: Synthetic crops generated (as many as the demo test set has).
SYNTHETIC_IMAGES = 600


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    demo = os.environ.get('WNA_DEMO_DATA', osp.join(ROOT, 'data', 'wna_demo'))
    defaults = BenchmarkSettings()
    parser = argparse.ArgumentParser(description='Benchmark a wna config')
    parser.add_argument('config', help='config file')
    parser.add_argument('--checkpoint', help='weights (default: seeded random weights)')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--threads', type=int,
                        help='torch intra-op threads (default: torch\'s, from OMP_NUM_THREADS)')
    parser.add_argument('--batch-sizes', type=int, nargs='+',
                        help=f'inference batch sizes (default {defaults.batch_sizes}; tiny '
                        f'{TINY_SETTINGS.batch_sizes})')
    parser.add_argument('--repeats', type=int, help=f'timed batches or steps (default '
                        f'{defaults.repeats}; tiny {TINY_SETTINGS.repeats})')
    parser.add_argument('--warmup', type=int, help=f'untimed batches or steps first (default '
                        f'{defaults.warmup}; tiny {TINY_SETTINGS.warmup})')
    parser.add_argument('--train-batch', type=int, help=f'training batch, a multiple of 3 '
                        f'(default {defaults.train_batch}; tiny {TINY_SETTINGS.train_batch})')
    parser.add_argument('--train-repeats', type=int, help=f'timed training steps (default '
                        f'{defaults.train_repeats}; tiny {TINY_SETTINGS.train_repeats})')
    parser.add_argument('--matmul-size', type=int, help=f'side of the reference matrix '
                        f'product (default {MATMUL_SIZES})')
    inputs = parser.add_mutually_exclusive_group()
    inputs.add_argument('--data', default=osp.join(demo, 'test_jpn_hv'),
                        help='test LMDB (default: the demo test set)')
    inputs.add_argument('--synthetic', action='store_true',
                        help=f'{SYNTHETIC_IMAGES} random crops with the demo\'s aspect-ratio mix')
    charset = parser.add_mutually_exclusive_group()
    charset.add_argument('--dict', default=osp.join(demo, 'dicts', 'jpnhv_gzsl.npz'),
                         help='test dictionary (default: the demo GZSL one)')
    charset.add_argument('--synthetic-dict', action='store_true',
                         help='random glyphs with dab3791MC\'s composition (3817 characters)')
    parser.add_argument('--large-dicts', nargs='*',
                        help='dictionaries whose encoding is timed on the float32 and fast '
                        'paths: dab3791MC and/or glyph counts (default: '
                        f'{" ".join(map(str, defaults.large_dicts))}; none with no value)')
    parser.add_argument('--mmocr-models', nargs='*', choices=sorted(MMOCR_MODELS),
                        help='MMOCR recognisers timed on the same images (default: '
                        f'{" ".join(defaults.mmocr_models)}; none with no value)')
    parser.add_argument('--demo-checkpoint',
                        help='a trained checkpoint of --demo-config: its whole test suite is '
                        'evaluated in float32 and on the fast path (accuracy deltas)')
    parser.add_argument('--demo-config',
                        default=osp.join(ROOT, 'configs', 'wna', 'demo',
                                         'wna-s_resnet45-narrow_1.8k_wna-demo.py'),
                        help='config of --demo-checkpoint (default: the demo config)')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'benchmark'),
                        help='where the accuracy runs write logs and predictions')
    parser.add_argument('--json', help='write the figures here (default: print only)')
    parser.add_argument('--tiny', action='store_true', help='smoke-test settings')
    parser.add_argument('--seed', type=int, default=0, help='seed of weights and inputs')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: CUDA is not available')
    return args


def settings_from_args(args: argparse.Namespace) -> BenchmarkSettings:
    """``--tiny`` or the defaults, overridden by the options given."""
    base = TINY_SETTINGS if args.tiny else BenchmarkSettings()
    given = dict(batch_sizes=tuple(args.batch_sizes) if args.batch_sizes else None,
                 repeats=args.repeats, warmup=args.warmup, train_batch=args.train_batch,
                 train_repeats=args.train_repeats, matmul_size=args.matmul_size,
                 large_dicts=None if args.large_dicts is None else tuple(
                     d if d == 'dab3791MC' else int(d) for d in args.large_dicts),
                 mmocr_models=None if args.mmocr_models is None else tuple(args.mmocr_models))
    return dataclasses.replace(base, **{k: v for k, v in given.items() if v is not None})


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = settings_from_args(args)
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmocr'))
    seed_everything(args.seed)
    charset = synthetic_charset(args.seed) if args.synthetic_dict else load_charset(args.dict)
    pipeline = config_test_pipeline(cfg)
    source = (SyntheticImages(SYNTHETIC_IMAGES, charset, pipeline, args.seed)
              if args.synthetic else LMDBImages(args.data, pipeline))
    model = load_recognizer(cfg, args.checkpoint, args.device, charset=charset)  # seeded
    result = dict(config=args.config, checkpoint=args.checkpoint,
                  dictionary='synthetic (dab3791MC composition, random glyphs)'
                  if args.synthetic_dict else args.dict)
    wrappers = dict(fp32=build_train_optim_wrapper(model, cfg),
                    mixed_precision=mixed_precision_optim_wrapper(model, cfg))
    accuracy = None
    if args.demo_checkpoint:
        if not osp.isfile(args.demo_checkpoint):
            raise FileNotFoundError(f'--demo-checkpoint not found: {args.demo_checkpoint}')
        accuracy = (args.demo_config, args.demo_checkpoint, args.work_dir)
    result.update(run_benchmark(model, source, charset, wrappers, settings, accuracy))
    print(format_report(result))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=2)
        print(f'figures written to {args.json}')
    return result


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
