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


class PngStream:
    """A PNG written band by band to an open binary file: rows go in as they are drawn.

    An image too large to hold at once (a 16384² figure is 1 GB of RGBA) is drawn in bands
    of rows; each band is Paeth-filtered against the last row of the band before it and fed to
    one zlib stream, whose output goes out in IDAT chunks. The file is the same PNG as
    :func:`encode_png` would make of the whole image, but only one band is ever in memory.
    """

    CHUNK = 1 << 20  # bytes of compressed data per IDAT chunk
    FILTER_BYTES = 4 << 20  # raw bytes filtered at once

    def __init__(self, file, width: int, height: int, dpi: float | None = None, level: int = 6) -> None:
        self.file, self.width, self.height = file, int(width), int(height)
        self.rows_written = 0
        self._previous: np.ndarray | None = None  # the last row written, for the Paeth filter
        self._zlib = zlib.compressobj(level)
        self._pending = bytearray()
        file.write(_SIGNATURE)
        file.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", self.width, self.height, 8, 6, 0, 0, 0)))
        if dpi is not None:
            per_metre = round(float(dpi) / 0.0254)
            file.write(_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))

    def write_rows(self, rgba: np.ndarray) -> None:
        """Append (rows, width, 4) uint8 RGBA rows below those already written."""
        img = np.ascontiguousarray(rgba, dtype=np.uint8)
        if img.ndim != 3 or img.shape[1:] != (self.width, 4):
            raise ValueError(f"rows must be (n, {self.width}, 4) RGBA")
        if self.rows_written + img.shape[0] > self.height:
            raise ValueError("more rows than the image has")
        raw = img.reshape(img.shape[0], self.width * 4)
        # the filter makes ~20 int16 temporaries of its input: a few rows at a time keep them small
        step = max(1, self.FILTER_BYTES // raw.shape[1])
        for start in range(0, raw.shape[0], step):
            piece = raw[start:start + step]
            if self._previous is None:
                filtered = _paeth_rows(piece, 4)
            else:
                filtered = _paeth_rows(np.concatenate([self._previous[None], piece]), 4)[1:]
            self._previous = piece[-1].copy()
            self._pending += self._zlib.compress(filtered.tobytes())
        self.rows_written += img.shape[0]
        while len(self._pending) >= self.CHUNK:
            self.file.write(_chunk(b"IDAT", bytes(self._pending[: self.CHUNK])))
            del self._pending[: self.CHUNK]

    def close(self) -> None:
        """Finish the stream (every row must have been written)."""
        if self.rows_written != self.height:
            raise ValueError(f"{self.rows_written} of {self.height} rows written")
        self._pending += self._zlib.flush()
        if self._pending:
            self.file.write(_chunk(b"IDAT", bytes(self._pending)))
        self.file.write(_chunk(b"IEND", b""))
