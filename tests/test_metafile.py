"""``configs/wna/metafile.yml`` (MMOCR's metafile format) against the configs it names.

Every listed config exists and builds; every config under ``configs/wna`` (``_base_``
aside) is listed or is one of the three aliases, each a file whose only statement inherits
a listed config; each result names a test of its config's test suite, with the metric
keys ``WnAMetric`` reports for that kind of test (GZSL: ``acr``, …; open-set: ``kacr``,
``r``, ``p``, ``f``), as fractions.
"""
from __future__ import annotations

import ast
import os
import os.path as osp
from functools import cache

import pytest
import yaml
from conftest import CONFIGS, ROOT
from mmengine.config import Config

from projects.wna.evaluation.metrics.wna_metric import closed_set_metrics, open_set_metrics

METAFILE = osp.join(CONFIGS, 'metafile.yml')
#: The former config names, kept as one-line aliases of their MMOCR-named configs.
ALIASES = {
    'configs/wna/tiny_nedmix.py': 'configs/wna/wna-s_resnet45_400k_moostr.py',
    'configs/wna/xl_nedmix.py': 'configs/wna/wna-xl_resnet45_400k_moostr.py',
    'configs/wna/demo/tiny_nedmix_demo.py':
        'configs/wna/demo/wna-s_resnet45-narrow_1.8k_wna-demo.py',
}
ABLATION = ('base', 'base_s', 'r1', 'r1_s', 'r2', 'r2_s', 'r3', 'r3_s', 'wna', 'wna_s', 'wna_sa')
#: The metric keys of each kind of test (an ``<key>_std`` is a spread over runs).
GZSL_KEYS = set(closed_set_metrics([]))
OPEN_SET_KEYS = set(open_set_metrics([]))


@cache
def metafile() -> dict:
    with open(METAFILE, encoding='utf-8') as f:
        return yaml.safe_load(f)


def models() -> list[dict]:
    return metafile()['Models']


@cache
def config(rel: str) -> Config:
    return Config.fromfile(osp.join(ROOT, rel))


def rel_path(path: str) -> str:
    return osp.relpath(path, ROOT).replace(os.sep, '/')


def config_files() -> list[str]:
    """Every config under configs/wna outside ``_base_``, relative to the repository root."""
    found = []
    for folder, dirs, files in os.walk(CONFIGS):
        dirs[:] = [d for d in dirs if d not in ('_base_', '__pycache__')]
        found += [rel_path(osp.join(folder, f)) for f in files if f.endswith('.py')]
    return sorted(found)


def test_collections_and_models_are_complete():
    data = metafile()
    collections = {c['Name'] for c in data['Collections']}
    assert collections == {'WnA'}
    collection, = data['Collections']
    assert collection['Paper']['Title'].startswith('Watch and Act')
    assert osp.isfile(osp.join(ROOT, collection['README']))
    names = [m['Name'] for m in models()]
    assert len(names) == len(set(names)), 'model names must be unique'
    for model in models():
        assert model['In Collection'] in collections, model['Name']
        assert model['Metadata']['Training Data'], model['Name']
    listed = {m['Config'] for m in models()}
    assert listed == {'configs/wna/wna-s_resnet45_400k_moostr.py',
                      'configs/wna/wna-xl_resnet45_400k_moostr.py',
                      'configs/wna/wna-xl_resnet45_700k_mjst.py',
                      'configs/wna/demo/wna-s_resnet45-narrow_1.8k_wna-demo.py',
                      'configs/wna/demo/wna-s_resnet45-narrow_1.8k_wna-demo-curriculum.py',
                      *(f'configs/wna/ablation/{name}.py' for name in ABLATION)}


@pytest.mark.parametrize('model', models(), ids=lambda m: m['Name'])
def test_config_exists_and_builds(model):
    rel = model['Config']
    assert not osp.isabs(rel) and osp.isfile(osp.join(ROOT, rel)), rel
    cfg = config(rel)
    assert cfg.model.type == 'WnARecognizer'
    assert 'projects.wna' in cfg.custom_imports['imports']


def test_every_config_is_listed_or_an_alias():
    listed = {m['Config'] for m in models()}
    unlisted = sorted(set(config_files()) - listed)
    assert unlisted == sorted(ALIASES), unlisted


@pytest.mark.parametrize('alias', sorted(ALIASES))
def test_alias_only_inherits_its_canonical_config(alias):
    with open(osp.join(ROOT, alias), encoding='utf-8') as f:
        tree = ast.parse(f.read())
    statement, = tree.body  # nothing but `_base_ = ['<canonical>.py']`
    assert isinstance(statement, ast.Assign)
    assert [t.id for t in statement.targets] == ['_base_']
    base, = ast.literal_eval(statement.value)
    target = rel_path(osp.normpath(osp.join(ROOT, osp.dirname(alias), base)))
    assert target == ALIASES[alias]
    assert target in {m['Config'] for m in models()}
    assert config(alias).to_dict() == config(target).to_dict()


def suite_of(rel: str) -> dict[str, bool]:
    """The test names of a config's test suite and whether each has unknown characters,
    read from ``test_dataloader`` (the datasets' metainfo) and ``test_evaluator``."""
    cfg = config(rel)
    datasets = cfg.test_dataloader.dataset.datasets
    suite = {d.metainfo.test_key: d.metainfo.has_unk for d in datasets}
    assert list(suite) == list(cfg.test_evaluator.dataset_prefixes), rel
    return suite


@pytest.mark.parametrize('model', models(), ids=lambda m: m['Name'])
def test_results_name_the_configs_tests_and_metrics(model):
    suite = suite_of(model['Config'])
    results = model.get('Results', [])
    if 'demo' in model['Config']:
        assert not results, 'the demo twin has no paper numbers'
        assert set(suite) == {'DEMO-GZSL', 'DEMO-OSR', 'DEMO-GOSR', 'DEMO-OSTR',
                              'DEMO-OTHERFACE'}
        return
    if 'mjst' in model['Config']:
        assert not results, 'the paper reports no English figure'
        assert 'without a paper figure' in model['Metadata']['Results Source']
        assert list(suite) == ['IIIT5k-close', 'SVT-close', 'CUTE-close', 'IC03-close',
                               'IC13-close', 'IC15-close', 'SVTP-close']
        assert not any(suite.values())
        assert '--iter _E3_I100000' in model['Converted From']['Command']
        return
    datasets = [r['Dataset'] for r in results]
    assert datasets == list(suite), 'one result per test of the suite, in its order'
    for result in results:
        assert result['Task'] == 'Text Recognition'
        keys = OPEN_SET_KEYS if suite[result['Dataset']] else GZSL_KEYS
        for key, value in result['Metrics'].items():
            assert key in keys or (key.endswith('_std') and key[:-4] in keys), \
                (result['Dataset'], key)
            assert isinstance(value, float) and 0 <= value <= 1, (result['Dataset'], key)
    if '400k' in model['Config']:
        assert model['Weights'] and 'convert_upstream.py' in model['Converted From']['Command']
