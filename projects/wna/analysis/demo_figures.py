"""The demo's figures: the logged training losses, and test images with their predictions."""
from __future__ import annotations

import json
import os
import os.path as osp

import numpy as np
from PIL import Image

from projects.wna.charset.render import default_font_path
from projects.wna.datasets.lmdb_dataset import WnALMDBDataset
from projects.wna.visualization import compose_grid, draw_prediction_panel


def plot_training_curve(work_dir: str, out_file: str) -> None:
    """Plot the logged losses (MMEngine's ``vis_data/scalars.json``) against iterations."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt  # after choosing the file-only backend
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
    Image.fromarray(grid).save(out_file)
