"""Importing upstream vismeta.pt dictionaries written here in the upstream layout."""
import numpy as np
import pytest
import torch

from projects.wna.charset import GlyphRenderer, load_charset, load_vismeta

CHARS = ['a', 'b', 'A', '中', ' ']


def upstream_dict(chars=CHARS, master_as_list=False):
    renderer = GlyphRenderer()
    achars = ['[s]'] + list(chars) + ['[UNK]']
    label_dict = {c: i for i, c in enumerate(achars)}
    protos = [None] + [torch.tensor(renderer.render(c)).float().view(1, 1, 32, 32)
                       for c in chars] + [None]
    master = {i: i for i in range(len(achars))}
    for c in chars:
        if c.isupper() and c.lower() in label_dict:
            master[label_dict[c]] = label_dict[c.lower()]
    servants = {}
    for sid, mid in master.items():
        if sid != mid:
            servants.setdefault(mid, set()).add(sid)
    relationships = {i: servants.get(i, set()) | {master[i]} for i in master}
    return {
        'chars': list(chars), 'sp_tokens': ['[s]'], 'achars': achars, 'label_dict': label_dict,
        'protos': protos,
        'master': [master[i] for i in range(len(achars))] if master_as_list else master,
        'servants': servants, 'foes': {i: set() for i in master}, 'relationships': relationships,
    }


@pytest.fixture(scope='module')
def vismeta_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp('dab') / 'dabtest'
    folder.mkdir()
    torch.save(upstream_dict(), folder / 'vismeta.pt')
    return folder


def test_load_vismeta(vismeta_dir):
    cs = load_vismeta(vismeta_dir / 'vismeta.pt')
    assert cs.chars == CHARS
    assert cs.num_labels == 4 and cs.label_chars == ['a', 'b', '中', ' ']
    assert cs.label_of('A') == cs.label_of('a') == 0
    np.testing.assert_array_equal(cs.glyphs[cs.index('中')], GlyphRenderer().render('中'))
    assert cs.glyphs[cs.index(' ')].max() == 0
    assert cs.meta['source'] == 'vismeta' and cs.meta['path'].endswith('vismeta.pt')


def test_load_charset_accepts_file_or_folder(vismeta_dir):
    by_folder, by_file = load_charset(vismeta_dir), load_charset(vismeta_dir / 'vismeta.pt')
    assert by_folder.chars == by_file.chars == CHARS
    np.testing.assert_array_equal(by_folder.masters, by_file.masters)


def test_master_as_list(tmp_path):
    torch.save(upstream_dict(master_as_list=True), tmp_path / 'v.pt')
    assert load_vismeta(tmp_path / 'v.pt').label_of('A') == 0


def save_broken(tmp_path, **changes):
    data = upstream_dict(chars=['a', 'A', 'b'])
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value(data)
    path = tmp_path / 'broken.pt'
    torch.save(data, path)
    return path


def test_errors(tmp_path):
    with pytest.raises(ValueError, match=r"missing keys \['master'\]"):
        load_vismeta(save_broken(tmp_path, master=None))
    with pytest.raises(ValueError, match='expected \\[1, 1, 32, 32\\]'):
        load_vismeta(save_broken(
            tmp_path, protos=lambda d: [None] + [torch.zeros(1, 1, 16, 16)] * 3 + [None]))
    with pytest.raises(ValueError, match='aligned'):
        load_vismeta(save_broken(tmp_path, protos=lambda d: d['protos'][:-1]))
    with pytest.raises(ValueError, match='not a character'):
        load_vismeta(save_broken(tmp_path, master=lambda d: {**d['master'], 1: 4}))
    with pytest.raises(ValueError, match='itself a servant'):
        load_vismeta(save_broken(tmp_path, master=lambda d: {**d['master'], 3: 2}))
    with pytest.raises(ValueError, match="'A' has no glyph"):
        load_vismeta(save_broken(tmp_path, protos=lambda d: [p if i != 2 else None
                                                              for i, p in enumerate(d['protos'])]))
    torch.save([1, 2], tmp_path / 'list.pt')
    with pytest.raises(ValueError, match='not a vismeta dictionary'):
        load_vismeta(tmp_path / 'list.pt')
