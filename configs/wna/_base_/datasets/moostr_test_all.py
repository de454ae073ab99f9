# The MOOSTR benchmark suite: nine tests on three LMDBs, as upstream's
# `osocr_benchall.py` (batch 32). Each test is one WnALMDBDataset whose metainfo names
# its test key, dictionary and open-set flag; MultiDatasetsEvaluator reports
# '<test>/<metric>' (e.g. 'JPNHV-GZSL/acr'). Validation uses JPNHV-GZSL at batch 16.
# Names starting with '__' are helpers that MMEngine drops from the merged config.
__moostr = '{{$WNA_DATA:data/moostr}}'

# (test key, LMDB folder, dictionary folder under dictsv2/, has_unk)
__tests = [
    ('KR-GZSL', 'mlttrkr_hori', 'dabkrmlt', False),
    ('JPNHV-GZSL', 'mlttrjp_hv', 'dabjpmlthv', False),
    ('JPNHV-OSR', 'mlttrjp_hv', 'dabjpmlthv_osr', True),
    ('JPNHV-GOSR', 'mlttrjp_hv', 'dabjpmlthv_nohirakata', True),
    ('JPNHV-OSTR', 'mlttrjp_hv', 'dabjpmlthv_kanji', True),
    ('JPN-GZSL', 'mlttrjp_hori', 'dabjpmlt', False),
    ('JPN-OSR', 'mlttrjp_hori', 'dabjpmltch_osr', True),
    ('JPN-GOSR', 'mlttrjp_hori', 'dabjpmltch_nohirakata', True),
    ('JPN-OSTR', 'mlttrjp_hori', 'dabjpmltch_kanji', True),
]

test_pipeline = [
    dict(type='LoadImageFromNDArray'),
    dict(type='LoadOCRAnnotations', with_text=True),
    dict(type='WnABGRToRGB'),
    dict(type='WnARouterThumbnail'),
    dict(type='PackWnAInputs',
         meta_keys=('img_path', 'ori_shape', 'img_shape', 'test_key', 'dict_path', 'has_unk',
                    'train_dict_path', 'sample_idx')),
]


def __suite(tests, batch_size):
    """Dataloader and evaluator configs evaluating `tests` in order."""
    datasets = [
        dict(type='WnALMDBDataset', ann_file=f'{__moostr}/{lmdb}', test_mode=True,
             metainfo=dict(test_key=key, dict_path=f'{__moostr}/dictsv2/{dict_name}',
                           has_unk=has_unk))
        for key, lmdb, dict_name, has_unk in tests
    ]
    dataloader = dict(
        batch_size=batch_size,
        num_workers=2,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='ConcatDataset', datasets=datasets, pipeline=test_pipeline,
                     verify_meta=False))
    evaluator = dict(type='MultiDatasetsEvaluator', metrics=[dict(type='WnAMetric')],
                     dataset_prefixes=[key for key, *_ in tests])
    return dataloader, evaluator


test_dataloader, test_evaluator = __suite(__tests, batch_size=32)
val_dataloader, val_evaluator = __suite([t for t in __tests if t[0] == 'JPNHV-GZSL'],
                                        batch_size=16)
