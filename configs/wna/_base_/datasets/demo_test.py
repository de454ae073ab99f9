# The demo suite: the four open-set modes of the Japanese demo LMDB written by
# tools/make_demo_data.py (test keys DEMO-GZSL, DEMO-OSR, DEMO-GOSR, DEMO-OSTR), and
# DEMO-OTHERFACE: lines of the same characters in a typeface used neither in training
# nor for the glyph dictionaries, read with the GZSL dictionary (batch 32). The GZSL-style
# tests name the training dictionary, so that the metric splits character accuracy into
# seen and unseen characters. Validation uses DEMO-GZSL at batch 16. Pipeline, sampler and
# evaluator come from the benchmark suite; only the datasets and their names differ.
_base_ = ['./moostr_test_all.py']

__demo = '{{$WNA_DEMO_DATA:data/wna_demo}}'
__train_dict = f'{__demo}/dicts/train.npz'
__datasets = [
    dict(type='WnALMDBDataset', ann_file=f'{__demo}/{lmdb}', test_mode=True,
         metainfo=dict(test_key=key, dict_path=f'{__demo}/dicts/jpnhv_{mode.lower()}.npz',
                       has_unk=has_unk, **({} if has_unk else dict(train_dict_path=__train_dict))))
    for key, lmdb, mode, has_unk in [
        ('DEMO-GZSL', 'test_jpn_hv', 'GZSL', False),
        ('DEMO-OSR', 'test_jpn_hv', 'OSR', True),
        ('DEMO-GOSR', 'test_jpn_hv', 'GOSR', True),
        ('DEMO-OSTR', 'test_jpn_hv', 'OSTR', True),
        ('DEMO-OTHERFACE', 'test_held_out_face', 'GZSL', False),
    ]
]

test_dataloader = dict(dataset=dict(datasets=__datasets))
test_evaluator = dict(dataset_prefixes=[d['metainfo']['test_key'] for d in __datasets])
val_dataloader = dict(dataset=dict(datasets=__datasets[:1]))
val_evaluator = dict(dataset_prefixes=['DEMO-GZSL'])
