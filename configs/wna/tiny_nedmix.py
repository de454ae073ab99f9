# Alias of wna-s_resnet45_400k_moostr.py (WnA-S), named after upstream's run folder
# (aroute_nd_only-v6S-tiny-nedmix-AAF-ohem01E).
_base_ = ['wna-s_resnet45_400k_moostr.py']
