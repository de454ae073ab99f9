# Alias of wna-xl_resnet45_400k_moostr.py (WnA XL), named after upstream's run folder
# (aroute_nd_only-v6S-reg-nedmix-AAF-ohem01E_promelas_b32).
_base_ = ['wna-xl_resnet45_400k_moostr.py']
