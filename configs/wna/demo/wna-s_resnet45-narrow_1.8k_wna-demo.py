# CPU demo twin of WnA-S (wna-s_resnet45_400k_moostr.py): the same components with a
# shallow, narrow ResNet45 (one block per stage, widths / 4: 8/16/32/64/128/128; 8
# positional channels, CAM 16), 64 prototypes per step instead of 256 (none withheld for
# the first 600), Adam (lr 2e-3, x0.1 from iteration 1560; per-module clipping kept; the
# rejection threshold tau at 30x the rate, see below) for 1800 iterations of 24 images,
# validated and checkpointed every 600 iterations with a moving average of the weights, on
# the demo data of tools/make_demo_data.py (set WNA_DEMO_DATA), short lines first and
# augmented crops last (see below). Shallow-and-wider optimises much faster than the
# paper's depth at a width / 8 of the same cost, and the smaller prototype budget halves
# the glyph-encoding cost of a step. On a 2-core Xeon (2026-12-03) about 0.6 s an
# iteration in float32, 0.43-0.48 s in bfloat16 (tools/demo.py --amp auto): 13.7-15.2
# minutes a seed with evaluation; on a 2-core AVX2-only EPYC (float32, 2 threads,
# 2026-12-08) 0.67-0.76 s, 21.9-22.7 minutes (the three-seed medians are in docs/demo.md);
# numbers are not comparable to the paper's.
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
__expert = dict(se_channels=8, cam_channels=16)
__pool = dict(pos_channels=8)
model = dict(
    backbone=dict(channels=[8, 16, 32, 64, 128, 128], blocks=[1, 1, 1, 1, 1]),
    router=dict(pool=__pool),
    experts=dict(hori=__expert, vert=__expert, rect=__expert),
    glyph_encoder=dict(pool=__pool),
    # Closed-set warm-up: for the first 600 steps every character of the batch is a class
    # (none withheld as UNK), so that attention aligns before rejection is learnt; without
    # it the twin long reads the first character and rejects the rest (docs/demo.md).
    proto_sampler=dict(capacity=64, closed_set_steps=600),
    train_charset=f'{__demo}/dicts/train.npz',
    default_charset=f'{__demo}/dicts/jpnhv_gzsl.npz',
)

# tau is one scalar that must climb to the prototypes' cosine level (~0.9 at init); Adam
# moves it by at most ~lr a step, and while it lags the features shrink instead (the
# cheapest way to raise the UNK share of the withheld 20 %), which flattens all logits.
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=2e-3),
                     paramwise_cfg=dict(lr_mult=dict(classifier=30.0)))
# The weights a step of 24 images leaves are noisy at this rate: validation, the saved
# checkpoints (their `state_dict`; the raw weights go to `ema_state_dict` for resuming)
# and testing use their moving average over the last ~250 steps (MMEngine's EMAHook;
# momentum 0.004: the first 300 steps weigh 0.3 in the first validation, 0.0025 at the
# end). With lr 1e-3 and no average the twin read fewer open-set lines (docs/demo.md).
custom_hooks = _base_.custom_hooks + [dict(type='EMAHook', momentum=0.004)]
# Line-length curriculum, then augmented crops: the first 300 steps draw only the crops
# of at most 3 characters (1,528 of train_NG's 4,000), a linear ramp reaches the whole of
# train_NG at step 900, and a second ramp reaches 30 % from train_NG_augmented (no plain
# crop; 37 % plain crops from there, the test sets have 50 %) at step 1200. Attention
# learns to align on short lines before it has to count, and on the styles of the test
# crops once it aligns. On seeds 0-2 (1 thread, float32, 2026-12-07) DEMO-GZSL rose from a
# median of 32.8 (25.8-36.8) with neither to 43.2 (41.5-43.5) with short lines first and
# 44.8 (43.7-44.8) with both, unseen characters from 45.6 to 53.8 and 56.9 (docs/demo.md).
train_dataloader = dict(
    batch_sampler=dict(dataset_weights=[(300, [0, 1, 0]), (900, [1, 0, 0]), (1200, [7, 0, 3])]),
    dataset=dict(datasets=[
        dict(type='WnALMDBDataset', ann_file=f'{__demo}/train_NG'),
        dict(type='WnALMDBDataset', ann_file=f'{__demo}/train_NG', max_label_len=3),
        dict(type='WnALMDBDataset', ann_file=f'{__demo}/train_NG_augmented')]))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[1560], gamma=0.1)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1800, val_interval=600)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='WnACheckpointHook', interval=600, by_epoch=False, max_keep_ckpts=2),
)
