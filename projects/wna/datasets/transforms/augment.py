"""``WnAAugment``: the ABINet-style training augmentation of WnA ("AAF").

Per image (``DATA_AND_EVAL.md`` section 8): near-square images are returned unchanged;
tall images are rotated 90 degrees counter-clockwise, augmented as horizontal text and
rotated back. The pipeline is geometry (p=0.5: rotation, affine or perspective), then
deterioration (p=0.25: Gaussian noise, motion blur and rescaling in a random order), then
colour jitter (p=0.25). Every random quantity is drawn per call from Python's ``random``,
NumPy's global RNG and torch (ColorJitter), which MMEngine seeds per worker; nothing random is
drawn at construction (upstream draws the deterioration parameters once per run).

Guards: an image larger than ``max_pixels`` is first shrunk to ``max_pixels`` (aspect kept),
a geometric output canvas is capped at ``max_pixels`` by scaling the warp down, and the
perspective warp is skipped for images less than 2 px thick (its corners would be collinear).
"""
from __future__ import annotations

import math
import random

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmocr.registry import TRANSFORMS
from PIL import Image
from torchvision.transforms import ColorJitter

_INTERPOLATIONS = (cv2.INTER_NEAREST, cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_AREA)


def _random_interpolation() -> int:
    return random.choice(_INTERPOLATIONS)


def _sym(magnitude: float) -> float:
    """A symmetric draw in [-magnitude, magnitude]: (Beta(4, 4) - 0.5) * 2 * magnitude."""
    return float((np.random.beta(4, 4) - 0.5) * 2 * magnitude)


def _asym(magnitude: float, size: int | None = None) -> np.ndarray | float:
    """A draw in [0, magnitude] skewed to 0: Beta(1, 4) * magnitude."""
    return np.random.beta(1, 4, size) * magnitude


def _shrink_to(img: np.ndarray, max_pixels: int) -> np.ndarray:
    h, w = img.shape[:2]
    if h * w <= max_pixels:
        return img
    f = math.sqrt(max_pixels / (h * w))
    size = (max(1, int(w * f)), max(1, int(h * f)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def _warp_centred(img: np.ndarray, linear: np.ndarray, canvas_w: int, canvas_h: int,
                  max_pixels: int) -> np.ndarray:
    """Warp by the 2x2 ``linear`` map about the image centre onto a centred canvas."""
    if canvas_w * canvas_h > max_pixels:
        f = math.sqrt(max_pixels / (canvas_w * canvas_h))
        linear = linear * f
        canvas_w, canvas_h = int(canvas_w * f), int(canvas_h * f)
    canvas_w, canvas_h = max(1, canvas_w), max(1, canvas_h)
    h, w = img.shape[:2]
    shift = np.array([canvas_w / 2, canvas_h / 2]) - linear @ np.array([w / 2, h / 2])
    matrix = np.hstack([linear, shift[:, None]])
    return cv2.warpAffine(img, matrix, (canvas_w, canvas_h), flags=_random_interpolation(),
                          borderMode=cv2.BORDER_REPLICATE)


def random_rotation(img: np.ndarray, degrees: float, max_pixels: int) -> np.ndarray:
    """Rotate by (Beta(4,4)-0.5)*2*degrees about the centre.

    The canvas is W' = int(H|sin| + W|cos|), H' = int(H|cos| + W|sin|).
    """
    h, w = img.shape[:2]
    rad = math.radians(_sym(degrees))
    cos, sin = math.cos(rad), math.sin(rad)
    linear = np.array([[cos, sin], [-sin, cos]])  # cv2.getRotationMatrix2D's linear part
    return _warp_centred(img, linear, int(h * abs(sin) + w * abs(cos)),
                         int(h * abs(cos) + w * abs(sin)), max_pixels)


def random_affine(img: np.ndarray, degrees: float, scale: tuple[float, float],
                  shear: tuple[float, float], max_pixels: int) -> np.ndarray:
    """Rotation, scale and x/y shear (no translation) onto the bounding box of the warped image."""
    h, w = img.shape[:2]
    rot = math.radians(_sym(degrees))
    sx, sy = math.radians(_sym(shear[0])), math.radians(_sym(shear[1]))
    s = float(np.random.uniform(scale[0], scale[1]))
    # torchvision's rotation-shear matrix (det 1) as ABINet uses it, scaled by 1/s
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    linear = np.array([[d, -b], [-c, a]]) / s
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64) @ linear.T
    extent = corners.max(axis=0) - corners.min(axis=0)
    return _warp_centred(img, linear, math.ceil(extent[0]), math.ceil(extent[1]), max_pixels)


def random_perspective(img: np.ndarray, distortion: float) -> np.ndarray:
    """Move each corner inward by int(Beta(1,4)*distortion*side/2); warp; crop to the corners."""
    h, w = img.shape[:2]
    if min(h, w) < 2:
        return img
    dx = _asym(distortion * w / 2, 4).astype(np.int64)
    dy = _asym(distortion * h / 2, 4).astype(np.int64)
    src = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    dst = np.float32([[dx[0], dy[0]], [w - 1 - dx[1], dy[1]], [w - 1 - dx[2], h - 1 - dy[2]],
                      [dx[3], h - 1 - dy[3]]])
    x0, y0 = (int(v) for v in dst.min(axis=0))
    x1, y1 = (int(v) for v in dst.max(axis=0))
    out = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (x1 + 1, y1 + 1),
                              flags=_random_interpolation(), borderMode=cv2.BORDER_REPLICATE)
    return out[y0:, x0:]


def gaussian_noise(img: np.ndarray, var: float) -> np.ndarray:
    """Add N(0, sqrt(v)) per pixel, v = max(int(Beta(1,4)*var), 1)."""
    v = max(int(_asym(var)), 1)
    noise = np.random.normal(0.0, math.sqrt(v), img.shape).astype(np.float32)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def motion_blur(img: np.ndarray, degrees: float, angle: float) -> np.ndarray:
    """A line kernel of size k = max(int(Beta(1,4)*degrees), 1) at U(-angle, angle), sum 1."""
    k = max(int(_asym(degrees)), 1)
    rotation = cv2.getRotationMatrix2D((k // 2, k // 2), float(np.random.uniform(-angle, angle)),
                                       1.0)
    kernel = np.zeros((k, k), dtype=np.float64)
    kernel[k // 2, :] = 1.0
    kernel = cv2.warpAffine(kernel, rotation, (k, k)) / k
    return np.clip(cv2.filter2D(img, -1, kernel), 0, 255).astype(np.uint8)


def rescale(img: np.ndarray, factor: float, base_size: tuple[int, int]) -> np.ndarray:
    """f = round(U(0, factor)) pyramid-downs at ``base_size`` (W, H), then back to the size."""
    f = round(float(np.random.uniform(0, factor)))
    if f == 0:
        return img
    h, w = img.shape[:2]
    out = cv2.resize(img, base_size, interpolation=_random_interpolation())
    for _ in range(f):
        out = cv2.pyrDown(out)
    return cv2.resize(out, (w, h), interpolation=_random_interpolation())


@TRANSFORMS.register_module()
class WnAAugment(BaseTransform):
    """ABINet-style augmentation of ``results['img']`` (uint8 RGB ``[H, W, 3]``, any size).

    Writes the augmented uint8 ``[H', W', 3]`` image back and sets ``img_shape = (H', W')``.
    The defaults are WnA's: rotation/affine up to 45 degrees, scale U(0.5, 2), shear (45, 15),
    perspective distortion 0.5, noise variance 20, motion blur 6 px at +-90 degrees, rescale
    factor 4 at 512x128, ColorJitter(0.5, 0.5, 0.5, 0.1).
    """

    def __init__(self, p_geometry: float = 0.5, p_deterioration: float = 0.25,
                 p_color: float = 0.25, degrees: float = 45.0,
                 scale: tuple[float, float] = (0.5, 2.0), shear: tuple[float, float] = (45.0, 15.0),
                 distortion: float = 0.5, noise_var: float = 20.0, blur_degrees: float = 6.0,
                 blur_angle: float = 90.0, rescale_factor: float = 4.0,
                 rescale_size: tuple[int, int] = (512, 128), near_square: float = 1.1,
                 max_pixels: int = 1 << 20) -> None:
        self.p_geometry = p_geometry
        self.p_deterioration = p_deterioration
        self.p_color = p_color
        self.degrees = degrees
        self.scale = tuple(scale)
        self.shear = tuple(shear)
        self.distortion = distortion
        self.noise_var = noise_var
        self.blur_degrees = blur_degrees
        self.blur_angle = blur_angle
        self.rescale_factor = rescale_factor
        self.rescale_size = tuple(rescale_size)
        self.near_square = near_square
        self.max_pixels = max_pixels
        self.color_jitter = ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.1)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'WnAAugment expects a uint8 [H, W, 3] image, got {img.dtype} '
                             f'{img.shape}')
        h, w = img.shape[:2]
        if h < self.near_square * w and w < self.near_square * h:
            return results
        img = _shrink_to(img, self.max_pixels)
        if h > w:
            img = np.rot90(self._augment(np.rot90(img, 1)), -1)
        else:
            img = self._augment(img)
        results['img'] = np.ascontiguousarray(img)
        results['img_shape'] = results['img'].shape[:2]
        return results

    def _augment(self, img: np.ndarray) -> np.ndarray:
        img = np.ascontiguousarray(img)
        if random.random() < self.p_geometry:
            img = self._geometry(img)
        if random.random() < self.p_deterioration:
            img = self._deteriorate(img)
        if random.random() < self.p_color:
            img = np.asarray(self.color_jitter(Image.fromarray(img)))
        return img

    def _geometry(self, img: np.ndarray) -> np.ndarray:
        u = random.random()
        if u < 0.33:
            return random_rotation(img, self.degrees, self.max_pixels)
        if u < 0.66:
            return random_affine(img, self.degrees, self.scale, self.shear, self.max_pixels)
        return random_perspective(img, self.distortion)

    def _deteriorate(self, img: np.ndarray) -> np.ndarray:
        ops = [lambda x: gaussian_noise(x, self.noise_var),
               lambda x: motion_blur(x, self.blur_degrees, self.blur_angle),
               lambda x: rescale(x, self.rescale_factor, self.rescale_size)]
        random.shuffle(ops)
        for op in ops:
            img = op(img)
        return img

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(p_geometry={self.p_geometry}, '
                f'p_deterioration={self.p_deterioration}, p_color={self.p_color})')
