# Ablation 'wna_s' = paper WNA-S, the main model.
# Router loss aroute, penalty nedmix, OHEM ohem01E, rule-based routing False;
# everything else as WnA-S; evaluated on JPNHV-GZSL only.
_base_ = ['../_base_/wna_s_moostr.py', '../_base_/datasets/moostr_test_ablation.py']

variant = 'wna_s'
