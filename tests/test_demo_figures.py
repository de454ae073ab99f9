"""The demo's training curve from a hand-made MMEngine scalar log: losses and the
validation metrics against the iteration."""
import json

import matplotlib.pyplot as plt
import pytest

from projects.wna.analysis.demo_figures import (
    draw_training_curves,
    plot_training_curve,
    read_training_curves,
)


def write_log(work_dir, run, records):
    folder = work_dir / run / 'vis_data'
    folder.mkdir(parents=True)
    (folder / 'scalars.json').write_text(''.join(json.dumps(r) + '\n' for r in records))


@pytest.fixture
def work_dir(tmp_path):
    val = lambda step, acr, f: {  # noqa: E731
        'T-GZSL/acr': acr, 'T-GZSL/char_acr': acr + 0.1, 'T-GZSL/acr_hori': 0.9,
        'T-GZSL/n': 600, 'T-GZSL/fps': 120.0, 'T-OSR/f': f, 'data_time': 0.01,
        'time': 0.1, 'step': step}
    write_log(tmp_path, '20250101_000000', [{'loss': 9.0, 'step': 1}])  # an older run
    write_log(tmp_path, '20250102_000000', [
        {'lr': 1e-3, 'loss': 4.0, 'loss_hori': 3.0, 'time': 0.2, 'iter': 10, 'step': 10},
        {'lr': 1e-3, 'loss': 3.0, 'loss_hori': 2.5, 'time': 0.2, 'iter': 20, 'step': 20},
        val(20, 0.25, 0.5),
        {'lr': 1e-3, 'loss': 2.0, 'loss_hori': 1.5, 'time': 0.2, 'iter': 30, 'step': 30},
        val(40, 0.5, 0.75)])
    # a later evaluation-only run logs no loss: not the training curve
    write_log(tmp_path, '20250103_000000', [val(0, 0.1, 0.1)])
    return tmp_path


def test_read_training_curves(work_dir):
    assert read_training_curves(str(work_dir)) == {
        'loss': {'loss': ([10, 20, 30], [4.0, 3.0, 2.0]),
                 'loss_hori': ([10, 20, 30], [3.0, 2.5, 1.5])},
        'val': {'T-GZSL/acr': ([20, 40], [0.25, 0.5]),
                'T-GZSL/char_acr': ([20, 40], [pytest.approx(0.35), pytest.approx(0.6)]),
                'T-OSR/f': ([20, 40], [0.5, 0.75])}}


def test_figure_plots_losses_and_validation_against_iteration(work_dir, tmp_path):
    out = tmp_path / 'curve.png'
    curves = plot_training_curve(str(work_dir), str(out))
    assert out.stat().st_size > 10_000
    fig = draw_training_curves(curves)
    loss_ax, val_ax = fig.axes
    lines = {ax: {line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
                  for line in ax.get_lines()} for ax in (loss_ax, val_ax)}
    assert lines[loss_ax] == {'loss': ([10, 20, 30], [4.0, 3.0, 2.0]),
                              'loss_hori': ([10, 20, 30], [3.0, 2.5, 1.5])}
    assert lines[val_ax]['T-GZSL/acr'] == ([20, 40], [25.0, 50.0])  # in %
    assert lines[val_ax]['T-OSR/f'] == ([20, 40], [50.0, 75.0])
    assert set(lines[val_ax]) == {'T-GZSL/acr', 'T-GZSL/char_acr', 'T-OSR/f'}
    assert val_ax.get_xlabel() == loss_ax.get_xlabel() == 'iteration'
    assert val_ax.get_xlim() == loss_ax.get_xlim()  # the same iterations side by side
    plt.close(fig)


def test_losses_alone_and_no_loss(tmp_path):
    write_log(tmp_path, 'run', [{'loss': 1.0, 'step': 5}])
    curves = read_training_curves(str(tmp_path))
    assert curves == {'loss': {'loss': ([5], [1.0])}, 'val': {}}
    fig = draw_training_curves(curves)
    assert len(fig.axes) == 1
    plt.close(fig)
    with pytest.raises(FileNotFoundError, match='no logged training loss'):
        read_training_curves(str(tmp_path / 'run'))
