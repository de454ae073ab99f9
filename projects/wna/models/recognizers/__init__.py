"""Recognizers."""
from .wna_recognizer import WnARecognizer

__all__ = ['WnARecognizer']
