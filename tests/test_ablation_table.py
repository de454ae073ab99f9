"""tools/ablation_table.py on synthetic ablation logs, and tools/ablation.py's plan."""
import json

import pytest
from conftest import load_tool
from mmengine.config import Config

from projects.wna.analysis.ablation_runs import ablation_config
from projects.wna.analysis.ablation_tags import VARIANT_TAGS, macro_name, metric_tag, upstream_tag

ablation = load_tool('ablation')
ablation_table = load_tool('ablation_table')


def write_log(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'a', encoding='utf-8') as f:
        for variant, run, ckpt, test, metrics in rows:
            f.write(json.dumps(dict(variant=variant, run=run, checkpoint=ckpt, test=test,
                                    metrics=metrics)) + '\n')


@pytest.fixture
def logs(tmp_path):
    write_log(tmp_path / 'runs' / 'wna_s_run1' / 'ablation.jsonl', [
        ('wna_s', 'wna_s_run1', 'iter_220000.pth', 'JPNHV-GZSL', {'acr': 0.45}),
        ('wna_s', 'wna_s_run1', 'iter_240000.pth', 'JPNHV-GZSL', {'acr': 0.46}),
        ('wna_s', 'wna_s_run1', 'iter_260000.pth', 'JPNHV-GZSL', {'acr': 0.99}),
        # re-evaluation of iter_260000: replaces the line above
        ('wna_s', 'wna_s_run1', 'iter_260000.pth', 'JPNHV-GZSL', {'acr': 0.44}),
        ('wna_s', 'wna_s_run1', 'iter_260000.pth', 'KR-GZSL',
         {'acr': 0.30, 'lenpred_acr': 0.8}),
    ])
    write_log(tmp_path / 'runs' / 'nested' / 'wna_s_run2' / 'ablation.jsonl', [
        ('wna_s', 'wna_s_run2', 'iter_220000.pth', 'JPNHV-GZSL', {'acr': 0.45}),
        ('wna_s', 'wna_s_run2', 'iter_240000.pth', 'JPNHV-GZSL', {'acr': 0.47}),
        ('tiny_nedmix', 'tiny', 'iter_200.pth', 'JPNHV-GZSL', {'acr': 0.10}),
    ])
    with open(tmp_path / 'runs' / 'nested' / 'wna_s_run2' / 'ablation.jsonl', 'a') as f:
        f.write('{not json\n')
    base = tmp_path / 'base.jsonl'
    write_log(base, [('base', 'b1', 'iter_400000.pth', 'JPNHV-GZSL', {'acr': 0.4097})])
    return tmp_path / 'runs', base


def test_tags_and_macro_names():
    assert list(VARIANT_TAGS) == ['base', 'base_s', 'r1', 'r1_s', 'r2', 'r2_s', 'r3', 'r3_s',
                                  'wna', 'wna_s', 'wna_sa']
    assert upstream_tag('r1') == 'LPA-PG-L-JPNHV-GZSL-LA'
    assert upstream_tag('wna_s') == 'LPA-JPNHV-GZSL-LA'
    assert macro_name(upstream_tag('r2_s'), 'AVG') == 'LPAoPGoNoSoJPNHVoGZSLoLAoAVG'
    assert macro_name(upstream_tag('wna_sa', 'KR-GZSL', 'f'), 'STD') == 'LPAoOHEMoAoKRoGZSLoFoSTD'
    assert metric_tag('acr_vert') == 'LA-VERT' and metric_tag('lenpred_acr') == 'LENPRED'
    with pytest.raises(ValueError, match='LaTeX macro'):
        macro_name(upstream_tag('base', 'T2-GZSL'), 'AVG')


def test_table_pools_runs_and_checkpoints(logs, tmp_path, capsys):
    runs, base = logs
    tex = tmp_path / 'out.tex'
    text = ablation_table.main([str(runs), str(base), '--tex-out', str(tex)])
    lines = text.splitlines()
    # wna_s: 0.45 0.46 0.44 0.45 0.47 -> mean 45.40, population std 1.02 (hand-computed)
    assert r'\newcommand{\LPAoJPNHVoGZSLoLAoAVG}{45.40}' in lines
    assert r'\newcommand{\LPAoJPNHVoGZSLoLAoSTD}{1.02}' in lines
    assert r'\newcommand{\LPAoBASEoJPNHVoGZSLoLAoAVG}{40.97}' in lines
    assert r'\newcommand{\LPAoBASEoJPNHVoGZSLoLAoSTD}{0.00}' in lines
    # paper row order, both statistics per variant, a comment for variants without values
    assert lines[:3] == [r'\newcommand{\LPAoBASEoJPNHVoGZSLoLAoAVG}{40.97}',
                         r'\newcommand{\LPAoBASEoJPNHVoGZSLoLAoSTD}{0.00}',
                         '% base_s: no values for LPA-WOAROUTE-JPNHV-GZSL-LA']
    assert '| wna_s | (full model) | 5 | 45.40 | 1.02 |' in lines
    assert '| r1 | PG-L | 0 | - | - |' in lines
    table = [line for line in lines if line.startswith('| ') and 'variant' not in line]
    assert [row.split(' | ')[0][2:] for row in table] == list(VARIANT_TAGS) + ['tiny_nedmix']
    assert '| tiny_nedmix | - | 1 | 10.00 | 0.00 |' in lines
    assert 'tiny' not in ''.join(x for x in lines if x.startswith('\\'))
    assert tex.read_text() == (
        '\\newcommand{\\LPAoBASEoJPNHVoGZSLoLAoAVG}{40.97}\n'
        '\\newcommand{\\LPAoBASEoJPNHVoGZSLoLAoSTD}{0.00}\n'
        '\\newcommand{\\LPAoJPNHVoGZSLoLAoAVG}{45.40}\n'
        '\\newcommand{\\LPAoJPNHVoGZSLoLAoSTD}{1.02}\n')
    err = capsys.readouterr().err
    assert 'skipped 1 unreadable line' in err and '1 repeated evaluation' in err


def test_other_test_and_metric(logs):
    runs, _ = logs
    lines = ablation_table.main([str(runs), '--test', 'KR-GZSL',
                                 '--metric', 'lenpred_acr']).splitlines()
    assert r'\newcommand{\LPAoKRoGZSLoLENPREDoAVG}{80.00}' in lines
    assert '| wna_s | (full model) | 1 | 80.00 | 0.00 |' in lines


def test_ref_deltas(logs, tmp_path):
    runs, base = logs
    ref = tmp_path / 'paperref.txt'
    ref.write_text('\\newcommand{\\LPAoJPNHVoGZSLoLAoAVG}{45.15}\n'
                   '\\newcommand{\\LPAoJPNHVoGZSLoLAoSTD}{0.36}\n'
                   '\\newcommand{\\LPAoPGoLoJPNHVoGZSLoLAoAVG}{41.49}\n\n')
    lines = ablation_table.main([str(runs), '--ref', str(ref)]).splitlines()
    assert 'LPAoJPNHVoGZSLoLAoAVG: ours 45.40, reference 45.15, delta +0.25' in lines
    assert 'LPAoJPNHVoGZSLoLAoSTD: ours 1.02, reference 0.36, delta +0.66' in lines
    assert 'LPAoPGoLoJPNHVoGZSLoLAoAVG: no value of ours, reference 41.49' in lines


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope'):
        ablation_table.main([str(tmp_path / 'nope')])


def test_ablation_config_adds_variant_and_hook(tmp_path):
    config = tmp_path / 'r3_s.py'
    config.write_text("custom_hooks = [dict(type='WnAFPSHook')]\nmodel = dict(type='M')\n")
    path = ablation_config(str(config), str(tmp_path), {'model.type': 'N'})
    assert path == str(tmp_path / 'ablation_r3_s.py')
    dumped = Config.fromfile(path)
    assert dumped.variant == 'r3_s' and dumped.model.type == 'N'
    assert [h['type'] for h in dumped.custom_hooks] == ['WnAFPSHook', 'WnAAblationHook']
    again = Config.fromfile(ablation_config(path, str(tmp_path / 'x'), None))
    assert [h['type'] for h in again.custom_hooks] == ['WnAFPSHook', 'WnAAblationHook']
    assert again.variant == 'r3_s'


def test_ablation_plan_skips_missing_checkpoints(tmp_path, capsys):
    config = tmp_path / 'r3_s.py'
    config.write_text("model = dict(type='M')\n")
    run = tmp_path / 'r3_s_run1'
    run.mkdir()
    (run / 'iter_240000.pth').write_bytes(b'')
    status = ablation.main([str(config), str(run), str(tmp_path / 'absent'),
                            '--iters', '220000', '240000', '--dry-run'])
    out = capsys.readouterr().out
    assert status == 0
    assert f'skip {run}/iter_220000.pth: checkpoint not found' in out
    assert f'skip run {tmp_path}/absent: not a directory' in out
    assert f'ablation_r3_s.py {run}/iter_240000.pth --work-dir {run}' in out
    assert 'evaluated 0 checkpoint(s); 2 missing; 0 failed' in out
    assert sorted(p.name for p in run.iterdir()) == ['iter_240000.pth']
