# MOOSTR "seen" training set: the five *_seen_NG LMDBs in source order art, mlt, ctw, rctw,
# lsvt, concatenated; 72 images a step (24 hori + 24 rect + 24 vert, drawn with replacement
# from the aspect-ratio buckets of the sampler's default table; the bucket index is cached
# under the first LMDB or ~/.cache/wna/buckets). Set WNA_DATA to the data root.
__root = '{{$WNA_DATA:data/moostr}}'

train_pipeline = [
    dict(type='LoadImageFromNDArray'),
    dict(type='LoadOCRAnnotations', with_text=True),
    dict(type='WnABGRToRGB'),
    dict(type='WnAAugment'),
    dict(type='WnARouterThumbnail', size=32),
    dict(type='PackWnAInputs', meta_keys=('img_path', 'ori_shape', 'img_shape')),
]

train_dataloader = dict(
    batch_size=72,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=False),
    # the sampler's default bucket table (DEFAULT_BUCKETS in projects/wna/datasets/samplers.py)
    batch_sampler=dict(type='WnAAspectRatioBucketBatchSampler'),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type='WnALMDBDataset', ann_file=f'{__root}/{name}')
            for name in ('artdb_seen_NG', 'mlttrchlat_seen_NG', 'ctwdb_seen_NG',
                         'rctwtrdb_seen_NG', 'lsvtdb_seen_NG')
        ],
        pipeline=train_pipeline))
