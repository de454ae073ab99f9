# WnA optimisation (MODEL.md 9): Adadelta over one parameter group per upstream module,
# gradient norm clipped to 20 per group; lr 0.1, then 0.001 from iteration 200k (upstream's
# effective schedule, stated explicitly); 400k iterations, validation every 20k.
optim_wrapper = dict(
    type='WnAGroupClipOptimWrapper',
    constructor='WnAModuleGroupsOptimWrapperConstructor',
    optimizer=dict(type='Adadelta', lr=0.1, rho=0.9, eps=1e-6, weight_decay=5e-4),
    clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[200000], gamma=0.01),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=400000, val_interval=20000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
