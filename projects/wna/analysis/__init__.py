"""Analyses of trained models and their evaluations, outside any runner: the benchmark
harness (``benchmark``), the ablation protocol's runs and tags (``ablation_runs``,
``ablation_tags``), the pooled ablation table (``ablation_table``) and the demo's figures
(``demo_figures``).

Nothing here is registered; the tools import the modules they need.
"""
