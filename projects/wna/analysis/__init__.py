"""Analyses of trained models and their evaluations, outside any runner: the benchmark
harness (``benchmark``), the ablation protocol's runs and tags (``ablation_runs``,
``ablation_tags``), the pooled ablation table (``ablation_table``), the demo's figures
(``demo_figures``) and the error analysis of saved predictions (``prediction_analysis``).

Nothing here is registered; the tools import the modules they need.
"""
