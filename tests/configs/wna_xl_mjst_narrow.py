# The English close-set config (WnA XL on MJ + ST) with every width / 8 and one block per
# stage, 6 images a step and no worker processes: a few CPU iterations in seconds.
_base_ = ['../../configs/wna/wna-xl_resnet45_700k_mjst.py']

__expert = dict(se_channels=4, cam_channels=8)
__pool = dict(pos_channels=4)
model = dict(
    backbone=dict(channels=[4, 8, 16, 32, 64, 64], blocks=[1, 1, 1, 1, 1]),
    router=dict(pool=__pool),
    experts=dict(hori=__expert, vert=__expert, rect=__expert),
    glyph_encoder=dict(pool=__pool),
)
train_dataloader = dict(batch_size=6, num_workers=0, persistent_workers=False,
                        batch_sampler=dict(count=2))
test_dataloader = dict(num_workers=0)
val_dataloader = dict(num_workers=0)
