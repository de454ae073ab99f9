"""Data preprocessors."""
from .wna_data_preprocessor import WnADataPreprocessor

__all__ = ['WnADataPreprocessor']
