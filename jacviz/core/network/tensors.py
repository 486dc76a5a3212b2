"""ONNX tensors → numpy arrays, with every size checked before anything is allocated.

Why not ``onnx.numpy_helper.to_array``: it reads external data by itself (the path the
advisories CVE-2022-25882, CVE-2024-27318, CVE-2026-27489 and CVE-2026-34445 went through)
and allocates what a tensor declares before checking that the data is there. Here a tensor's
declared size is compared with its data and with :data:`~.limits.MAX_WEIGHT_VALUES` first;
external data is read only from a regular file inside the model's folder, reached without
following a symbolic link, at an offset and length inside that file; and an unknown key in
its description is refused rather than ignored.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np

from jacviz.core.errors import ModelError
from jacviz.core.network import limits

# TensorProto.DataType codes jacviz reads, and how their values are stored: the numpy
# dtype of raw_data, and the repeated field that holds them otherwise.
_FLOAT, _INT32, _INT64, _FLOAT16, _DOUBLE, _BOOL = 1, 6, 7, 10, 11, 9
DTYPES = {
    _FLOAT: (np.dtype("<f4"), "float_data"),
    _DOUBLE: (np.dtype("<f8"), "double_data"),
    _FLOAT16: (np.dtype("<f2"), "int32_data"),  # float16 bit patterns in int32_data
    _INT64: (np.dtype("<i8"), "int64_data"),
    _INT32: (np.dtype("<i4"), "int32_data"),
    _BOOL: (np.dtype("?"), "int32_data"),
}
FLOAT_TYPES = (_FLOAT, _DOUBLE, _FLOAT16)
TYPE_NAMES = {
    0: "undefined", 1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
    7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32",
    13: "uint64", 14: "complex64", 15: "complex128", 16: "bfloat16",
}
EXTERNAL_KEYS = frozenset({"location", "offset", "length", "checksum"})
_EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL


def type_name(code: int) -> str:
    return TYPE_NAMES.get(code, f"type {code}")


class Budget:
    """Values and external bytes read so far for one model, against the limits."""

    def __init__(self) -> None:
        self.values = 0
        self.external_bytes = 0

    def take_values(self, count: int, what: str) -> None:
        if count > limits.MAX_WEIGHT_VALUES - self.values:
            raise ModelError(f"{what} declares {count} values, more than jacviz reads for a model "
                             f"({limits.MAX_WEIGHT_VALUES} in all)")
        self.values += count


def declared_count(dims, what: str) -> int:
    """The number of values a tensor declares, refusing negative or absurd dimensions."""
    count = 1
    for d in dims:
        d = int(d)
        if d < 0:
            raise ModelError(f"{what} has a negative dimension ({d})")
        count *= d
        if count > limits.MAX_WEIGHT_VALUES:
            raise ModelError(f"{what} declares more values than jacviz reads for a model "
                             f"({limits.MAX_WEIGHT_VALUES} in all)")
    return count


def tensor_to_array(tensor, what: str, budget: Budget, folder: Path | None) -> np.ndarray:
    """A TensorProto as a numpy array (float tensors as float64), or ModelError.

    ``folder`` is where external data may be read from (None: refuse external data).
    """
    code = int(tensor.data_type)
    if code not in DTYPES:
        raise ModelError(f"{what} holds {type_name(code)} values; jacviz reads float, double, "
                         "float16, int32, int64 and bool tensors")
    dims = tuple(int(d) for d in tensor.dims)
    count = declared_count(dims, what)
    budget.take_values(count, what)
    dtype, field_name = DTYPES[code]
    if tensor.HasField("segment"):
        raise ModelError(f"{what} is a segment of a tensor, which jacviz does not read")
    if int(tensor.data_location) == _EXTERNAL:
        raw = read_external(tensor, what, count * dtype.itemsize, budget, folder)
        arr = np.frombuffer(raw, dtype=dtype, count=count)
    elif tensor.raw_data:
        raw = tensor.raw_data
        if len(raw) != count * dtype.itemsize:
            raise ModelError(f"{what} declares {count} values but its data holds "
                             f"{len(raw) // max(dtype.itemsize, 1)}")
        arr = np.frombuffer(raw, dtype=dtype, count=count)
    else:
        data = getattr(tensor, field_name)
        if len(data) != count:
            raise ModelError(f"{what} declares {count} values but its data holds {len(data)}")
        if code == _FLOAT16:
            arr = np.asarray(data, dtype=np.uint16).view(np.float16)
        else:
            arr = np.asarray(data, dtype=dtype)
    arr = arr.reshape(dims)
    if code in FLOAT_TYPES:
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            raise ModelError(f"{what} contains NaN or infinite weights")
    elif code == _BOOL:
        arr = arr.astype(bool)
    else:
        arr = arr.astype(np.int64)
    arr.setflags(write=False)
    return arr


def _external_info(tensor, what: str) -> dict[str, str]:
    info: dict[str, str] = {}
    for entry in tensor.external_data:
        key, value = str(entry.key), str(entry.value)
        if key not in EXTERNAL_KEYS:
            raise ModelError(f"{what}: unknown external-data key {key!r} (jacviz accepts "
                             f"{', '.join(sorted(EXTERNAL_KEYS))})")
        if key in info:
            raise ModelError(f"{what}: the external-data key {key!r} is given twice")
        info[key] = value
    if not info.get("location"):
        raise ModelError(f"{what} keeps its data in another file but does not say which")
    return info


def _non_negative(value: str | None, what: str, key: str) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ModelError(f"{what}: the external-data {key} {value!r} is not a whole number")
    return int(value)


def external_path(folder: Path, location: str, what: str) -> Path:
    """The file ``location`` names inside ``folder``, checked part by part, or ModelError.

    Refused: absolute paths (also Windows drive and UNC forms), any ``..`` part, NUL bytes,
    a symbolic link anywhere between the folder and the file, and anything that is not a
    regular file.
    """
    outside = f"{what}: its external data {location!r} is outside the model's folder"
    if "\x00" in location or location.startswith(("/", "\\")) or (len(location) > 1 and location[1] == ":"):
        raise ModelError(outside)
    parts = [p for p in location.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise ModelError(outside)
    path = folder
    for part in parts:
        path = path / part
        try:
            st = os.lstat(path)
        except OSError:
            raise ModelError(f"{what}: its external data file {location!r} is missing") from None
        if stat.S_ISLNK(st.st_mode):
            raise ModelError(f"{what}: its external data {location!r} goes through a symbolic link, "
                             "which jacviz does not follow")
    if not stat.S_ISREG(st.st_mode):
        raise ModelError(f"{what}: its external data {location!r} is not a regular file")
    real_folder = os.path.realpath(folder)
    if os.path.commonpath([real_folder, os.path.realpath(path)]) != real_folder:
        raise ModelError(outside)
    return path


def read_external(tensor, what: str, expected: int, budget: Budget, folder: Path | None) -> bytes:
    """Exactly ``expected`` bytes of a tensor's external data, read within the model's folder."""
    info = _external_info(tensor, what)
    if folder is None:
        raise ModelError(f"{what} keeps its weights in another file; open the model from its folder")
    path = external_path(folder, info["location"], what)
    offset = _non_negative(info.get("offset"), what, "offset") or 0
    length = _non_negative(info.get("length"), what, "length")
    if expected > limits.MAX_EXTERNAL_BYTES - budget.external_bytes:
        raise ModelError(f"{what}: its external data is larger than jacviz reads "
                         f"({limits.MAX_EXTERNAL_BYTES // 2**20} MiB in all)")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise ModelError(f"{what}: cannot open its external data {info['location']!r} "
                         f"({err.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ModelError(f"{what}: its external data {info['location']!r} is not a regular file")
        if length is None:
            length = st.st_size - offset if offset <= st.st_size else -1
        if offset > st.st_size or length < 0 or offset + length > st.st_size:
            raise ModelError(f"{what}: its external data (offset {offset}, length {length}) lies "
                             f"outside the file {info['location']!r} ({st.st_size} bytes)")
        if length != expected:
            raise ModelError(f"{what} declares {expected} bytes of data but its external data "
                             f"holds {length}")
        data = os.pread(fd, length, offset) if length else b""
    finally:
        os.close(fd)
    if len(data) != length:
        raise ModelError(f"{what}: its external data file {info['location']!r} is shorter than declared")
    budget.external_bytes += length
    return data


def finite_or_refuse(arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ModelError(f"{what} contains NaN or infinite values")

