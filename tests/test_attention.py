"""Per-character attention maps: returned by the recogniser and the inference APIs on
request only, aligned with the read characters (also when upstream's decoder drops label
0), drawn over the crop, and the example crops of each shape picked from an LMDB."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from conftest import DEMO_CONFIG, build_model, encode_png, make_batch, make_charset

from projects.wna.apis import WnATextRecInferencer, pick_examples
from projects.wna.charset import default_font_path, split_graphemes
from projects.wna.datasets.lmdb_io import write_lmdb
from projects.wna.visualization import draw_attention_maps, overlay_attention
from projects.wna.visualization.attention import tile_box


def predict(model, return_attention: bool):
    with torch.no_grad():
        return model.predict(**model.data_preprocessor(make_batch(), False),
                             return_attention=return_attention)


def test_predict_returns_one_attention_map_per_read_character():
    torch.manual_seed(0)
    model = build_model(DEMO_CONFIG, make_charset()).eval()
    plain, with_maps = predict(model, False), predict(model, True)
    for a, b in zip(plain, with_maps):  # the default outputs are unchanged
        assert 'pred_attention' not in a
        assert a.pred_text.item == b.pred_text.item and a.pred_text.score == b.pred_text.score
        assert a.pred_route.probs == b.pred_route.probs
    sizes = {}
    for sample in with_maps:
        att = sample.pred_attention
        assert att.expert == sample.pred_route.expert
        assert att.chars == split_graphemes(sample.pred_text.item)
        assert att.maps.dtype == torch.float32 and att.maps.device.type == 'cpu'
        assert att.maps.shape[0] == len(att.chars)
        assert 0 <= float(att.maps.min()) and float(att.maps.max()) <= 1
        sizes.setdefault(att.expert, set()).add(tuple(att.maps.shape[1:]))
    for expert, shapes in sizes.items():  # one map size per expert, shaped as its canvas
        (h, w), = shapes
        canvas_h, canvas_w = model.experts[expert].canvas
        assert h * canvas_w == w * canvas_h, (expert, h, w)


def test_attention_follows_upstreams_dropped_label0_steps():
    # one character ('a' = label 0) and the unknown label: random weights read both
    torch.manual_seed(0)
    model = build_model(DEMO_CONFIG, make_charset(['a'])).eval()
    exact = predict(model, True)
    model.upstream_compat = True
    compat = predict(model, True)
    dropped = 0
    for e, c in zip(exact, compat):
        kept = [k for k, ch in enumerate(e.pred_attention.chars) if ch != 'a']
        dropped += len(e.pred_attention.chars) - len(kept)
        assert c.pred_text.item == e.pred_text.item.replace('a', '')
        assert c.pred_attention.chars == split_graphemes(c.pred_text.item)
        assert torch.equal(c.pred_attention.maps, e.pred_attention.maps[kept])
    assert dropped > 0


def test_inferencer_returns_attention_on_request(model_files, tmp_path):
    crop = tmp_path / 'crop.png'
    crop.write_bytes(encode_png(90, 24))
    inferencer = WnATextRecInferencer(DEMO_CONFIG, model_files['checkpoint'], 'cpu',
                                      dictionary=model_files['dict'])
    plain = inferencer(str(crop), progress_bar=False)['predictions'][0]
    assert 'attention' not in plain
    result = inferencer(str(crop), progress_bar=False, return_attention=True)['predictions'][0]
    assert {k: v for k, v in result.items() if k != 'attention'} == plain
    maps = np.asarray(result['attention'])
    assert maps.ndim == 3 and len(maps) == len(split_graphemes(result['text']))


def test_overlay_puts_the_heat_where_the_map_is():
    image = np.full((20, 80, 3), 200, np.uint8)
    att = np.zeros((6, 24), np.float32)
    att[:, 18:] = 0.3  # the right quarter, on any scale
    overlay = overlay_attention(image, att).astype(int)
    assert overlay.shape == image.shape
    left, right = overlay[:, :50].mean(axis=(0, 1)), overlay[:, -10:].mean(axis=(0, 1))
    assert left[2] > left[0]  # blue (jet's low end) on the left
    assert right[0] > right[2]  # red (its high end) on the right
    # a map without any attention leaves the crop grey-blue, no NaN
    assert overlay_attention(image, np.zeros((6, 24))).dtype == np.uint8


def test_attention_figure_has_the_crop_and_a_tile_per_character():
    image = np.full((30, 120, 3), 230, np.uint8)
    maps = np.random.default_rng(0).random((4, 6, 24)).astype(np.float32)
    figure = draw_attention_maps(image, maps, default_font_path(), list('ab日⑨'),
                                 [0.9, 0.8, 0.7, 0.1], 'hori', width=760)
    tile_w = tile_box(30, 120)[0] + 8
    cols = 760 // tile_w  # 5 tiles in rows of 3
    assert figure.shape[1] == cols * (tile_w + 4) + 4 and figure.shape[2] == 3
    titled = draw_attention_maps(image, maps, default_font_path(), title='GT ab日c')
    assert titled.shape[0] > figure.shape[0]
    assert tile_box(100, 20)[1] > tile_box(100, 20)[0]  # tall crops get tall tiles
    with pytest.raises(ValueError, match='4 attention maps but 3 text'):
        draw_attention_maps(image, maps, default_font_path(), list('abc'))


def test_pick_examples_takes_the_first_crops_of_each_shape(tmp_path):
    shapes = [(20, 90), (20, 100), (90, 20), (30, 32), (20, 120), (31, 30), (40, 41)]
    records = [(encode_png(w, h, seed=i), f'label{i}') for i, (h, w) in enumerate(shapes)]
    records.insert(2, (b'not an image', 'broken'))
    write_lmdb(tmp_path / 'lmdb', records)
    picked = pick_examples(tmp_path / 'lmdb', per_bucket=2)
    assert [item.label for item in picked] == ['label0', 'label1', 'label2', 'label3',
                                               'label5']
    first = cv2.imdecode(np.frombuffer(records[0][0], np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(picked[0].image, first)
    with pytest.raises(FileNotFoundError, match='no LMDB'):
        pick_examples(tmp_path)
