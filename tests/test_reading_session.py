"""The reading session under the web demo: dictionaries and fonts to choose from,
characters registered on the fly (kept per request), readings with their attention
figure, image conversion and the example crops; and the web demo's arguments."""
from __future__ import annotations

import os.path as osp

import cv2
import matplotlib
import numpy as np
import pytest
from conftest import BASE_CHARS, DEMO_CONFIG, encode_png, load_tool, write_web_demo_setup

from projects.wna.apis.reading_session import (
    CONFIG_DICTIONARY,
    ReadingSession,
    as_rgb,
    describe_dictionary,
    describe_registration,
    export_examples,
    installed_fonts,
)
from projects.wna.charset import UNKNOWN_CHAR, default_font_path
from projects.wna.datasets.lmdb_io import write_lmdb

DEJAVU = osp.join(matplotlib.get_data_path(), 'fonts', 'ttf', 'DejaVuSans.ttf')


@pytest.fixture(scope='module')
def session(model_files, tmp_path_factory):
    """A session over the random test checkpoint: its base dictionary as the config's
    default and in a folder beside a second, Latin one."""
    config, dicts = write_web_demo_setup(tmp_path_factory.mktemp('session'), model_files)
    return ReadingSession(config, model_files['checkpoint'], dict_dir=dicts)


def test_dictionaries_and_fonts_to_choose_from(session):
    assert list(session.dictionaries) == [CONFIG_DICTIONARY, 'base', 'latin']
    fonts = installed_fonts()
    assert list(fonts)[:4] == [f'Noto Sans CJK {r}' for r in ('JP', 'KR', 'SC', 'TC')]
    assert fonts['Noto Sans CJK SC'] == (default_font_path(), 2)
    assert ('DejaVu Sans (DejaVuSans.ttf)') in fonts
    assert session.default_font == 'Noto Sans CJK JP'


def test_registering_characters_per_dictionary_and_font(session):
    base, info = session.dictionary('base')
    assert len(base) == len(BASE_CHARS) and 'added' not in info
    assert describe_registration(info).startswith('No characters registered')
    charset, info = session.dictionary('base', '峠 a ཀ')
    assert charset.chars == base.chars + ['峠']
    assert (info['added'], info['known'], info['missing']) == (['峠'], ['a'], ['ཀ'])
    assert info['chars'] == len(BASE_CHARS) + 1 and info['font_label'] == 'Noto Sans CJK JP'
    line = describe_registration(info)
    assert 'added 峠' in line and 'already in the dictionary a' in line
    assert 'cannot draw ཀ' in line
    assert describe_dictionary(info) == (f'Dictionary **base** (+1 registered): '
                                         f'{len(BASE_CHARS) + 1} characters.')
    # built once per request (the prototype bank keys a charset by its identity)
    assert session.dictionary('base', '峠a ཀ')[0] is charset
    dejavu = session.dictionary('base', '峠Ω', 'DejaVu Sans (DejaVuSans.ttf)')[1]
    assert dejavu['added'] == ['Ω'] and dejavu['missing'] == ['峠']
    with pytest.raises(KeyError, match='no dictionary'):
        session.dictionary('nope')
    with pytest.raises(KeyError, match='no font'):
        session.dictionary('base', '峠', 'Comic Sans')


def test_a_reading_has_scores_route_and_attention(session):
    image = cv2.imdecode(np.frombuffer(encode_png(100, 24), np.uint8), cv2.IMREAD_COLOR)
    reading = session.read(image[..., ::-1], 'latin', chars='峠')
    assert set(reading.chars) <= {'x', 'y', 'z', '峠', UNKNOWN_CHAR}
    assert reading.text == ''.join(reading.chars)
    assert len(reading.scores) == len(reading.chars) == reading.attention.shape[0]
    assert list(reading.router_probs) == ['hori', 'vert', 'rect']
    assert sum(reading.router_probs.values()) == pytest.approx(1)
    assert reading.expert == 'hori'  # W/H > 4 is for the horizontal expert alone
    assert reading.figure.ndim == 3 and reading.figure.dtype == np.uint8
    assert reading.dictionary['name'] == 'latin' and reading.dictionary['added'] == ['峠']
    assert reading.score_rows()[0] == [1, reading.chars[0], round(reading.scores[0], 3)]
    with pytest.raises(ValueError, match='not an image'):
        session.read(np.zeros((4, 5, 2), np.uint8), 'base')


def test_images_become_rgb():
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[0, 0] = (10, 20, 30, 255)
    rgb = as_rgb(rgba)
    assert rgb.shape == (2, 3, 3) and tuple(rgb[0, 0]) == (10, 20, 30)
    assert (rgb[1] == 255).all()  # transparent -> white
    grey = as_rgb(np.full((2, 3), 7, np.uint8))
    assert grey.shape == (2, 3, 3) and (grey == 7).all()
    assert as_rgb(np.full((2, 3, 3), 300.0)).max() == 255
    for bad in (np.zeros((0, 3, 3)), np.zeros(5), np.zeros((2, 2, 2))):
        with pytest.raises(ValueError, match='not an image'):
            as_rgb(bad)


def test_examples_are_written_as_png_files(tmp_path):
    records = [(encode_png(90, 20, seed=0), 'wide'), (encode_png(20, 90, seed=1), 'tall')]
    write_lmdb(tmp_path / 'lmdb', records)
    written = export_examples(tmp_path / 'lmdb', tmp_path / 'out')
    assert [label for _, label in written] == ['wide', 'tall']
    assert cv2.imread(written[1][0]).shape == (90, 20, 3)


def test_a_session_needs_a_dictionary(model_files, tmp_path, monkeypatch):
    monkeypatch.setenv('WNA_DEMO_DATA', str(tmp_path))  # the demo config's are not there
    with pytest.raises(ValueError, match='no dictionary to read with'):
        ReadingSession(DEMO_CONFIG, model_files['checkpoint'], dict_dir=tmp_path)


def test_web_demo_arguments(tmp_path):
    webui = load_tool('webui')
    args = webui.parse_args([])
    assert (args.host, args.port, args.device) == ('127.0.0.1', 7860, 'cpu')
    assert args.checkpoint == osp.join('demo_output', 'checkpoint.pth')
    assert args.config == DEMO_CONFIG
    with pytest.raises(SystemExit):
        webui.parse_args(['--port', '0'])
    with pytest.raises(FileNotFoundError, match='run tools/demo.py first'):
        webui.find_checkpoint(osp.join('no_such_dir', 'checkpoint.pth'))
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        webui.find_checkpoint(str(tmp_path / 'missing.pth'))
