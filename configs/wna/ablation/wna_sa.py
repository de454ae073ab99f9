# Ablation 'wna_sa' = paper OHEM-A.
# Router loss aroute, penalty nedmix, OHEM ohem01, rule-based routing False;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'wna_sa'
model = dict(
    routing=dict(rule_based=False),
    loss=dict(route='aroute', penalty='nedmix', ohem='ohem01'),
)
