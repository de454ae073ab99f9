# WnA-S, the paper's main model: tiny canvases, aroute, nedmix penalty, ohem01E; trained on
# MOOSTR "seen" for 400k iterations, validated on JPNHV-GZSL, tested on all nine tests.
_base_ = ['_base_/wna_s_moostr.py', '_base_/datasets/moostr_test_all.py']
custom_imports = dict(imports=['projects.wna'], allow_failed_imports=False)
default_scope = 'mmocr'
