# Demo training sets: the train_NG (90 % plain crops) and train_NG_augmented (none plain)
# LMDBs written by tools/make_demo_data.py (set WNA_DEMO_DATA to its output folder),
# concatenated; 24 images a step (8 hori + 8 rect + 8 vert). Without
# batch_sampler.dataset_weights every crop of a bucket is equally likely (45 % plain); the
# demo config moves from train_NG alone to a mix of both. Same pipeline as the MOOSTR
# training set.
_base_ = ['./moostr_train.py']

__demo = '{{$WNA_DEMO_DATA:data/wna_demo}}'

train_dataloader = dict(
    batch_size=24,
    num_workers=2,
    batch_sampler=dict(count=8),  # images per bucket of the default table
    dataset=dict(datasets=[dict(type='WnALMDBDataset', ann_file=f'{__demo}/{name}')
                           for name in ('train_NG', 'train_NG_augmented')]))
