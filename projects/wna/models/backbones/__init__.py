"""Backbones: the DAN-style ResNet45 split into a shared convolution core and norm sets."""
from .resnet45 import WnAResNet45, WnAResNet45Core, WnAResNet45Norms

__all__ = ['WnAResNet45', 'WnAResNet45Core', 'WnAResNet45Norms']
