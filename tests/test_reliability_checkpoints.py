"""Wrong checkpoints and interrupted runs never give a silent wrong result: strict loading
in ``tools/test.py`` (``WnAStrictLoadHook``), unreadable files, the ``--resume`` choice
(``find_resume_checkpoint`` / ``set_resume``) and atomic checkpoint writes
(``WnACheckpointHook``)."""
from __future__ import annotations

import builtins
import errno
import glob
import logging
import os
import os.path as osp
import random
import re
import shutil
import subprocess
import sys

import pytest
import torch
from conftest import (
    CONFIGS,
    DEFAULT_SAMPLES,
    DEMO_CONFIG,
    NARROW_CONFIG,
    ROOT,
    build_model,
    load_tool,
    make_charset,
    make_sample,
    run_tool_main,
)
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import HistoryBuffer, MMLogger
from mmengine.registry import MODELS
from mmengine.runner.checkpoint import CheckpointLoader

from projects.wna.engine.checkpoint import (
    LAST_CHECKPOINT,
    CheckpointMismatchError,
    CheckpointReadError,
    check_checkpoint_fits,
    find_resume_checkpoint,
    load_from_trusted_local,
    read_checkpoint,
)
from projects.wna.engine.runner import WnARunner
from projects.wna.engine.runner_setup import set_resume

RUNTIME = osp.join(CONFIGS, '_base_', 'default_runtime.py')
SCHEDULE = osp.join(CONFIGS, '_base_', 'schedules', 'adadelta_400k.py')


# ---------------------------------------------------------------- tools/test.py, strict


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    """Tiny demo data (``WNA_DEMO_DATA`` set for the module) and a checkpoint of the demo
    config's own model."""
    data = tmp_path_factory.mktemp('demo_data')
    assert run_tool_main('make_demo_data', ['--out', str(data), '--size', '0.03',
                                            '--overwrite']) == 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('WNA_DEMO_DATA', str(data))
        model = MODELS.build(Config.fromfile(DEMO_CONFIG).model)
        good = data / 'good.pth'
        torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=1)), good)
        yield dict(data=data, good=str(good), state=model.state_dict(), model=model)


def run_test_tool(checkpoint, work_dir, *extra: str) -> dict:
    return load_tool('test').main([DEMO_CONFIG, str(checkpoint), '--work-dir', str(work_dir),
                                   '--cfg-options', 'test_dataloader.num_workers=0', *extra])


def metrics_files(work_dir) -> list[str]:
    return glob.glob(osp.join(str(work_dir), 'metrics_*.json'))


def test_checkpoint_of_another_config_stops_test_py(demo, tmp_path):
    other = tmp_path / 'other.pth'
    # WnA-S at paper depth, narrow: more blocks, other widths
    torch.save(dict(state_dict=build_model(NARROW_CONFIG, make_charset()).state_dict()), other)
    with pytest.raises(CheckpointMismatchError) as err:
        run_test_tool(other, tmp_path / 'work')
    message = str(err.value)
    assert '\n' not in message
    assert message.startswith(f'checkpoint {other} does not fit config {DEMO_CONFIG}: ')
    assert re.search(r': \d+ unexpected \(backbone\.stages\.0\.1\.[^)]*, \.\.\.\), \d+ '
                     r'shape mismatches \(backbone\.stem\.weight: \(', message), message
    assert not metrics_files(tmp_path / 'work')


def test_weights_free_checkpoint_stops_test_py(demo, tmp_path):
    empty = tmp_path / 'meta_only.pth'
    torch.save(dict(meta=dict(iter=5)), empty)
    with pytest.raises(CheckpointMismatchError,
                       match=r'^checkpoint .*meta_only.pth holds no model weights '
                             r'\(top-level keys: meta\)$'):
        run_test_tool(empty, tmp_path / 'work')
    assert not metrics_files(tmp_path / 'work')


def test_zero_byte_checkpoint_is_one_line_error(demo, tmp_path):
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'')
    with pytest.raises(CheckpointReadError, match=f'^checkpoint {bad} is an empty file$'):
        run_test_tool(bad, tmp_path / 'work')
    assert not metrics_files(tmp_path / 'work')


@pytest.mark.parametrize('content', ['truncated', b'not a checkpoint', b'\x80\x02garbage'])
def test_truncated_or_foreign_file_is_one_line_error(demo, tmp_path, content):
    bad = tmp_path / 'bad.pth'
    if content == 'truncated':
        content = open(demo['good'], 'rb').read()[:5000]
    bad.write_bytes(content)
    with pytest.raises(CheckpointReadError, match=f'^checkpoint {bad} ') as err:
        load_from_trusted_local(str(bad))
    assert '\n' not in str(err.value)


def test_read_checkpoint_unpickles_local_files_and_leaves_schemes_to_mmengine(tmp_path,
                                                                            monkeypatch):
    local = tmp_path / 'with_hub.pth'
    torch.save(dict(state_dict={}, message_hub=dict(
        log_scalars=dict(loss=HistoryBuffer([1.0], [1])))), local)
    hub = read_checkpoint(local)['message_hub']
    assert isinstance(hub['log_scalars']['loss'], HistoryBuffer)
    asked = []
    monkeypatch.setattr(CheckpointLoader, 'load_checkpoint', classmethod(
        lambda cls, filename, map_location=None, logger='current':
        asked.append((filename, map_location)) or {}))
    assert read_checkpoint('https://example.org/w.pth', 'cpu') == {}
    assert asked == [('https://example.org/w.pth', 'cpu')]


def test_non_strict_loads_what_fits_and_the_fitting_checkpoint_passes(demo, tmp_path):
    state = dict(demo['state'])
    state.pop('backbone.stem.weight')
    partial = tmp_path / 'partial.pth'
    torch.save(dict(state_dict=state), partial)
    with pytest.raises(CheckpointMismatchError, match=r'1 missing keys \(backbone.stem.w'):
        run_test_tool(partial, tmp_path / 'strict')
    metrics = run_test_tool(partial, tmp_path / 'loose', '--non-strict')
    assert 0.0 <= metrics['DEMO-GZSL/acr'] <= 1.0
    assert len(metrics_files(tmp_path / 'loose')) == 1
    # the exactly fitting checkpoint passes the check
    check_checkpoint_fits(demo['model'], torch.load(demo['good'], weights_only=False),
                          demo['good'])


def test_test_py_exits_non_zero_with_the_message(demo, tmp_path, capsys):
    meta_only = tmp_path / 'meta.pth'
    torch.save(dict(meta={}), meta_only)
    code = run_tool_main('test', [DEMO_CONFIG, str(meta_only), '--work-dir', str(tmp_path),
                                  '--cfg-options', 'test_dataloader.num_workers=0'])
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f'error: checkpoint {meta_only} holds no model weights (top-level keys: meta)')
    assert not metrics_files(tmp_path)


# ---------------------------------------------------------------- resume and writes


def train_runner(work_dir, max_iters: int, checkpoint_hook: dict | None = None,
                 **resume) -> WnARunner:
    """A ``WnARunner`` (it resumes from MMEngine checkpoints) training the narrow demo
    model on 8 in-memory samples with the default runtime's hooks (fixed seed),
    checkpointing every iteration. The model is seeded as MMEngine seeds a model it
    builds (torch and Python's ``random``, which gives the prototype sampler its seed)."""
    torch.manual_seed(0)
    random.seed(0)
    model = build_model(DEMO_CONFIG, make_charset())
    samples = [make_sample(t, h, w, seed=i) for i, (t, h, w) in enumerate(DEFAULT_SAMPLES)]
    dataset = [dict(inputs=dict(img=img, thumb=thumb), data_samples=ds)
               for img, thumb, ds in samples]
    loader = torch.utils.data.DataLoader(dataset, batch_size=4, collate_fn=pseudo_collate)
    hooks = Config.fromfile(RUNTIME).default_hooks
    hooks.update(checkpoint=checkpoint_hook or dict(hooks.checkpoint, interval=1),
                 logger=dict(type='LoggerHook', interval=1))
    return WnARunner(model=model, work_dir=str(work_dir), train_dataloader=loader,
                     optim_wrapper=Config.fromfile(SCHEDULE).optim_wrapper,
                     train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters,
                                    val_interval=100),
                     default_hooks=hooks,
                     randomness=dict(seed=1), default_scope='mmocr', **resume)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A work dir holding ``iter_1.pth``, ``iter_2.pth`` and ``last_checkpoint``."""
    work = tmp_path_factory.mktemp('trained') / 'run'
    train_runner(work, 2).train()
    return work


@pytest.fixture
def run_copy(trained, tmp_path):
    """A copy of the trained work dir (its pointer must lead to the copy's own files)."""
    return shutil.copytree(trained, tmp_path / 'copy')


@pytest.fixture
def warnings_logged():
    """The warnings logged through MMEngine's current logger during the test."""
    logger = MMLogger.get_instance(f'wna_reliability_{id(object())}')
    records: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: records.append(record.getMessage())
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def resume_choice(work_dir) -> Config:
    cfg = Config(dict(work_dir=str(work_dir)))
    set_resume(cfg, 'auto')
    return cfg


def test_pointer_is_relative_and_a_copied_work_dir_resumes_from_its_own_files(run_copy):
    assert (run_copy / LAST_CHECKPOINT).read_text() == 'iter_2.pth'
    cfg = resume_choice(run_copy)
    assert cfg.resume and cfg.load_from == str(run_copy / 'iter_2.pth')


@pytest.mark.parametrize('pointer', [None, '', '/gone/elsewhere/iter_9.pth', 'iter_7.pth'])
def test_missing_empty_or_dangling_pointer_resumes_from_the_newest(run_copy, pointer,
                                                                   warnings_logged):
    (run_copy / LAST_CHECKPOINT).unlink()
    if pointer is not None:
        (run_copy / LAST_CHECKPOINT).write_text(pointer)
    cfg = resume_choice(run_copy)
    assert cfg.resume and cfg.load_from == str(run_copy / 'iter_2.pth')
    assert any('resuming from the newest complete checkpoint' in w for w in warnings_logged)


def test_truncated_newest_falls_back_to_the_previous_with_a_warning(run_copy,
                                                                    warnings_logged):
    newest = run_copy / 'iter_2.pth'
    newest.write_bytes(newest.read_bytes()[:4096])
    cfg = resume_choice(run_copy)
    assert cfg.load_from == str(run_copy / 'iter_1.pth')
    assert any(f'skipping {newest}: not a complete checkpoint' in w for w in warnings_logged)


def test_no_checkpoint_starts_from_scratch_with_a_log_line(tmp_path, warnings_logged):
    (tmp_path / LAST_CHECKPOINT).write_text('iter_3.pth')
    cfg = resume_choice(tmp_path)
    assert not cfg.resume and cfg.load_from is None
    assert any('no checkpoint' in w and 'from scratch' in w for w in warnings_logged)
    assert find_resume_checkpoint(str(tmp_path)) is None


def test_resume_without_pointer_continues_from_the_newest_iteration(run_copy):
    (run_copy / LAST_CHECKPOINT).unlink()
    cfg = resume_choice(run_copy)
    runner = train_runner(run_copy, 3, resume=cfg.resume, load_from=cfg.load_from)
    runner.train()
    assert runner.iter == 3
    resumed = torch.load(run_copy / 'iter_3.pth', weights_only=False)
    assert resumed['meta']['iter'] == 3
    # iteration 2's checkpoint was not overwritten by a restarted run
    assert torch.load(run_copy / 'iter_2.pth', weights_only=False)['meta']['iter'] == 2


class HalfWriter:
    """A file whose ``write`` stores half the data, then calls ``fail`` (a full disk, a
    kill)."""

    def __init__(self, f, fail) -> None:
        self.f, self.fail = f, fail

    def write(self, data: bytes) -> None:
        self.f.write(data[:len(data) // 2])
        self.f.flush()
        self.fail()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.f.close()

    def __getattr__(self, name):
        return getattr(self.f, name)


def disk_full() -> None:
    raise OSError(errno.ENOSPC, 'No space left on device')


def test_a_failing_checkpoint_write_leaves_no_partial_file(tmp_path, monkeypatch):
    real_open = builtins.open

    def failing_open(file, mode='r', *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        return HalfWriter(f, disk_full) if 'iter_' in str(file) and 'w' in mode else f

    runner = train_runner(tmp_path / 'run', 1)
    monkeypatch.setattr(builtins, 'open', failing_open)
    with pytest.raises(OSError, match='No space left'):
        runner.train()
    monkeypatch.undo()
    work = tmp_path / 'run'
    assert not glob.glob(str(work / 'iter_*')) and not glob.glob(str(work / '.iter_*'))
    assert not (work / LAST_CHECKPOINT).exists()


#: A training subprocess: ``train_runner(work, 4)`` on one thread, optionally killed
#: (SIGKILL) halfway through writing ``iter_3.pth``, optionally resumed as ``--resume``.
TRAINING_RUN = '''
import builtins, os, signal, sys
sys.path[:0] = [{tests!r}, {root!r}]
import torch
torch.set_num_threads(1)
from test_reliability_checkpoints import HalfWriter, resume_choice, train_runner

real_open = builtins.open

def dying_open(file, mode='r', *args, **kwargs):
    f = real_open(file, mode, *args, **kwargs)
    if 'iter_3.pth' in str(file) and 'w' in mode:
        return HalfWriter(f, lambda: os.kill(os.getpid(), signal.SIGKILL))
    return f

if {kill!r}:
    builtins.open = dying_open
resume = {{}}
if {resume!r}:
    cfg = resume_choice({work!r})
    resume = dict(resume=cfg.resume, load_from=cfg.load_from)
train_runner({work!r}, 4, **resume).train()
'''


def start_training_run(tmp_path, work, kill: bool = False, resume: bool = False
                       ) -> subprocess.Popen:
    script = tmp_path / f'run_{kill:d}{resume:d}.py'
    script.write_text(TRAINING_RUN.format(tests=osp.join(ROOT, 'tests'), root=ROOT,
                                          work=str(work), kill=kill, resume=resume))
    return subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(os.environ, OMP_NUM_THREADS='1'))


def finished(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    """Wait for ``proc`` (killed after 300 s, as ``subprocess.run`` would) and return it as
    a completed process."""
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def training_run(tmp_path, work, kill: bool = False, resume: bool = False
                 ) -> subprocess.CompletedProcess:
    return finished(start_training_run(tmp_path, work, kill, resume))


def test_sigkill_during_a_checkpoint_write_then_resume_ends_with_the_uninterrupted_weights(
        tmp_path):
    # the uninterrupted reference run trains beside the killed and resumed ones (one
    # thread each); it shares no file with them
    reference = start_training_run(tmp_path, tmp_path / 'uninterrupted')
    work = tmp_path / 'killed'
    proc = training_run(tmp_path, work, kill=True)
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert not (work / 'iter_3.pth').exists()
    assert (work / LAST_CHECKPOINT).read_text() == 'iter_2.pth'
    assert resume_choice(work).load_from == str(work / 'iter_2.pth')
    kept = (work / 'iter_2.pth').read_bytes()
    proc = training_run(tmp_path, work, resume=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (work / 'iter_2.pth').read_bytes() == kept
    proc = finished(reference)
    assert proc.returncode == 0, proc.stderr[-2000:]
    resumed, uninterrupted = (
        torch.load(path / 'iter_4.pth', weights_only=False)
        for path in (work, tmp_path / 'uninterrupted'))
    assert resumed['meta']['iter'] == uninterrupted['meta']['iter'] == 4
    for key, value in uninterrupted['state_dict'].items():
        assert torch.equal(resumed['state_dict'][key], value), key
