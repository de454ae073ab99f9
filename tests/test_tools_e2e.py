"""The entry points end to end on tiny generated demo data: DDP training on CPU
(``tools/dist_train.sh``, gloo), evaluation (``tools/test.py --save-preds``) and the
main job (``tools/demo.py``; over several seeds, ``--seeds``, in a slow test)."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from conftest import DEMO_CONFIG as CONFIG
from conftest import ROOT, load_tool, run_tool_main

TESTS = ('DEMO-GZSL', 'DEMO-OSR', 'DEMO-GOSR', 'DEMO-OSTR', 'DEMO-OTHERFACE')


@pytest.fixture(scope='module')
def demo_env(tmp_path_factory):
    data = tmp_path_factory.mktemp('demo_data')
    assert run_tool_main('make_demo_data', ['--out', str(data), '--size', '0.03',
                                            '--overwrite']) == 0
    return dict(os.environ, WNA_DEMO_DATA=str(data), OMP_NUM_THREADS='1',
                PYTHON=sys.executable)


def run(cmd, env, cwd):
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_dist_train_on_cpu_then_test_with_saved_predictions(demo_env, tmp_path):
    work = tmp_path / 'run'
    # from another working directory: the tools find the repository themselves
    log = run(['bash', osp.join(ROOT, 'tools/dist_train.sh'), CONFIG, '2', '--work-dir',
               str(work), '--cfg-options', 'train_cfg.max_iters=3',
               'default_hooks.logger.interval=1', 'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False', 'train_cfg.val_interval=100',
               'default_hooks.checkpoint.interval=3', 'randomness.seed=1'],
              demo_env, cwd=str(tmp_path))
    assert 'Distributed training: True' in log
    assert 'Iter(train) [3/3]' in log
    checkpoint = work / 'iter_3.pth'
    assert checkpoint.is_file()

    out = run([sys.executable, osp.join(ROOT, 'tools/test.py'), CONFIG, str(checkpoint),
               '--work-dir', str(work), '--save-preds', '--show-dir', 'vis',
               '--cfg-options', 'test_dataloader.num_workers=0'], demo_env, cwd=str(tmp_path))
    assert '| test | acr |' in out
    for test in TESTS:
        assert f'| {test} |' in out
    metrics = json.load(open(glob.glob(str(work / 'metrics_*.json'))[0], encoding='utf-8'))
    assert metrics['checkpoint'] == str(checkpoint)
    assert {f'{t}/fps' for t in TESTS} <= set(metrics['metrics'])
    assert 0.0 <= metrics['metrics']['DEMO-GZSL/acr'] <= 1.0
    for test in TESTS:
        lines = open(work / 'predictions' / f'{test}.jsonl', encoding='utf-8').readlines()
        record = json.loads(lines[0])
        assert len(lines) == metrics['metrics'][f'{test}/n']
        assert record['expert'] in ('hori', 'vert', 'rect')
        assert len(record['router_probs']) == 3 and record['gt']
    # --show-dir: one drawing per test image, named <test>_<index>.png
    drawings = glob.glob(str(work / '*' / 'vis' / '*.png'))
    assert len(drawings) == sum(metrics['metrics'][f'{t}/n'] for t in TESTS)
    assert any(osp.basename(d).startswith('DEMO-OSTR_') for d in drawings)


def scalar_records(work_dir) -> list[dict]:
    """Every record of the MMEngine scalar logs under ``work_dir``."""
    logs = sorted(glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json')))
    return [json.loads(line) for log in logs for line in open(log, encoding='utf-8')]


def train_losses(work) -> dict[int, float]:
    """``{iteration: total loss}`` from the MMEngine scalar logs of every run in ``work``."""
    return {r['iter']: r['loss'] for r in scalar_records(work) if 'loss' in r}


# slow: four tools/train.py runs (about 110 s on 2 cores); resuming to the same weights is
# also checked, in-process, by test_reliability_checkpoints' SIGKILL test
@pytest.mark.slow
def test_resumed_training_continues_like_an_uninterrupted_run(demo_env, tmp_path):
    common = ['--cfg-options', 'default_hooks.logger.interval=1', 'randomness.seed=3',
              'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
              'train_cfg.val_interval=100', 'default_hooks.checkpoint.interval=2']
    train = [sys.executable, osp.join(ROOT, 'tools/train.py'), CONFIG, '--work-dir']
    whole, split = tmp_path / 'whole', tmp_path / 'split'
    run(train + [str(whole)] + common + ['train_cfg.max_iters=4'], demo_env, cwd=ROOT)
    run(train + [str(split)] + common + ['train_cfg.max_iters=2'], demo_env, cwd=ROOT)
    log = run(train + [str(split), '--resume', str(split / 'iter_2.pth')] + common
              + ['train_cfg.max_iters=4'], demo_env, cwd=ROOT)
    assert 'resumed epoch: 0, iter: 2' in log
    expected, resumed = train_losses(whole), train_losses(split)
    assert sorted(expected) == [1, 2, 3, 4] and sorted(resumed) == [1, 2, 3, 4]
    for it in (3, 4):
        assert resumed[it] == pytest.approx(expected[it], rel=1e-6), it
    # The demo config averages the weights (EMAHook): a checkpoint's state_dict holds the
    # average, ema_state_dict the raw weights, and both survive the resume.
    ckpts = [torch.load(d / 'iter_4.pth', map_location='cpu', weights_only=False)
             for d in (whole, split)]
    for key in ('state_dict', 'ema_state_dict'):
        a, b = (c[key] for c in ckpts)
        assert a.keys() == b.keys()
        for name in a:
            torch.testing.assert_close(b[name], a[name], rtol=1e-5, atol=1e-6, msg=name)
    average, raw = ckpts[0]['state_dict'], ckpts[0]['ema_state_dict']
    assert any(not torch.equal(average[k], raw[f'module.{k}']) for k in average)
    # a different seed gives different losses, so the comparison can fail
    other = tmp_path / 'other'
    run(train + [str(other)] + common + ['train_cfg.max_iters=1', 'randomness.seed=4'],
        demo_env, cwd=ROOT)
    assert train_losses(other)[1] != pytest.approx(expected[1], rel=1e-6)


def assert_demo_outputs(out) -> dict:
    """One seed's outputs of ``tools/demo.py`` in ``out`` (two iterations); its metrics."""
    metrics = json.load(open(out / 'metrics.json', encoding='utf-8'))
    for test, name in zip(TESTS, ('acr', 'kacr', 'kacr', 'kacr', 'acr')):
        assert 0.0 <= metrics[f'{test}/{name}'] <= 1.0
        assert (out / 'predictions' / f'{test}.jsonl').is_file()
    for name in ('checkpoint.pth', 'training_curve.png', 'predictions.png', 'attention.png'):
        assert (out / name).is_file(), name
    analysis = out / 'analysis'
    assert {'analysis.md', 'analysis.json', 'DEMO-GZSL_routing.png',
            'DEMO-GZSL_length.png'} <= {p.name for p in analysis.iterdir()}
    # the runner logs into this seed's own work dir
    records = scalar_records(out / 'work_dir')
    assert sorted(r.get('step') for r in records if 'loss' in r) == [1, 2], records
    # the validation after the last iteration is logged at that iteration, not epoch 0
    assert [r['step'] for r in records if 'DEMO-GZSL/acr' in r] == [2], records
    return metrics


def test_demo_writes_every_output_of_the_main_job(demo_env, tmp_path):
    """README's first command, ``tools/demo.py``, cut to two iterations."""
    out = tmp_path / 'demo'
    log = run([sys.executable, osp.join(ROOT, 'tools/demo.py'), '--out', str(out),
               '--iters', '2', '--seed', '5', '--figure-samples', '2'],
              demo_env, cwd=str(tmp_path))
    assert '| DEMO-GZSL |' in log and '| DEMO-OTHERFACE |' in log
    assert_demo_outputs(out)
    assert not (out / 'seeds.json').exists()


def test_seed_report_keeps_the_median_seed_s_checkpoint(tmp_path, capsys):
    demo = load_tool('demo')
    gzsl = {5: 0.2, 6: 0.4, 7: 0.3}
    runs = {seed: {'DEMO-GZSL/acr': acr, 'DEMO-OSR/kacr': 1 - acr} for seed, acr in gzsl.items()}
    for seed in runs:
        (tmp_path / f'seed_{seed}').mkdir()
        (tmp_path / f'seed_{seed}' / 'checkpoint.pth').write_bytes(b'weights of %d' % seed)
    summary = demo.report_seeds(str(tmp_path), runs, {5: 1.0, 6: 1.5, 7: 2.0})
    assert summary['DEMO-GZSL/acr']['median'] == pytest.approx(0.3)
    assert summary['DEMO-GZSL/acr']['range'] == pytest.approx(0.2)
    assert (tmp_path / 'checkpoint.pth').read_bytes() == b'weights of 7'
    report = json.load(open(tmp_path / 'seeds.json', encoding='utf-8'))
    assert report['seeds'] == [5, 6, 7] and report['median_seed'] == 7
    assert report['minutes'] == {'5': 1.0, '6': 1.5, '7': 2.0}
    assert {int(s): m for s, m in report['runs'].items()} == runs
    printed = capsys.readouterr().out
    assert '| metric | median | range | seed 5 | seed 6 | seed 7 |' in printed
    assert "checkpoint.pth is seed 7's" in printed


# slow: two seeds of tools/demo.py (about 2 minutes on 2 cores); one seed of it and the
# seed report are the two default tests above
@pytest.mark.slow
def test_demo_over_seeds_reports_median_and_range(demo_env, tmp_path):
    out = tmp_path / 'demo'
    log = run([sys.executable, osp.join(ROOT, 'tools/demo.py'), '--out', str(out),
               '--iters', '2', '--seeds', '2', '--seed', '5', '--figure-samples', '2'],
              demo_env, cwd=str(tmp_path))
    assert '| metric | median | range | seed 5 | seed 6 |' in log
    report = json.load(open(out / 'seeds.json', encoding='utf-8'))
    assert report['seeds'] == [5, 6] and report['median_seed'] in (5, 6)
    runs = {int(s): m for s, m in report['runs'].items()}
    for seed in (5, 6):
        # each seed's runner logs into its own work dir (not into the first one's)
        assert assert_demo_outputs(out / f'seed_{seed}') == runs[seed]
    for key in ('DEMO-GZSL/acr', 'DEMO-OTHERFACE/char_acr', 'DEMO-GZSL/char_acr_unseen'):
        entry = report['summary'][key]
        values = [runs[s][key] for s in (5, 6)]
        assert entry['min'] == min(values) and entry['max'] == max(values)
        assert entry['median'] == sum(values) / 2 and entry['range'] == max(values) - min(values)
    median = report['median_seed']
    assert (out / 'checkpoint.pth').read_bytes() == \
        (out / f'seed_{median}' / 'checkpoint.pth').read_bytes()
