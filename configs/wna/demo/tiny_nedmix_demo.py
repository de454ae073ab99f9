# Alias of wna-s_resnet45-narrow_1.8k_wna-demo.py (the CPU demo twin of WnA-S).
_base_ = ['wna-s_resnet45-narrow_1.8k_wna-demo.py']
