# Ablation 'r3_s' = paper AR-L-S.
# Router loss aroute, penalty loss, OHEM ohem01E, rule-based routing False;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'r3_s'
model = dict(
    routing=dict(rule_based=False),
    loss=dict(route='aroute', penalty='loss', ohem='ohem01E'),
)
