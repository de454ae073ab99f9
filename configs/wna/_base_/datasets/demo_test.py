# The demo suite: the four open-set modes of the Japanese demo LMDB written by
# tools/make_demo_data.py (test keys DEMO-GZSL, DEMO-OSR, DEMO-GOSR, DEMO-OSTR; batch 32).
# Validation uses DEMO-GZSL at batch 16. Pipeline, sampler and evaluator come from the
# benchmark suite; only the datasets and their names differ.
_base_ = ['./moostr_test_all.py']

__demo = '{{$WNA_DEMO_DATA:data/wna_demo}}'
__datasets = [
    dict(type='WnALMDBDataset', ann_file=f'{__demo}/test_jpn_hv', test_mode=True,
         metainfo=dict(test_key=f'DEMO-{mode}',
                       dict_path=f'{__demo}/dicts/jpnhv_{mode.lower()}.npz', has_unk=has_unk))
    for mode, has_unk in [('GZSL', False), ('OSR', True), ('GOSR', True), ('OSTR', True)]
]

test_dataloader = dict(dataset=dict(datasets=__datasets))
test_evaluator = dict(dataset_prefixes=[d['metainfo']['test_key'] for d in __datasets])
val_dataloader = dict(dataset=dict(datasets=__datasets[:1]))
val_evaluator = dict(dataset_prefixes=['DEMO-GZSL'])
