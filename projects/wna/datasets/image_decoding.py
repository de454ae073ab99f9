"""The one image decoder of wna: encoded bytes to a BGR uint8 ``[H, W, 3]`` array.

Used for LMDB records (:class:`~projects.wna.datasets.WnALMDBDataset`, stored pixels) and
for image files (:func:`projects.wna.apis.load_image_file`, EXIF orientation applied).

* OpenCV decodes first (unchanged channels and depth); when it cannot (GIF, TGA, ICO and
  other formats only Pillow reads), Pillow decodes the first frame.
* **Transparency is composited onto white**: a transparent pixel becomes
  ``(255, 255, 255)`` and a half-transparent one is blended with white (RGBA, grey +
  alpha, palettes with a transparent entry), instead of dropping alpha, which would turn
  the hidden colour of transparent pixels (usually black) into the image.
* 16-bit samples keep their 8 high bits (as OpenCV's colour decode), floats in [0, 1] are
  scaled to [0, 255]; grey becomes 3 equal channels; CMYK is converted to BGR.
"""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

#: EXIF orientation tag value -> the array operation that shows the image upright.
_EXIF_UPRIGHT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}
_EXIF_ORIENTATION = 0x0112


def decode_image(data: bytes | memoryview, exif_orientation: bool = False
                 ) -> np.ndarray | None:
    """Decode encoded image bytes to a BGR uint8 ``[H, W, 3]`` array, or ``None`` if undecodable.

    Any format OpenCV or Pillow reads is accepted (GIFs give their first frame). Alpha is
    composited onto white, 16-bit samples are scaled down to 8 bits, grey and CMYK images
    become BGR (see the module docstring).

    Args:
        data: the encoded image.
        exif_orientation: rotate / flip by the EXIF orientation tag (as MMOCR's
            ``LoadImageFromFile`` does for files); ``False`` keeps the stored pixels.
    """
    if len(data) == 0:  # OpenCV raises on an empty buffer instead of returning None
        return None
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None or img.size == 0:
        img = _pillow_decode(data)
        if img is None or img.size == 0:
            return None
    img = _to_bgr_uint8(img)
    if exif_orientation:
        img = _upright(img, data)
    return img


def _pillow_decode(data: bytes | memoryview) -> np.ndarray | None:
    """The first frame as a BGR(A) or grey array (any depth), or ``None`` if undecodable."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.seek(0)
            if im.mode in ('I', 'I;16', 'I;16B', 'I;16L'):
                return np.clip(np.asarray(im), 0, 65535).astype(np.uint16)
            if im.mode == 'F':
                return np.asarray(im, dtype=np.float32)
            if 'A' in im.getbands() or 'transparency' in im.info:
                return cv2.cvtColor(np.asarray(im.convert('RGBA')), cv2.COLOR_RGBA2BGRA)
            return cv2.cvtColor(np.asarray(im.convert('RGB')), cv2.COLOR_RGB2BGR)
    except Exception:  # Pillow raises many types for non-image or truncated bytes
        return None


def _to_bgr_uint8(img: np.ndarray) -> np.ndarray:
    """Grey / BGR / BGRA (both decoders give grey + alpha as BGRA) of any depth to BGR
    uint8, alpha composited onto white."""
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif np.issubdtype(img.dtype, np.floating):
        img = np.clip(np.nan_to_num(img) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = cv2.convertScaleAbs(img, alpha=255.0 / np.iinfo(img.dtype).max)
    if img.ndim == 2 or img.shape[2] == 1:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return _over_white(img[..., :3], img[..., 3])
    return img


def _over_white(bgr: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``bgr`` composited onto white with 8-bit ``alpha`` (255 = opaque)."""
    if (alpha == 255).all():
        return np.ascontiguousarray(bgr)
    a = alpha[..., None].astype(np.float32) / 255.0
    return np.round(bgr * a + 255.0 * (1.0 - a)).astype(np.uint8)


def _upright(img: np.ndarray, data: bytes | memoryview) -> np.ndarray:
    """``img`` turned upright by the EXIF orientation of ``data`` (unchanged without one)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            orientation = im.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # no header Pillow reads: no EXIF to apply
        return img
    turn = _EXIF_UPRIGHT.get(orientation)
    return img if turn is None else np.ascontiguousarray(turn(img))
