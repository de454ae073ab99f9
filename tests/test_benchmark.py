"""tools/benchmark.py in tiny mode on the demo config: every figure of the JSON is there
and sane, from a tiny test LMDB and from synthetic crops."""
from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest
import torch
from conftest import DEMO_CONFIG, load_tool

from projects.wna.analysis.benchmark import PATHS, synthetic_charset
from projects.wna.analysis.benchmark.inputs import bucketed_batch
from projects.wna.charset import GlyphCharset
from projects.wna.datasets.lmdb_io import write_lmdb

benchmark = load_tool('benchmark')
CHARS = list('abcdefABCDEF0123') + [chr(0x4E00 + i) for i in range(40)]
#: (H, W, text): hori (W/H >= 2), rect, vert (W/H <= 0.5) crops.
RECORDS = [(24, 90, 'abc一'), (30, 70, 'dE'), (20, 120, '一二三四五'), (32, 32, 'f'),
           (40, 50, 'A1'), (36, 36, '丁'), (90, 24, '七万丈'), (70, 20, '三上'),
           (100, 30, 'abc1')]
EXPERTS = ('hori', 'vert', 'rect')
PHASES = ('data', 'router', 'experts', 'decoding', 'model', 'end_to_end')


@pytest.fixture(scope='module')
def demo_inputs(tmp_path_factory):
    """A 9-image test LMDB with all three buckets and a 56-character dictionary."""
    root = tmp_path_factory.mktemp('bench')
    rng = np.random.default_rng(0)
    write_lmdb(root / 'test', [
        (cv2.imencode('.png', rng.integers(0, 256, (h, w, 3), dtype=np.uint8))[1].tobytes(),
         text) for h, w, text in RECORDS])
    glyphs = rng.integers(0, 256, (len(CHARS), 32, 32), dtype=np.uint8)
    GlyphCharset(CHARS, glyphs).save(root / 'dict.npz')
    return root


@pytest.fixture
def keep_threads():
    """Restore torch's thread count (``--threads`` sets it for the whole process)."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def numbers(tree, path=''):
    """Every number of a JSON tree with its path."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from numbers(value, f'{path}/{key}')
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from numbers(value, f'{path}/{i}')
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        yield path, tree


def assert_latency(stats):
    assert 0 < stats['median_ms'] <= stats['p90_ms']


def check_report(result, batch_sizes, train_batch):
    for path, value in numbers(result):
        assert math.isfinite(value), path
        assert value >= 0, path
    env = result['environment']
    assert env['threads'] >= 1 and env['torch'] and env['cpu'] and env['device'] == 'cpu'
    cache = result['prototype_cache']
    assert cache['num_prototypes'] == len(CHARS) and cache['seconds'] > 0
    assert 'prototypes_for' in cache['note']
    assert result['matmul']['flops_per_s'] > 0

    flops = result['flops']
    assert flops['router'] > 0 and flops['glyph_encoder_per_prototype'] > 0
    for name in EXPERTS:
        assert flops['experts'][name] > 0 and flops['decode_step'][name] > 0
        assert flops['per_image'][name] > flops['router'] + flops['experts'][name]

    assert sorted(result['inference']) == sorted(str(b) for b in batch_sizes)
    for batch, entry in result['inference'].items():
        assert entry['batch_size'] == int(batch)
        for phase in PHASES:
            assert_latency(entry['latency'][phase])
        assert entry['img_per_s'] > 0 and entry['model_img_per_s'] >= entry['img_per_s']
        assert entry['flops_per_image'] > 0 and entry['achieved_flops_per_s'] > 0
        assert 0 < entry['ratio_to_matmul']
        assert entry['memory']['peak_rss_mib'] > 0
        assert sum(entry['routed_share'].values()) == pytest.approx(1.0)

    training = result['training']
    assert training['batch_size'] == train_batch
    assert sum(training['buckets'].values()) == train_batch
    assert training['iter_per_s'] > 0
    assert training['img_per_s'] == pytest.approx(train_batch * training['iter_per_s'])
    assert training['flops_per_step'] > 0 and training['ratio_to_matmul'] > 0
    assert_latency(training['latency']['step'])
    assert training['memory']['peak_rss_mib'] > 0

    assert training['mixed_precision']['img_per_s'] > 0
    assert 'Autocast' in training['mixed_precision']['optimizer']  # CPU: bf16 autocast
    assert math.isfinite(training['mixed_precision']['last_loss'])

    sizes = [f'batch_{b}' for b in batch_sizes]
    reading = result['fast_paths']['reading']
    assert list(reading) == list(PATHS) and set(result['paths']) == set(PATHS)
    for b in sizes:
        assert reading['fp32'][b]['identical_to_fp32'] == 1.0
        for entry in reading.values():
            assert entry[b]['model_img_per_s'] > 0 and 0 <= entry[b]['identical_to_fp32'] <= 1
    speed = result['speedup']
    for name in PATHS:
        if name != 'fp32':
            ratios = speed[f'{name}_vs_fp32']
            assert all(ratios[b] > 0 for b in sizes) and ratios['glyph_encoding'] > 0
            assert ratios[sizes[0]] == pytest.approx(
                reading[name][sizes[0]]['model_img_per_s']
                / reading['fp32'][sizes[0]]['model_img_per_s'])
    assert speed['fast_vs_fp32']['train_step'] == pytest.approx(
        training['mixed_precision']['img_per_s'] / training['img_per_s'])
    glyphs = result['fast_paths']['glyph_encoding']
    assert glyphs['fp32']['benchmark']['glyphs'] == len(CHARS)
    assert glyphs['fold_norms']['benchmark']['max_cosine_deviation'] < 1e-4
    assert 0 < glyphs['int8_glyphs']['benchmark']['max_cosine_deviation'] < 0.02
    assert all(entry['benchmark']['cold_seconds'] > 0 for entry in glyphs.values())
    assert 'cold_seconds' not in next(v for d, v in glyphs['fp32'].items() if d != 'benchmark')
    large = [d for d in glyphs['fp32'] if d != 'benchmark']
    assert large and all(d in glyphs['fast'] and d not in glyphs['fold_norms'] for d in large)

    variants = result['routing']['variants']
    assert set(variants) == {'learned', 'rule_based', *(f'single_{e}' for e in EXPERTS)}
    for name in EXPERTS:
        assert variants[f'single_{name}']['routed_share'] == {name: 1.0}
    for entry in variants.values():
        assert entry['model_img_per_s'] > 0
        assert_latency(entry['latency']['model'])


def test_tiny_benchmark_on_a_test_lmdb(demo_inputs, tmp_path, capsys, keep_threads):
    out = tmp_path / 'bench.json'
    benchmark.main([DEMO_CONFIG, '--tiny', '--threads', '1', '--data',
                    str(demo_inputs / 'test'), '--dict', str(demo_inputs / 'dict.npz'),
                    '--json', str(out)])
    result = json.loads(out.read_text(encoding='utf-8'))
    check_report(result, (1, 4), 6)
    assert result['inputs']['source'] == 'lmdb' and result['inputs']['num_images'] == 9
    assert result['checkpoint'] is None and result['settings']['repeats'] == 2
    assert result['environment']['threads'] == 1 and result['training']['steps'] == 2
    assert result['fast_paths']['glyph_encoding']['fp32']['random_48']['glyphs'] == 48
    crnn = result['mmocr_models']['crnn']  # the tiny run's MMOCR model
    assert crnn['params'] > 0 and crnn['batch_4']['model_img_per_s'] > 0
    assert result['speedup']['wna_fast_vs_crnn']['batch_4'] > 0
    printed = capsys.readouterr().out
    for title in ('Inference', 'Training', 'MFLOPs per image', 'Routing at batch 4',
                  'cached', 'Test-time paths', 'Glyph encoding', 'MMOCR recognisers'):
        assert title in printed


def test_synthetic_inputs_with_explicit_settings(demo_inputs, tmp_path):
    out = tmp_path / 'bench.json'
    benchmark.main([DEMO_CONFIG, '--synthetic', '--dict', str(demo_inputs / 'dict.npz'),
                    '--batch-sizes', '2', '--repeats', '1', '--warmup', '0',
                    '--train-batch', '3', '--train-repeats', '1', '--matmul-size', '64',
                    '--large-dicts', '20', '--mmocr-models', '--json', str(out)])
    result = json.loads(out.read_text(encoding='utf-8'))
    check_report(result, (2, ), 3)
    assert 'mmocr_models' not in result  # none asked for (and no LMDB)
    assert result['settings']['large_dicts'] == [20]
    assert result['inputs']['source'] == 'synthetic'
    assert result['inputs']['num_images'] == benchmark.SYNTHETIC_IMAGES


def test_synthetic_dictionary_and_training_batch(demo_inputs):
    charset = synthetic_charset()
    assert len(charset) == 3817 and charset.num_labels == 3791  # dab3791MC's composition

    class Source:
        aspect_ratios = np.array([4.0, 1.0, 0.25, 2.0])

    indices, buckets = bucketed_batch(Source(), 6)
    assert buckets == {'hori': 2, 'rect': 2, 'vert': 2}
    assert indices == [0, 3, 1, 3, 2, 2]
    with pytest.raises(ValueError, match='multiple of 3'):
        bucketed_batch(Source(), 4)
