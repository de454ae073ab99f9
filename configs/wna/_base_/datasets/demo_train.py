# Demo training set: the train_NG LMDB written by tools/make_demo_data.py (set WNA_DEMO_DATA
# to its output folder); 24 images a step (8 hori + 8 rect + 8 vert). Same pipeline as the
# MOOSTR training set.
_base_ = ['./moostr_train.py']

__demo = '{{$WNA_DEMO_DATA:data/wna_demo}}'

train_dataloader = dict(
    batch_size=24,
    num_workers=2,
    batch_sampler=dict(buckets=[
        dict(name='hori', ratio=(2, 9999), count=8),
        dict(name='rect', ratio=(0.5, 2), count=8),
        dict(name='vert', ratio=(-100, 0.5), count=8),
    ]),
    dataset=dict(datasets=[dict(type='WnALMDBDataset', ann_file=f'{__demo}/train_NG')]))
