"""WnAMetric on hand-written cases (DATA_AND_EVAL.md section 6)."""
import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import LabelData
from mmocr.registry import EVALUATOR
from mmocr.structures import TextRecogDataSample

from projects.wna.charset import GlyphCharset
from projects.wna.datasets.lmdb_io import write_lmdb
from projects.wna.evaluation import WnAMetric

HORI = (32, 100)  # (H, W)
VERT = (100, 32)

# 'é' written as e + combining acute, and a thumbs-up with a skin-tone modifier: one
# grapheme cluster each.
E_ACUTE = 'e\u0301'
THUMB = '\U0001F44D\U0001F3FD'


def make_dict(folder, name, chars):
    charset = GlyphCharset(chars, np.zeros((len(chars), 32, 32), np.uint8))
    path = folder / f'{name}.npz'
    charset.save(path)
    return str(path)


@pytest.fixture
def closed_dict(tmp_path):
    return make_dict(tmp_path, 'closed', ['a', 'b', 'c', 'A', '日', '本', E_ACUTE, THUMB])


def sample(gt, pred, dict_path, has_unk=False, shape=HORI, test_key='T', train_dict=None):
    extra = {} if train_dict is None else dict(train_dict_path=train_dict)
    s = TextRecogDataSample(metainfo=dict(dict_path=dict_path, has_unk=has_unk,
                                          ori_shape=shape, test_key=test_key, **extra))
    s.gt_text = LabelData(item=gt)
    s.pred_text = LabelData(item=pred, score=[0.9] * len(pred))
    return s


def evaluate(samples):
    metric = WnAMetric()
    metric.process(None, [s.to_dict() for s in samples])
    return metric.compute_metrics(metric.results)


def line_scores(gt, pred, dict_path):
    """(acr, lenpred_acr) of a single line."""
    m = evaluate([sample(gt, pred, dict_path)])
    return m['acr'], m['lenpred_acr']


@pytest.mark.parametrize('gt,pred,acr,lenpred', [
    ('Abc', 'abc', 1, 1),                # case-insensitive
    ('abc', 'ABC', 1, 1),
    ('ab', 'a⑨b', 1, 0),                 # '⑨' removed for acr, counted for length
    ('ab日x', 'ab日', 0, 0),              # unregistered 'x' -> '⑨': never matches
    ('ab日x', 'ab日⑨', 0, 1),
    ('xyz', '⑨⑨⑨', 0, 1),                # all unknown
    ('xyz', '', 0, 0),
    ('ab', '', 0, 0),                    # empty prediction
    ('', '', 1, 1),
    ('a b', 'a b', 1, 1),                # the space is registered
    ('c' + E_ACUTE, 'c' + E_ACUTE, 1, 1),
    ('c' + E_ACUTE, 'c⑨', 0, 1),          # 2 clusters each (3 vs 2 code points)
    ('ce', 'ce', 0, 1),                   # plain 'e' is not registered
    ('a' + THUMB, 'a' + THUMB, 1, 1),
    ('a\U0001F44D', 'a', 0, 0),           # bare thumbs-up is not registered
])
def test_closed_set_line(closed_dict, gt, pred, acr, lenpred):
    assert line_scores(gt, pred, closed_dict) == (acr, lenpred)


def test_closed_set_means_and_orientation(closed_dict):
    samples = [
        sample('abc', 'abc', closed_dict, shape=HORI),
        sample('abc', 'ab', closed_dict, shape=HORI),
        sample('日本', '日本', closed_dict, shape=VERT),
        sample('日本', '日⑨', closed_dict, shape=VERT),
        sample('ab', 'ab', closed_dict, shape=(40, 40)),  # W/H = 1 counts as horizontal
    ]
    m = evaluate(samples)
    assert m['n'] == 5 and m['n_hori'] == 3 and m['n_vert'] == 2
    assert m['acr'] == pytest.approx(3 / 5)
    assert m['lenpred_acr'] == pytest.approx(4 / 5)
    assert m['acr_hori'] == pytest.approx(2 / 3)
    assert m['lenpred_acr_hori'] == pytest.approx(2 / 3)
    assert m['acr_vert'] == pytest.approx(1 / 2)
    assert m['lenpred_acr_vert'] == 1.0
    assert not {'kacr', 'r', 'p', 'f'} & set(m)


@pytest.mark.parametrize('gt,pred,hits', [
    ('abc', 'abc', [1, 1, 1]),
    ('abc', 'ABC', [1, 1, 1]),        # case-insensitive, as acr
    ('abc', 'axc', [1, 0, 1]),        # substitution
    ('abc', 'bc', [0, 1, 1]),         # deletion
    ('abc', 'abxc', [1, 1, 1]),       # an insertion costs no ground-truth character
    ('abc', 'a⑨c', [1, 0, 1]),        # '⑨' dropped, then b is missing
    ('ab', 'ba', [1, 0]),
    ('abc', '', [0, 0, 0]),
    (f'{E_ACUTE}b', f'{E_ACUTE}b', [1, 1]),  # grapheme clusters
])
def test_aligned_hits(gt, pred, hits):
    from projects.wna.charset import split_graphemes
    from projects.wna.evaluation.metrics.alignment import aligned_hits
    pred = pred.replace('⑨', '').lower()
    assert aligned_hits(split_graphemes(gt.lower()), split_graphemes(pred)) == list(map(bool, hits))


def test_character_accuracy_seen_and_unseen(tmp_path, closed_dict):
    train = make_dict(tmp_path, 'train', ['a', 'B', '日'])  # seen: a/A, b/B, 日
    samples = [
        sample('abc', 'abc', closed_dict, train_dict=train),                # c unseen, read
        sample('日本', '日木', closed_dict, train_dict=train, shape=VERT),  # 本 unseen, missed
        sample('Ab', 'a', closed_dict, train_dict=train),                   # b seen, missed
    ]
    m = evaluate(samples)
    assert m['char_acr'] == pytest.approx(5 / 7)
    assert m['char_acr_seen'] == pytest.approx(4 / 5)   # a b 日 a (b missed)
    assert m['char_acr_unseen'] == pytest.approx(1 / 2) and m['n_chars_unseen'] == 2
    assert m['char_acr_vert'] == pytest.approx(1 / 2) and m['char_acr_unseen_vert'] == 0.0
    plain = evaluate([sample('abc', 'abx', closed_dict)])
    assert plain['char_acr'] == pytest.approx(2 / 3) and 'char_acr_unseen' not in plain


def test_empty_orientation_scores_zero(closed_dict):
    m = evaluate([sample('abc', 'abc', closed_dict)])
    assert m['acr'] == 1.0 and m['n_vert'] == 0 and m['acr_vert'] == 0.0


@pytest.fixture
def open_dict(tmp_path):
    # 'A' and 'a' both registered (case variants); 'x', 'y' are out of the dictionary.
    return make_dict(tmp_path, 'open', ['a', 'A', 'b', '日'])


def test_open_set_counts(open_dict):
    s = lambda gt, pred, shape=HORI: sample(gt, pred, open_dict, has_unk=True, shape=shape)  # noqa: E731
    samples = [
        # known lines
        s('Ab', 'Ab'),        # exact: correct
        s('Ab', 'ab'),        # case differs: wrong in kacr
        s('日b', '日⑨'),       # known line rejected: a false reject
        s('a b', 'a b', VERT),  # space registered, correct
        # unknown lines
        s('ax', 'a⑨'),        # hit
        s('xy', ''),          # miss (empty prediction)
        s('by', 'bb', VERT),  # miss
    ]
    m = evaluate(samples)
    assert m['n'] == 7
    assert m['kacr'] == pytest.approx(2 / 4)
    assert m['r'] == pytest.approx(1 / 3)
    assert m['p'] == pytest.approx(1 / 2)
    # r + p < 1: F = 2rp / max(r + p, 1) = 2rp, not the harmonic mean.
    assert m['f'] == pytest.approx(2 * (1 / 3) * (1 / 2))
    assert m['f'] != pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))
    assert m['kacr_hori'] == pytest.approx(1 / 3) and m['kacr_vert'] == 1.0
    assert m['r_vert'] == 0.0 and m['p_vert'] == 0.0 and m['f_vert'] == 0.0
    assert m['r_hori'] == pytest.approx(1 / 2) and m['p_hori'] == pytest.approx(1 / 2)
    assert not {'acr', 'lenpred_acr'} & set(m)


def test_open_set_harmonic_when_sum_at_least_one(open_dict):
    samples = [sample('x', '⑨', open_dict, has_unk=True),
               sample('y', '⑨', open_dict, has_unk=True),
               sample('xa', 'a', open_dict, has_unk=True),
               sample('a', '⑨', open_dict, has_unk=True)]
    m = evaluate(samples)
    r, p = 2 / 3, 2 / 3  # r + p > 1: F is the harmonic mean
    assert (m['r'], m['p']) == (pytest.approx(r), pytest.approx(p))
    assert m['f'] == pytest.approx(2 * r * p / (r + p))
    assert m['kacr'] == 0.0


def test_open_set_without_unknown_lines(open_dict):
    m = evaluate([sample('ab', 'ab', open_dict, has_unk=True),
                  sample('ab', 'a⑨', open_dict, has_unk=True)])
    assert (m['kacr'], m['r'], m['p'], m['f']) == (0.5, 0.0, 0.0, 0.0)


def test_all_lines_unknown(open_dict):
    m = evaluate([sample('xy', '⑨⑨', open_dict, has_unk=True),
                  sample('yy', '⑨', open_dict, has_unk=True)])
    assert (m['kacr'], m['r'], m['p'], m['f']) == (0.0, 1.0, 1.0, 1.0)


def test_missing_metainfo_is_a_clear_error(closed_dict):
    s = TextRecogDataSample(metainfo=dict(ori_shape=HORI))
    s.gt_text = LabelData(item='a')
    s.pred_text = LabelData(item='a')
    with pytest.raises(KeyError, match='dict_path'):
        WnAMetric().process(None, [s.to_dict()])


def test_mixed_has_unk_slice_is_rejected(closed_dict):
    with pytest.raises(ValueError, match='mixing has_unk'):
        evaluate([sample('a', 'a', closed_dict), sample('a', 'a', closed_dict, has_unk=True)])


def test_multi_datasets_evaluator_key_names(closed_dict, open_dict):
    init_default_scope('mmocr')
    evaluator = EVALUATOR.build(dict(type='MultiDatasetsEvaluator',
                                     metrics=[dict(type='WnAMetric')],
                                     dataset_prefixes=['X-GZSL', 'X-OSR']))
    evaluator.dataset_meta = dict(cumulative_sizes=[2, 5])
    gzsl = [sample('ab', 'AB', closed_dict, test_key='X-GZSL'),
            sample('ab', 'a', closed_dict, test_key='X-GZSL')]
    osr = [sample('ax', 'a⑨', open_dict, has_unk=True, test_key='X-OSR'),
           sample('ab', 'ab', open_dict, has_unk=True, test_key='X-OSR'),
           sample('ab', 'b', open_dict, has_unk=True, test_key='X-OSR', shape=VERT)]
    evaluator.process(gzsl[:1])
    evaluator.process(gzsl[1:] + osr[:1])  # a batch straddling the two tests
    evaluator.process(osr[1:])
    metrics = evaluator.evaluate(5)
    suffixes = ['', '_hori', '_vert']
    assert set(metrics) == (
        {f'X-GZSL/{m}{s}' for m in ('acr', 'lenpred_acr', 'char_acr') for s in suffixes}
        | {f'X-OSR/{m}{s}' for m in ('kacr', 'r', 'p', 'f') for s in suffixes}
        | {f'{t}/n{s}' for t in ('X-GZSL', 'X-OSR') for s in suffixes})
    assert metrics['X-GZSL/acr'] == 0.5 and metrics['X-GZSL/n'] == 2
    assert metrics['X-OSR/kacr'] == 0.5 and metrics['X-OSR/r'] == 1.0
    assert metrics['X-OSR/p'] == 1.0 and metrics['X-OSR/n_vert'] == 1


def test_demo_suite_config_feeds_the_metric(tmp_path, monkeypatch):
    """configs/wna/_base_/datasets/demo_test.py on a tiny real LMDB: dataset metainfo,
    test pipeline, a batch straddling the four tests, and the evaluator's key names."""
    root = tmp_path / 'demo'
    png = lambda h, w: cv2.imencode('.png', np.full((h, w, 3), 200, np.uint8))[1].tobytes()  # noqa: E731
    write_lmdb(root / 'test_jpn_hv', [(png(32, 96), '日本'), (png(96, 32), 'かな'),
                                      (png(40, 40), 'a')])
    write_lmdb(root / 'test_held_out_face', [(png(32, 64), 'かa')])
    for mode, chars in [('gzsl', '日本かなa'), ('osr', '日a'), ('gosr', '日本a'), ('ostr', '日本'),
                        ('train', '日a')]:
        make_dict(root / 'dicts', 'train' if mode == 'train' else f'jpnhv_{mode}', list(chars))
    monkeypatch.setenv('WNA_DEMO_DATA', str(root))
    cfg = Config.fromfile('configs/wna/_base_/datasets/demo_test.py')
    cfg.test_dataloader.num_workers = 0
    init_default_scope('mmocr')
    loader = Runner.build_dataloader(cfg.test_dataloader)
    evaluator = EVALUATOR.build(cfg.test_evaluator)
    evaluator.dataset_meta = loader.dataset.metainfo
    batches = list(loader)
    assert len(batches) == 1 and len(batches[0]['data_samples']) == 13
    for batch in batches:
        for s in batch['data_samples']:
            s.pred_text = LabelData(item=s.gt_text.item)  # recognises, never rejects
        evaluator.process(batch['data_samples'], batch)
    first = batches[0]['data_samples'][4]
    assert first.metainfo['test_key'] == 'DEMO-OSR' and first.metainfo['sample_idx'] == 1
    assert first.metainfo['dict_path'] == f'{root}/dicts/jpnhv_osr.npz'
    metrics = evaluator.evaluate(len(loader.dataset))
    assert metrics['DEMO-GZSL/acr'] == 1.0 and metrics['DEMO-GZSL/n_vert'] == 1
    assert metrics['DEMO-OSR/kacr'] == 1.0 and metrics['DEMO-OSR/r'] == 0.0
    assert metrics['DEMO-OSTR/kacr'] == 1.0 and metrics['DEMO-OSTR/n'] == 3
    assert {k.split('/')[0] for k in metrics} == {'DEMO-GZSL', 'DEMO-OSR', 'DEMO-GOSR',
                                                 'DEMO-OSTR', 'DEMO-OTHERFACE'}
    assert metrics['DEMO-GZSL/char_acr_unseen'] == 1.0
    assert metrics['DEMO-GZSL/n_chars_unseen'] == 3  # 本 か な
    assert metrics['DEMO-OTHERFACE/n'] == 1 and metrics['DEMO-OTHERFACE/char_acr'] == 1.0
    assert 'DEMO-OSR/char_acr' not in metrics
