# WnA-S at the paper's depth with every width / 8 (ResNet45 4/8/16/32/64/64, 4 positional
# channels, CAM 8): small models with every upstream tensor, for the tests.
_base_ = ['../../configs/wna/tiny_nedmix.py']

__expert = dict(se_channels=4, cam_channels=8)
__pool = dict(pos_channels=4)
model = dict(
    backbone=dict(channels=[4, 8, 16, 32, 64, 64]),
    router=dict(pool=__pool),
    experts=dict(hori=__expert, vert=__expert, rect=__expert),
    glyph_encoder=dict(pool=__pool),
)
