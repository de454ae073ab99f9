"""The demo's figures: the logged training losses and validation metrics, and test images
with their predictions."""
from __future__ import annotations

import json
import os
import os.path as osp

import numpy as np
from PIL import Image

from projects.wna.charset.render import default_font_path
from projects.wna.datasets.lmdb_dataset import WnALMDBDataset
from projects.wna.visualization import compose_grid, draw_prediction_panel

#: Validation metrics drawn beside the losses: the ``<test>/<metric>`` keys of the log
#: with these metric names (fractions; orientation splits, counts and speed are left out).
CURVE_METRICS = ('acr', 'char_acr', 'char_acr_seen', 'char_acr_unseen', 'kacr', 'f')

#: ``{key: (iterations, values)}`` of one logged series each.
Series = dict[str, tuple[list[int], list[float]]]


def read_training_curves(work_dir: str) -> dict[str, Series]:
    """The curves of the newest run under ``work_dir`` that logged training losses
    (MMEngine's ``<timestamp>/vis_data/scalars.json``; evaluation-only runs log none).

    Returns:
        ``{'loss': series, 'val': series}``: every ``loss*`` key of the training records,
        and every ``<test>/<m>`` key with ``m`` in :data:`CURVE_METRICS` of the
        validation records, each against its logged ``step`` (the iteration, as the
        default runtime logs with ``log_metric_by_epoch=False``).
    """
    logs = sorted(
        osp.join(d, 'vis_data', 'scalars.json') for d in
        (osp.join(work_dir, n) for n in os.listdir(work_dir))
        if osp.isfile(osp.join(d, 'vis_data', 'scalars.json')))
    for log in reversed(logs):
        curves: dict[str, Series] = {'loss': {}, 'val': {}}
        with open(log, encoding='utf-8') as f:
            for line in f:
                record = json.loads(line)
                if 'step' not in record:
                    continue
                for key, value in record.items():
                    if 'loss' in record and key.startswith('loss'):
                        kind = 'loss'
                    elif '/' in key and key.rpartition('/')[2] in CURVE_METRICS:
                        kind = 'val'
                    else:
                        continue
                    steps, values = curves[kind].setdefault(key, ([], []))
                    steps.append(record['step'])
                    values.append(float(value))
        if curves['loss']:
            return curves
    raise FileNotFoundError(f'no logged training loss (vis_data/scalars.json) under '
                            f'{work_dir}')


def draw_training_curves(curves: dict[str, Series]):
    """A matplotlib figure of :func:`read_training_curves`' curves: the losses on the
    left, the validation metrics (in %) on the right when any were logged."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt  # after choosing the file-only backend
    panels = 2 if curves['val'] else 1
    fig, axes = plt.subplots(1, panels, figsize=(7 * panels, 4.5), dpi=120, squeeze=False)
    loss_ax = axes[0, 0]
    for key, (steps, values) in curves['loss'].items():
        loss_ax.plot(steps, values, label=key, linewidth=2.2 if key == 'loss' else 1.2)
    loss_ax.set(xlabel='iteration', ylabel='loss', title='training losses')
    if curves['val']:
        val_ax = axes[0, 1]
        for key, (steps, values) in curves['val'].items():
            val_ax.plot(steps, [100 * v for v in values], marker='o', label=key)
        val_ax.set(xlabel='iteration', ylabel='%', ylim=(0, 100),
                   xlim=loss_ax.get_xlim(), title='validation')
    for ax in axes[0]:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle('WnA-S demo twin')
    fig.tight_layout()
    return fig


def plot_training_curve(work_dir: str, out_file: str) -> dict[str, Series]:
    """Write the figure of the logged losses and validation metrics of ``work_dir``
    (:func:`read_training_curves`) to ``out_file``; returns the curves drawn."""
    curves = read_training_curves(work_dir)
    fig = draw_training_curves(curves)
    import matplotlib.pyplot as plt  # after draw_training_curves chose the backend
    fig.savefig(out_file)
    plt.close(fig)
    return curves


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
    grid = compose_grid(panels, cols=3, title='WnA demo: GZSL predictions; characters blue '
                        'right, red wrong, orange ⑨ rejected, pink slot missed', font_path=font)
    Image.fromarray(grid).save(out_file)
