# Ablation 'wna_s' = paper WNA-S, the main model.
# Router loss aroute, penalty nedmix, OHEM ohem01E, rule-based routing False;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'wna_s'
model = dict(
    routing=dict(rule_based=False),
    loss=dict(route='aroute', penalty='nedmix', ohem='ohem01E'),
)
