# WnA XL (upstream run XL/aroute_nd_only-v6S-reg-nedmix-AAF-ohem01E_promelas_b32): WnA-S
# with "reg" canvases (hori 32x128, vert 128x32, rect 64x64) and a 64-wide stem in both
# the shared core and the router core; tested on all nine tests.
_base_ = ['wna-s_resnet45_400k_moostr.py']

variant = 'xl'
model = dict(
    backbone=dict(channels=[64, 64, 128, 256, 512, 512]),
    experts=dict(hori=dict(canvas=[32, 128]), vert=dict(canvas=[128, 32])),
)
