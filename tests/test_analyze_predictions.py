"""The prediction analysis (``projects.wna.analysis.prediction_analysis``) and its tool
(``tools/analyze_predictions.py``) on hand-made prediction records with known answers."""
import json

import numpy as np
import pytest
from conftest import load_tool
from mmengine.structures import LabelData
from mmocr.structures import TextRecogDataSample

from projects.wna.analysis.prediction_analysis import (
    analyse_records,
    character_accuracy,
    line_correct,
    markdown_report,
    markdown_section,
    orientation_of,
    read_predictions,
    rejection_scores,
    routing_table,
    save_figures,
    script_of,
    seen_characters,
    show_char,
    stem_names,
    summary_line,
)
from projects.wna.apis.cli import run_main
from projects.wna.charset import GlyphCharset
from projects.wna.evaluation import WnAMetric

tool = load_tool('analyze_predictions')

#: Characters of the training dictionary: 東, 龍 and x are unseen.
TRAIN_CHARS = list('abcAB一二日本ひらカタ1ー!')


def rec(gt, text, scores, expert, shape, **extra):
    """A record as ``WnAPredictionDumpHook`` writes it."""
    return dict(index=0, test='T', text=text, gt=gt, scores=scores, expert=expert,
                router_probs=[0.2, 0.3, 0.5], ori_shape=shape, **extra)


#: (H, W) shapes: W/H 3.1 wide, 4 wide, 0.3 tall, 0.33 tall, 1 square, exactly 2 (wide),
#: exactly 0.5 (tall), 2.8 wide.
RECORDS = [
    rec('一二', 'ー二', [0.65, 0.92], 'rect', [32, 100]),              # 一 → ー, wide to rect
    rec('abc', 'ABC', [0.91, 0.82, 0.73], 'hori', [32, 128]),          # right (any case)
    rec('日東', '日東', [0.95, 0.85], 'vert', [100, 30]),              # unseen 東 read
    rec('日龍', '日⑨', [0.93, 0.55], 'vert', [90, 30]),               # unseen 龍 rejected
    rec('ひらカタ1', 'ひらカ1', [0.94, 0.96, 0.81, 0.74], 'rect', [40, 40]),  # タ deleted
    rec('b', 'bb', [0.97, 0.35], 'hori', [20, 40]),                    # b inserted
    rec('本', '本', [0.99], 'rect', [40, 20]),                         # tall to rect, right
    rec('x!', 'x!', [0.83, 0.62], 'hori', [32, 90]),                   # unseen latin x
]


def make_dict(folder, name, chars):
    path = folder / f'{name}.npz'
    GlyphCharset(chars, np.zeros((len(chars), 32, 32), np.uint8)).save(path)
    return str(path)


@pytest.fixture
def train_dict(tmp_path):
    return make_dict(tmp_path, 'train', TRAIN_CHARS)


def write_jsonl(path, records):
    path.write_text(''.join(json.dumps(r, ensure_ascii=False) + '\n' for r in records),
                    encoding='utf-8')
    return str(path)


def test_helpers():
    assert orientation_of([32, 64]) == 'wide'      # W/H = 2: in hori and rect, wide wins
    assert orientation_of([64, 32]) == 'tall'      # W/H = 0.5: in rect and vert, tall wins
    assert orientation_of([32, 63]) == 'square' and orientation_of([63, 32]) == 'square'
    assert orientation_of(None) == 'unknown' and orientation_of([0, 5]) == 'unknown'
    assert [script_of(c) for c in '漢々ひカーｶAéｚ7７!⑨'] == [
        'kanji', 'kanji', 'hiragana', 'katakana', 'katakana', 'katakana', 'latin', 'latin',
        'latin', 'digit', 'digit', 'other', 'other']
    assert line_correct('Ab', 'aB⑨') and not line_correct('Ab', 'a') and not line_correct('a', None)
    assert line_correct('が', 'か\u3099')  # compared in NFC
    assert show_char('一') == '一 U+4E00' and show_char(' ') == '␣ U+0020'
    assert show_char('|') == '\\| U+007C'
    assert stem_names(['a/T.jsonl', 'b/T.jsonl', 'b/U.jsonl']) == ['T', 'T-2', 'U']


def test_read_predictions_skips_blank_lines(tmp_path):
    path = tmp_path / 'T.jsonl'
    path.write_text('{"text": "a", "gt": "a"}\n\n{"text": null}\n', encoding='utf-8')
    assert read_predictions(str(path)) == [dict(text='a', gt='a'), dict(text=None)]


def test_seen_characters_lower_case_and_space(tmp_path):
    seen = seen_characters(make_dict(tmp_path, 'd', ['a', 'B', '日']))
    assert seen == frozenset({'a', 'b', '日', ' '})


def test_routing_table(train_dict):
    table = routing_table(RECORDS)
    assert table['orientations'] == ['wide', 'square', 'tall']
    assert table['experts'] == ['hori', 'vert', 'rect']
    assert table['labels']['wide'] == 'wide (W/H ≥ 2)'
    assert table['labels']['tall'] == 'tall (H/W ≥ 2)'

    def counts(entry):
        return entry['n'], entry['correct']

    cells = table['cells']
    assert {(o, e): counts(c) for o, row in cells.items() for e, c in row.items()} == {
        ('wide', 'hori'): (3, 2), ('wide', 'vert'): (0, 0), ('wide', 'rect'): (1, 0),
        ('square', 'hori'): (0, 0), ('square', 'vert'): (0, 0), ('square', 'rect'): (1, 0),
        ('tall', 'hori'): (0, 0), ('tall', 'vert'): (2, 1), ('tall', 'rect'): (1, 1)}
    assert cells['wide']['hori']['line_acc'] == pytest.approx(2 / 3)
    assert cells['wide']['vert']['line_acc'] is None
    assert {o: counts(r) for o, r in table['rows'].items()} == {
        'wide': (4, 2), 'square': (1, 0), 'tall': (3, 2)}
    assert {e: counts(c) for e, c in table['cols'].items()} == {
        'hori': (3, 2), 'vert': (2, 1), 'rect': (3, 1)}
    assert table['all'] == dict(n=8, n_gt=8, correct=4, line_acc=0.5)


def test_character_accuracy_seen_unseen_and_scripts(train_dict):
    chars = character_accuracy(RECORDS, seen_characters(train_dict))
    assert chars['all'] == dict(chars=18, hits=15, acc=pytest.approx(15 / 18))
    assert chars['seen'] == dict(chars=15, hits=13, acc=pytest.approx(13 / 15))
    assert chars['unseen'] == dict(chars=3, hits=2, acc=pytest.approx(2 / 3))  # 東 x read
    assert {s: (e['chars'], e['hits']) for s, e in chars['scripts'].items()} == {
        'kanji': (7, 5), 'hiragana': (2, 2), 'katakana': (2, 1), 'latin': (5, 5),
        'digit': (1, 1), 'other': (1, 1)}
    assert character_accuracy(RECORDS)['seen'] is None
    # '⑨' is dropped before the alignment, as in the metric: b is read (kept, 'b⑨⑨' would
    # align as three substitutions)
    rejected = [rec('aab', 'b⑨⑨', [0.9, 0.2, 0.2], 'hori', [32, 96])]
    assert character_accuracy(rejected)['all'] == dict(chars=3, hits=1, acc=pytest.approx(1 / 3))


def test_character_accuracy_is_the_metrics(tmp_path, train_dict):
    """The same records through WnAMetric give the same line and character accuracies."""
    test_chars = sorted({c for r in RECORDS for c in r['gt']})
    test_dict = make_dict(tmp_path, 'test', test_chars)
    metric = WnAMetric()
    for r in RECORDS:
        sample = TextRecogDataSample(metainfo=dict(
            dict_path=test_dict, has_unk=False, ori_shape=r['ori_shape'],
            train_dict_path=train_dict))
        sample.gt_text = LabelData(item=r['gt'])
        sample.pred_text = LabelData(item=r['text'])
        metric.process(None, [sample.to_dict()])
    metrics = metric.compute_metrics(metric.results)
    ours = analyse_records(RECORDS, seen_characters(train_dict))
    assert metrics['acr'] == ours['routing']['all']['line_acc'] == 0.5
    assert metrics['char_acr'] == pytest.approx(ours['characters']['all']['acc'])
    assert metrics['char_acr_seen'] == pytest.approx(ours['characters']['seen']['acc'])
    assert metrics['char_acr_unseen'] == pytest.approx(ours['characters']['unseen']['acc'])


def test_edit_operations(train_dict):
    edits = analyse_records(RECORDS)['edits']
    assert {k: edits[k] for k in ('chars', 'matches', 'substitutions', 'rejections',
                                  'deletions', 'insertions')} == dict(
        chars=18, matches=15, substitutions=2, rejections=1, deletions=1, insertions=1)
    assert edits['top_substitutions'] == [dict(gt='一', pred='ー', count=1),
                                          dict(gt='龍', pred='⑨', count=1)]
    assert edits['top_deletions'] == [dict(char='タ', count=1)]
    assert edits['top_insertions'] == [dict(char='b', count=1)]
    more = RECORDS + [rec('一', 'ー', [0.5], 'hori', [32, 64])]
    more_edits = analyse_records(more, top=1)['edits']
    assert more_edits['top_substitutions'] == [dict(gt='一', pred='ー', count=2)]
    assert more_edits['substitutions'] == 3 and more_edits['rejections'] == 1


def test_rejection_scores():
    scores = rejection_scores(RECORDS)
    assert scores['open_set'] and scores['mismatched'] == 0
    assert scores['bins'] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert scores['rejected']['counts'] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert scores['rejected']['n'] == 1 and scores['rejected']['mean'] == 0.55
    assert scores['known']['counts'] == [0, 0, 0, 1, 0, 0, 2, 2, 4, 8]
    assert scores['known']['n'] == 17
    # wrong: ー (0.65) and the inserted second b (0.35)
    assert scores['known_wrong']['counts'] == [0, 0, 0, 1, 0, 0, 1, 0, 0, 0]
    assert scores['known_wrong']['mean'] == pytest.approx(0.5)
    assert scores['known_right']['n'] == 15 and scores['known_right']['min'] == 0.62
    closed = rejection_scores(RECORDS[:3])
    assert not closed['open_set'] and closed['rejected'] == dict(n=0, counts=[0] * 10)


def test_length_table():
    lengths = analyse_records(RECORDS)['lengths']
    assert [(r['length'], r['n'], r['correct'], r['chars'], r['hits']) for r in lengths] == [
        (1, 2, 1, 2, 2), (2, 4, 2, 8, 6), (3, 1, 1, 3, 3), (5, 1, 0, 5, 4)]
    assert lengths[1]['line_acc'] == 0.5 and lengths[1]['char_acc'] == 0.75


def test_records_without_ground_truth_or_shape(tmp_path):
    """``infer.py`` records: ``label`` for LMDB ones, nothing for images; a record without
    ori_shape / expert, and one whose scores do not fit its text."""
    records = [dict(index=0, source='a.png', text='日', scores=[0.9], expert='hori',
                    router_probs=[1, 0, 0], ori_shape=[32, 96]),
               dict(index=1, source='x#image-1', text='本', scores=[0.8, 0.1], expert=None,
                    router_probs=None, ori_shape=None, label='本')]
    analysis = analyse_records(records)
    assert analysis['n'] == 2 and analysis['n_gt'] == 1
    routing = analysis['routing']
    assert routing['orientations'][-1] == 'unknown' and routing['experts'][-1] == 'unknown'
    assert routing['cells']['unknown']['unknown'] == dict(n=1, n_gt=1, correct=1, line_acc=1.0)
    assert routing['cells']['wide']['hori'] == dict(n=1, n_gt=0, correct=0, line_acc=None)
    assert analysis['characters']['all'] == dict(chars=1, hits=1, acc=1.0)
    assert analysis['scores']['mismatched'] == 1 and analysis['scores']['known']['n'] == 1
    text = markdown_section(analysis)
    assert '1 lines without a ground truth count in the routing table only.' in text
    assert '| no ori_shape | 0 | 0 | 0 | 1 (100.00) | 1 (100.00) |' in text

    bare = analyse_records(records[:1])
    assert bare['characters'] is bare['edits'] is bare['lengths'] is None
    text = markdown_section(bare)
    assert 'the accuracy tables are skipped' in text and '### Character accuracy' not in text
    assert 'No character was read as ⑨' in text
    assert [p.rsplit('/', 1)[-1] for p in save_figures(bare, str(tmp_path))] == [
        'predictions_routing.png']


def test_markdown_of_the_records(train_dict):
    text = markdown_report({'T': analyse_records(RECORDS, seen_characters(train_dict), 'T')},
                           train_dict)
    for line in ('# Prediction analysis', '## T', '### Routing: orientation × expert',
                 '| wide (W/H ≥ 2) | 3 (66.67) | 0 | 1 (0.00) | 4 (50.00) |',
                 '| all | 3 (66.67) | 2 (50.00) | 3 (33.33) | 8 (50.00) |',
                 '| unseen | 3 | 2 | 66.67 |', '| katakana | 2 | 1 | 50.00 |',
                 '18 ground-truth characters: 15 matched, 2 substituted (1 rejected as ⑨), '
                 '1 deleted; 1 inserted.',
                 '| 一 U+4E00 | ー U+30FC | 1 |', '| 龍 U+9F8D | ⑨ U+2468 | 1 |',
                 'Most deleted: タ U+30BF ×1.',
                 '| 0.5–0.6 | 1 | 0 | 0 | 0 |', '| n | 1 | 17 | 15 | 2 |',
                 '| 5 | 1 | 0.00 | 5 | 80.00 |'):
        assert line in text.splitlines(), line


def test_cli_writes_markdown_json_and_figures(tmp_path, train_dict, capsys):
    preds = tmp_path / 'predictions'
    preds.mkdir()
    write_jsonl(preds / 'DEMO-OSR.jsonl', RECORDS)
    write_jsonl(preds / 'DEMO-GZSL.jsonl', RECORDS[:3])
    out = tmp_path / 'analysis'
    assert tool.main([str(preds), '--train-dict', train_dict, '--out', str(out)]) == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0] == '# Prediction analysis'
    assert [line for line in lines if line.startswith('## ')] == ['## DEMO-GZSL', '## DEMO-OSR']
    assert printed.count('### Routing: orientation × expert') == 2
    assert 'No character was read as ⑨ (and no ground truth holds one).' in printed
    assert (out / 'analysis.md').read_text(encoding='utf-8') in printed

    data = json.loads((out / 'analysis.json').read_text(encoding='utf-8'))
    assert data['train_dict'] == train_dict and list(data['files']) == ['DEMO-GZSL', 'DEMO-OSR']
    osr = data['files']['DEMO-OSR']
    assert osr['path'] == str(preds / 'DEMO-OSR.jsonl') and osr['n'] == 8
    assert osr['routing']['all']['correct'] == 4
    assert osr['characters']['unseen'] == dict(chars=3, hits=2, acc=2 / 3)
    assert osr['edits']['top_substitutions'][1] == dict(gt='龍', pred='⑨', count=1)
    assert osr['scores']['rejected']['counts'][5] == 1
    assert [r['length'] for r in osr['lengths']] == [1, 2, 3, 5]
    gzsl = data['files']['DEMO-GZSL']
    assert gzsl['characters']['all'] == dict(chars=7, hits=6, acc=6 / 7)
    figures = sorted(p.name for p in out.glob('*.png'))
    assert figures == ['DEMO-GZSL_length.png', 'DEMO-GZSL_routing.png', 'DEMO-OSR_length.png',
                       'DEMO-OSR_routing.png', 'DEMO-OSR_scores.png']
    for name in figures:
        assert (out / name).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert summary_line(data['files']) == (
        '2 prediction file(s), 11 lines (11 with a ground truth), 1 characters read as ⑨, '
        '2 misread')


def test_cli_without_train_dict_notes_it(tmp_path, capsys):
    path = write_jsonl(tmp_path / 'T.jsonl', RECORDS)
    assert tool.main([path]) == 0
    printed = capsys.readouterr().out
    assert 'No training dictionary given (`--train-dict`): no seen / unseen split.' in printed
    assert '| seen / unseen | - | - | needs --train-dict |' in printed


@pytest.mark.parametrize('content,message', [
    (None, 'error: {path}: No such file or directory'),
    ('', 'error: {path}: no prediction records (empty file)'),
    ('\n  \n', 'error: {path}: no prediction records (empty file)'),
    ('{"text": "a"}\n{"text": "b",\n', 'error: {path}:2: not valid JSON '
     "(Expecting property name enclosed in double quotes, column 14)"),
    ('{"text": "a"}\n[1, 2]\n', 'error: {path}:2: a prediction record must be a JSON object, '
     'got list'),
    ('{"gt": "a"}\n', 'error: {path}:1: a prediction record needs a "text" string'),
    ('{"text": "a", "scores": ["x"]}\n', 'error: {path}:1: "scores" must be a list of numbers '
     'or null'),
    (b'{"text": "a"}\n{"text": "\xff"}\n', 'error: {path}:2: not UTF-8 text (invalid start '
     'byte)'),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / 'bad.jsonl'
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding='utf-8')
    assert run_main(tool.main, [str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ''
    assert captured.err == message.format(path=path) + '\n'


def test_cli_bad_folder_and_dictionary(tmp_path, capsys):
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert run_main(tool.main, [str(empty)]) == 2
    assert capsys.readouterr().err == f'error: {empty}: no .jsonl prediction files in this ' \
        'folder\n'
    path = write_jsonl(tmp_path / 'T.jsonl', RECORDS)
    assert run_main(tool.main, [path, '--train-dict', str(tmp_path / 'nope.npz')]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f'error: charset file not found: {tmp_path / "nope.npz"}')
    assert err.count('\n') == 1


def test_tool_reports_a_bad_line_as_one_error_and_prints_nothing_else(tmp_path, capsys):
    path = tmp_path / 'T.jsonl'
    path.write_text('{"text": "a"}\nnot json\n', encoding='utf-8')
    assert run_main(tool.main, [str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f'error: {path}:2: not valid JSON (Expecting value, column 1)\n'
    assert captured.out == ''
