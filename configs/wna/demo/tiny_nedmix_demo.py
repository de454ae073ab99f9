# CPU demo twin of WnA-S (tiny_nedmix.py): the same model with every width divided by 8
# (ResNet45 4/8/16/32/64/64, 4 positional channels, CAM 8), trained on the demo data of
# tools/make_demo_data.py (set WNA_DEMO_DATA) with 24 images a step for 600 iterations
# (lr x0.01 from iteration 450), validated and checkpointed every 200 iterations.
# About 1.25 s an iteration on 2 idle CPU cores, i.e. ~13 minutes of training; numbers
# are not comparable to the paper's.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/wna_tiny.py',
    '../_base_/schedules/adadelta_400k.py',
    '../_base_/datasets/demo_train.py',
    '../_base_/datasets/demo_test.py',
]
custom_imports = dict(imports=['projects.wna'], allow_failed_imports=False)
default_scope = 'mmocr'

variant = 'wna_s'
__demo = '{{$WNA_DEMO_DATA:data/wna_demo}}'
__expert = dict(se_channels=4, cam_channels=8)
__pool = dict(pos_channels=4)
model = dict(
    backbone=dict(channels=[4, 8, 16, 32, 64, 64]),
    router=dict(pool=__pool),
    experts=dict(hori=__expert, vert=__expert, rect=__expert),
    glyph_encoder=dict(pool=__pool),
    train_charset=f'{__demo}/dicts/train.npz',
    default_charset=f'{__demo}/dicts/jpnhv_gzsl.npz',
)

param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[450], gamma=0.01)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=600, val_interval=200)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=200, by_epoch=False, max_keep_ckpts=3),
)
