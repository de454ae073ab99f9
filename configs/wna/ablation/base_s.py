# Ablation 'base_s' = paper WOAROUTE (BASE + ohem01E).
# Router loss aroute, penalty loss, OHEM ohem01E, rule-based routing True;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'base_s'
model = dict(
    routing=dict(rule_based=True),
    loss=dict(route='aroute', penalty='loss', ohem='ohem01E'),
)
