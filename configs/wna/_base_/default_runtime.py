# Runtime shared by every wna config (iteration-based; MMOCR's own default runtime is
# epoch-based and defines evaluators, so wna states its runtime in full here).
default_scope = 'mmocr'
custom_imports = dict(imports=['projects.wna'], allow_failed_imports=False)
# MMEngine's runner, reading `load_from` / resume checkpoints with wna's trusted loader
# (projects/wna/engine/runner.py); wna's tools and MMOCR's train/test tools build it.
runner_type = 'WnARunner'

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py and tools/test.py switch nccl to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'),
)
# Set a distinct seed per run (`--cfg-options randomness.seed=N`); None draws one.
randomness = dict(seed=None)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    # Validation metrics are logged at their iteration (the loops count iterations; by
    # epoch, every TensorBoard / W&B point would land on step 0).
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # The ablation protocol evaluates the last ten checkpoints (220k ... 400k). Written
    # atomically, with a work-dir-relative last_checkpoint (MMEngine's CheckpointHook else).
    checkpoint=dict(type='WnACheckpointHook', interval=20000, by_epoch=False,
                    max_keep_ckpts=10),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Prototypes of each batch drawn from (seed, iteration): resumed runs sample alike.
    proto_sampler_step=dict(type='WnAPrototypeSamplerStepHook'),
    sync_buffer=dict(type='SyncBuffersHook'),
)

log_level = 'INFO'
log_processor = dict(type='LogProcessor', window_size=10, by_epoch=False)

load_from = None
resume = False

vis_backends = [dict(type='LocalVisBackend')]
# Draws any orientation with a CJK font and shows the router's decision. No fixed `name`:
# the runner then names it after its experiment, so that every runner of one process
# (tools/demo.py --seeds, the benchmark's accuracy runs) logs into its own work dir
# instead of reusing the first runner's visualizer and its save dir.
visualizer = dict(type='WnATextRecogVisualizer', vis_backends=vis_backends)

# Test prototypes are encoded before every evaluation from the weights it evaluates (after
# an EMAHook's swap; priority 'LOW'), then `<test>/fps` and `<test>/batch_size` are
# measured from the first batch on for every evaluated test set.
# Training stops with FloatingPointError at the first non-finite loss; 'VERY_HIGH': after
# RuntimeInfoHook (which puts the iteration's outputs into the message hub), before the
# logger and the checkpoint hook (no checkpoint of NaN weights is written).
custom_hooks = [dict(type='WnAPrototypeWarmupHook'), dict(type='WnAFPSHook'),
                dict(type='WnANonFiniteLossHook')]
