# Ablation 'wna_sa' = paper OHEM-A.
# Router loss aroute, penalty nedmix, OHEM ohem01, rule-based routing False;
# everything else as WnA-S; evaluated on JPNHV-GZSL only.
_base_ = ['../_base_/wna_s_moostr.py', '../_base_/datasets/moostr_test_ablation.py']

variant = 'wna_sa'
model = dict(
    loss=dict(mining=dict(weighted=False)),
)
