"""A small PNG encoder for RGBA images (zlib and struct), for the heatmap inside an SVG.

Written by hand so that the Qt-free figure layer needs neither Qt nor Pillow; the PNG format
is simple (RFC 2083 / ISO 15948). Every row uses the Paeth filter, computed for the whole
image at once with numpy: a smooth heatmap then compresses several times better than raw.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _paeth_rows(raw: np.ndarray, bpp: int) -> np.ndarray:
    """The Paeth-filtered rows of ``raw`` (rows, bytes per row), filter byte 4 in front."""
    x = raw.astype(np.int16)
    a = np.zeros_like(x)
    a[:, bpp:] = x[:, :-bpp]  # left
    b = np.zeros_like(x)
    b[1:] = x[:-1]  # up
    c = np.zeros_like(x)
    c[1:, bpp:] = x[:-1, :-bpp]  # up-left
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    pred = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
    filtered = ((x - pred) & 0xFF).astype(np.uint8)
    return np.concatenate([np.full((raw.shape[0], 1), 4, dtype=np.uint8), filtered], axis=1)


def encode_png(rgba: np.ndarray, dpi: float | None = None, level: int = 6) -> bytes:
    """PNG bytes of an (rows, cols, 4) uint8 image; with ``dpi``, a pHYs chunk saying so."""
    img = np.ascontiguousarray(rgba, dtype=np.uint8)
    if img.ndim != 3 or img.shape[2] != 4:
        raise ValueError("encode_png needs an (rows, cols, 4) RGBA image")
    rows, cols = img.shape[:2]
    header = struct.pack(">IIBBBBB", cols, rows, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    data = _paeth_rows(img.reshape(rows, cols * 4), 4).tobytes()
    out = [_SIGNATURE, _chunk(b"IHDR", header)]
    if dpi is not None:
        per_metre = round(float(dpi) / 0.0254)
        out.append(_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))
    out.append(_chunk(b"IDAT", zlib.compress(data, level)))
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)
