# Ablation 'r3' = paper AR-L.
# Router loss aroute, penalty loss, OHEM none, rule-based routing False;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'r3'
model = dict(
    routing=dict(rule_based=False),
    loss=dict(route='aroute', penalty='loss', ohem='none'),
)
