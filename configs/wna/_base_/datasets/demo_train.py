# Demo training set: the train_NG LMDB written by tools/make_demo_data.py (set WNA_DEMO_DATA
# to its output folder); 24 images a step (8 hori + 8 rect + 8 vert). Same pipeline as the
# MOOSTR training set.
_base_ = ['./moostr_train.py']

__demo = '{{$WNA_DEMO_DATA:data/wna_demo}}'

train_dataloader = dict(
    batch_size=24,
    num_workers=2,
    batch_sampler=dict(count=8),  # images per bucket of the default table
    dataset=dict(datasets=[dict(type='WnALMDBDataset', ann_file=f'{__demo}/train_NG')]))
