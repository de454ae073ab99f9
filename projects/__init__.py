"""Namespace for OpenMMLab-style projects hosted in this repository (``projects.wna``)."""
