# Ablation 'wna' = paper WOOHEM.
# Router loss aroute, penalty nedmix, OHEM none, rule-based routing False;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'wna'
model = dict(
    routing=dict(rule_based=False),
    loss=dict(route='aroute', penalty='nedmix', ohem='none'),
)
