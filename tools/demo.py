"""The main job: WnA end to end on the embedded demo data, on CPU, in minutes.

    python tools/demo.py [--out demo_output] [--iters N]

1. generates the demo data (``tools/make_demo_data.py``) unless it is already there;
2. trains the CPU demo twin of WnA-S (``configs/wna/demo/tiny_nedmix_demo.py``);
3. evaluates the final checkpoint in the four open-set modes (GZSL, OSR, GOSR, OSTR);
4. writes into ``--out``: ``checkpoint.pth``, ``metrics.json``, ``predictions/``,
   ``training_curve.png`` and ``predictions.png`` (test images with prediction, ground
   truth, chosen expert and router probabilities).
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import shutil
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository root

DEFAULT_CONFIG = osp.join(ROOT, 'configs/wna/demo/tiny_nedmix_demo.py')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train and evaluate WnA on the demo data')
    parser.add_argument('--out', default='demo_output', help='output folder')
    parser.add_argument('--data', default=None,
                        help='demo data root (default: $WNA_DEMO_DATA or data/wna_demo)')
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='demo config')
    parser.add_argument('--iters', type=int, default=None,
                        help='training iterations (default: the config\'s)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--figure-samples', type=int, default=24,
                        help='test images drawn in predictions.png')
    return parser.parse_args(argv)


def ensure_demo_data(data_root: str, seed: int) -> None:
    """Generate the demo data unless a complete copy is already there."""
    if osp.isfile(osp.join(data_root, 'meta.json')):
        print(f'[demo] using the demo data in {data_root}')
        return
    print(f'[demo] generating the demo data in {data_root}')
    from tools.make_demo_data import main as make_demo_data
    make_demo_data(['--out', data_root, '--seed', str(seed)])


def train(cfg_path: str, work_dir: str, iters: int | None, seed: int) -> str:
    """Train the demo config; return the final checkpoint's path."""
    from mmengine.runner import Runner

    from projects.wna.engine.runner_setup import load_config
    options = {'randomness.seed': seed}
    if iters is not None:
        options['train_cfg.max_iters'] = iters
    cfg = load_config(cfg_path, options, work_dir)
    # at least ~50 logged points for the training curve, however short the run
    logger = cfg.default_hooks.logger
    logger.interval = max(1, min(logger.interval, cfg.train_cfg.max_iters // 50))
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [dict(type='TrainProgressBarHook')]
    runner = Runner.from_cfg(cfg)
    runner.train()
    return osp.join(work_dir, f'iter_{runner.iter}.pth')


def evaluate(cfg_path: str, work_dir: str, checkpoint: str) -> dict:
    """Run the demo test suite on ``checkpoint`` and dump every prediction."""
    from mmengine.runner import Runner

    from projects.wna.engine.runner_setup import load_config
    cfg = load_config(cfg_path, None, work_dir)
    cfg.load_from = checkpoint
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='WnAPredictionDumpHook', out_dir=osp.join(work_dir, 'predictions'))]
    return Runner.from_cfg(cfg).test()


def plot_training_curve(work_dir: str, out_file: str) -> None:
    """Plot the logged losses (MMEngine's ``vis_data/scalars.json``) against iterations."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    logs = sorted(
        osp.join(d, 'vis_data', 'scalars.json') for d in
        (osp.join(work_dir, n) for n in os.listdir(work_dir))
        if osp.isfile(osp.join(d, 'vis_data', 'scalars.json')))
    series: dict[str, list[tuple[int, float]]] = {}
    for log in reversed(logs):  # the newest run that logged losses (tests log none)
        with open(log, encoding='utf-8') as f:
            for line in f:
                record = json.loads(line)
                if 'loss' in record and 'step' in record:
                    for key, value in record.items():
                        if key.startswith('loss'):
                            series.setdefault(key, []).append((record['step'], value))
        if series:
            break
    if not series:
        raise FileNotFoundError(f'no logged training loss (vis_data/scalars.json) under '
                                f'{work_dir}')
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    for key, points in series.items():
        steps, values = zip(*points)
        ax.plot(steps, values, label=key, linewidth=2.2 if key == 'loss' else 1.2)
    ax.set_xlabel('iteration')
    ax.set_ylabel('loss')
    ax.set_title('WnA-S demo twin: training losses')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_file)
    plt.close(fig)


def draw_predictions(pred_dir: str, lmdb_path: str, out_file: str, count: int) -> None:
    """Draw ``count`` GZSL test images (both orientations) with their predictions."""
    import numpy as np

    from projects.wna.charset.render import default_font_path
    from projects.wna.datasets.lmdb_dataset import WnALMDBDataset
    from projects.wna.visualization import compose_grid, draw_prediction_panel
    files = sorted(f for f in os.listdir(pred_dir) if 'GZSL' in f and f.endswith('.jsonl'))
    if not files:
        raise FileNotFoundError(f'no GZSL predictions in {pred_dir}')
    with open(osp.join(pred_dir, files[0]), encoding='utf-8') as f:
        records = [json.loads(line) for line in f]
    dataset = WnALMDBDataset(ann_file=lmdb_path, pipeline=[], test_mode=True)
    rng = np.random.default_rng(0)
    picked = rng.choice(len(records), size=min(count, len(records)), replace=False)
    font = default_font_path()
    panels = []
    for i in sorted(picked.tolist()):
        record = records[i]
        image = dataset[record['index']]['img'][..., ::-1]  # BGR -> RGB
        panels.append(draw_prediction_panel(
            image, font, pred=record['text'], gt=record['gt'], expert=record['expert'],
            probs=record['router_probs']))
    grid = compose_grid(panels, cols=3, title='WnA demo: GZSL predictions (blue = correct, '
                        'red = wrong); expert chosen by the router', font_path=font)
    from PIL import Image
    Image.fromarray(grid).save(out_file)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    data_root = args.data or os.environ.get('WNA_DEMO_DATA', 'data/wna_demo')
    os.environ['WNA_DEMO_DATA'] = data_root  # read by the demo configs
    out = osp.abspath(args.out)
    work_dir = osp.join(out, 'work_dir')
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    ensure_demo_data(data_root, args.seed)
    print('[demo] training the demo twin of WnA-S')
    checkpoint = train(args.config, work_dir, args.iters, args.seed)
    shutil.copyfile(checkpoint, osp.join(out, 'checkpoint.pth'))
    print('[demo] evaluating GZSL, OSR, GOSR and OSTR')
    metrics = evaluate(args.config, work_dir, checkpoint)

    from projects.wna.engine.report import format_metrics_table
    with open(osp.join(out, 'metrics.json'), 'w', encoding='utf-8') as f:
        json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
    plot_training_curve(work_dir, osp.join(out, 'training_curve.png'))
    shutil.copytree(osp.join(work_dir, 'predictions'), osp.join(out, 'predictions'),
                    dirs_exist_ok=True)
    draw_predictions(osp.join(out, 'predictions'), osp.join(data_root, 'test_jpn_hv'),
                     osp.join(out, 'predictions.png'), args.figure_samples)
    print(format_metrics_table(metrics))
    print(f'[demo] done in {(time.time() - start) / 60:.1f} min; results in {out}: '
          'checkpoint.pth, metrics.json, training_curve.png, predictions.png, predictions/')
    return metrics


if __name__ == '__main__':
    main()
