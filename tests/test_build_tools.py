"""tools/build_charset.py, tools/build_dicts.py and the mode groups on real LMDBs and fonts."""
import os

import matplotlib
import numpy as np
import pytest
import torch
from conftest import load_tool

from projects.wna.charset import (
    GlyphCharset,
    GlyphRenderer,
    distinct_chars,
    group_chars,
    load_charset,
    mode_chars,
)
from projects.wna.charset.modes import group_table
from projects.wna.datasets.lmdb_io import write_lmdb

build_charset = load_tool('build_charset')
build_dicts = load_tool('build_dicts')

DEJAVU = os.path.join(matplotlib.get_data_path(), 'fonts', 'ttf', 'DejaVuSans.ttf')
TRAIN_CHINESE = ['日', '本', '大', '学', '人']
LABELS = ['日本語', 'ひらがな', 'カタカナー', 'ABC1', '東京 大学', '漢字', '★', 'ㇰ人']


def test_build_charset_lists(tmp_path, capsys):
    out = tmp_path / 'train.npz'
    assert build_charset.main(['--char-file', 'gb2312_level1,latin62', '--out', str(out)]) == 0
    cs = load_charset(out)
    assert len(cs) == 3817 and cs.num_labels == 3791
    assert '3817 glyphs, 3791 labels' in capsys.readouterr().out


def test_build_charset_reports_missing(tmp_path, capsys):
    out = tmp_path / 'dv.npz'
    code = build_charset.main(['--chars', 'ab中あ', '--font', DEJAVU, '--out', str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert '2 character(s) have no glyph' in text and 'U+4E2D' in text and 'U+3042' in text
    assert load_charset(out).chars == ['a', 'b']
    code = build_charset.main(['--chars', '中', '--font', DEJAVU, '--out', str(tmp_path / 'x.npz')])
    assert code == 1 and not (tmp_path / 'x.npz').exists()
    assert 'nothing written' in capsys.readouterr().err


def test_build_charset_from_vismeta(tmp_path):
    renderer = GlyphRenderer()
    chars = ['a', 'A', '中']
    achars = ['[s]', *chars, '[UNK]']
    torch.save({
        'chars': chars, 'sp_tokens': ['[s]'], 'achars': achars,
        'label_dict': {c: i for i, c in enumerate(achars)},
        'protos': [None] + [torch.tensor(renderer.render(c)).float()[None, None]
                            for c in chars] + [None],
        'master': {0: 0, 1: 1, 2: 1, 3: 3, 4: 4}, 'servants': {1: {2}}, 'foes': {},
        'relationships': {1: {1, 2}, 2: {1}},
    }, tmp_path / 'vismeta.pt')
    out = tmp_path / 'conv.npz'
    assert build_charset.main(['--from-vismeta', str(tmp_path), '--out', str(out)]) == 0
    cs = load_charset(out)
    assert cs.chars == chars and cs.num_labels == 2 and cs.meta['source'] == 'vismeta'
    np.testing.assert_array_equal(cs.glyphs[2], renderer.render('中'))


def test_build_charset_usage_errors():
    with pytest.raises(SystemExit):
        build_charset.main(['--out', 'x.npz'])
    with pytest.raises(SystemExit):
        build_charset.main(['--chars', 'a', '--from-vismeta', 'v.pt', '--out', 'x.npz'])


def test_group_chars():
    groups = group_chars(distinct_chars(LABELS + [None]), set(TRAIN_CHINESE))
    assert groups['shared_kanji'] == sorted(['日', '本', '大', '学', '人'])
    assert groups['unique_kanji'] == sorted(['語', '東', '京', '漢', '字'])
    assert len(groups['kana']) == 88 + 93 + 1 and groups['kana'][-1] == 'ㇰ'
    assert len(groups['latin']) == 62 and groups['space'] == [' '] and groups['other'] == ['★']
    assert mode_chars(groups, 'ostr') == groups['shared_kanji'] + groups['unique_kanji'] + [' ']
    table = group_table(groups, LABELS)
    assert 'other' in table.splitlines()[-1] and table.splitlines()[-1].split()[1:3] == ['1', '1']
    with pytest.raises(KeyError, match='unknown dictionary mode'):
        mode_chars(groups, 'zsl')


@pytest.fixture
def test_lmdb(tmp_path):
    path = tmp_path / 'test_lmdb'
    write_lmdb(path, [(b'not-an-image', label) for label in LABELS])
    return path


def test_build_dicts(tmp_path, test_lmdb, capsys):
    train, _ = GlyphRenderer().build_charset(TRAIN_CHINESE + list('abcABC0123'))
    train.save(tmp_path / 'train.npz')
    out = tmp_path / 'dicts'
    code = build_dicts.main(['--test-lmdb', str(test_lmdb), '--train-charset',
                             str(tmp_path / 'train.npz'), '--out-dir', str(out),
                             '--prefix', 'mini'])
    text = capsys.readouterr().out
    assert code == 0
    assert 'belong to no group' in text and '★' in text
    sizes = {'gzsl': 5 + 5 + 182 + 62 + 1, 'osr': 5 + 62 + 1, 'gosr': 5 + 5 + 62 + 1,
             'ostr': 5 + 5 + 1}
    for mode, size in sizes.items():
        cs = GlyphCharset.from_npz(out / f'mini_{mode}.npz')
        assert len(cs) == size, mode
        latin = 62 if mode in ('gzsl', 'osr', 'gosr') else 0
        assert cs.num_labels == size - latin * 26 // 62, mode
        assert cs.meta['mode'] == mode and cs.meta['has_unk'] == (mode != 'gzsl')
    gzsl = GlyphCharset.from_npz(out / 'mini_gzsl.npz')
    np.testing.assert_array_equal(gzsl.glyphs[gzsl.index('日')],
                                  train.glyphs[train.index('日')])


def test_build_dicts_errors(tmp_path, test_lmdb):
    with pytest.raises(SystemExit):
        build_dicts.main(['--test-lmdb', str(test_lmdb), '--train-charset', 'x',
                          '--out-dir', str(tmp_path), '--modes', 'gzsl,zsl'])
    with pytest.raises(FileNotFoundError, match='no LMDB'):
        build_dicts.main(['--test-lmdb', str(tmp_path / 'none'), '--train-charset', 'x',
                          '--out-dir', str(tmp_path)])
