# WnA-S model ("tiny" canvases, MODEL.md): router + three experts sharing one ResNet45 conv
# core (each with its own affine-free BN), open-set glyph prototypes, aroute + nedmix +
# ohem01E. Child configs merge into `model` (experts are keyed by name, in router order).
# Training needs `model.train_charset`; testing uses each sample's `dict_path` and falls
# back to `model.default_charset`.
model = dict(
    type='WnARecognizer',
    data_preprocessor=dict(type='WnADataPreprocessor'),
    # Shared conv weights of the experts and the glyph encoder. The router gets its own
    # WnAResNet45 of the same architecture unless `router.backbone` is given.
    backbone=dict(
        type='WnAResNet45Core',
        channels=[32, 64, 128, 256, 512, 512],
        blocks=[3, 4, 6, 6, 3],
        strides=[[2, 2], [1, 1], [2, 2], [1, 1], [1, 1]],
        out_stages=[1, 3, 5]),
    router=dict(
        type='WnARouter',
        pool=dict(type='WnASpatialAttentionPool', pos_channels=32, pos_size=16),
        num_experts=3),
    experts=dict(
        hori=dict(type='WnAExpert', canvas=[24, 96], se_channels=32, cam_channels=64,
                  max_len=32),
        vert=dict(type='WnAExpert', canvas=[96, 24], se_channels=32, cam_channels=64,
                  max_len=32),
        rect=dict(type='WnAExpert', canvas=[64, 64], se_channels=32, cam_channels=64,
                  max_len=32),
    ),
    glyph_encoder=dict(
        type='WnAGlyphEncoder',
        pool=dict(type='WnASpatialAttentionPool', pos_channels=32, pos_size=16)),
    classifier=dict(type='WnAOpenSetClassifier', tau_init=0.0),
    # Expert order hori, vert, rect; closed AR (W/H) ranges and rule anchors.
    # The router chooses among the feasible experts (WnARuleBasedRouting: the
    # closest-anchor rule of the BASE ablations).
    routing=dict(
        type='WnALearnedRouting',
        ar_ranges=[[1, 9999], [-9999, 1], [0.3, 3]],
        anchors=[4, 0.25, 1],
        len_range=[1, 32]),
    proto_sampler=dict(type='WnAPrototypeSampler', capacity=256, keep_fraction=0.8,
                       num_special=1, negatives_may_be_servants=True),
    # Test dictionaries are loaded and their prototypes encoded (256 glyphs a pass) once.
    prototype_bank=dict(type='WnAPrototypeBank', chunk=256),
    # The objective: router loss aroute, penalty nedmix, OHEM ohem01E (MODEL.md 8).
    loss=dict(
        type='WnAMoELoss',
        recognition=dict(type='WnARecognitionLoss'),
        route=dict(type='WnAImitationRouteLoss'),
        penalty=dict(type='WnANEDMixPenalty', clip=0.6, scale=100.0),
        mining=dict(type='WnAOHEM', fraction=0.1, weighted=True)),
    train_charset=None,
    default_charset=None,
)
