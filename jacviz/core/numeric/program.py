"""Fast vectorised evaluation of a mapping and its Jacobian, without exec.

sympy's ``lambdify`` writes Python source and ``exec``s it; jacviz instead translates the
sympy expressions into a :class:`Program`: a flat list of numpy operations over numbered
slots. Identical subexpressions are emitted once (the translation is memoised on the
expression), so ``cos(t)`` shared by u and ∂v/∂r is computed once per call.

A Program is plain data (operation names, slot numbers and float constants). It is checked
against a fixed table of numpy functions, it can be saved as JSON and run later without
importing sympy (which keeps sympy out of the time to the first frame), and it always
returns arrays of the input's broadcast shape, with NaN wherever the value is not finite.

Complex-form mappings use the principal-branch kernels of :mod:`jacviz.core.numeric.branches`
(``csqrt_re``, ``clog_im``, ``cpow_re``, …): one real part of one complex function each.
``atan2`` is the principal angle in (−π, π], with −0.0 taken as 0 and NaN at the origin.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import MappingError
from jacviz.core.numeric.branches import KERNELS
from jacviz.core.numeric.branches import atan2 as _atan2

# A compiled program larger than this is refused: it would make every frame slow, and it
# only arises from inputs such as a product of hundreds of factors.
MAX_OPERATIONS = 20_000


def _sec(x):
    return 1.0 / np.cos(x)


def _csc(x):
    return 1.0 / np.sin(x)


def _cot(x):
    return np.cos(x) / np.sin(x)


def _cube(x):
    return np.multiply(np.multiply(x, x), x)  # ufuncs: on plain floats too, no exception


def _recip(x):
    return np.divide(1.0, x)  # 1.0 / 0.0 in plain floats would raise ZeroDivisionError


def _rsqrt(x):
    return 1.0 / np.sqrt(x)


def _heaviside(x):
    return np.heaviside(x, 0.5)


def _acosh(x):
    return np.arccosh(x)


# The whole instruction set. A program naming anything else is refused when loaded.
OPERATIONS = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "neg": np.negative, "square": np.square, "cube": _cube, "recip": _recip,
    "sqrt": np.sqrt, "rsqrt": _rsqrt, "pow": np.power,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "sec": _sec, "csc": _csc, "cot": _cot,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "atan2": _atan2, "hypot": np.hypot,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "asinh": np.arcsinh, "acosh": _acosh, "atanh": np.arctanh,
    "exp": np.exp, "log": np.log, "abs": np.abs, "sign": np.sign, "cbrt": np.cbrt,
    "heaviside": _heaviside,
    **{name: kernel for name, (kernel, _) in KERNELS.items()},
}
ARITY = {"add": 2, "sub": 2, "mul": 2, "div": 2, "pow": 2, "atan2": 2, "hypot": 2,
         **{name: arity for name, (_, arity) in KERNELS.items()}}


@dataclass(frozen=True)
class Program:
    """A straight-line numpy program.

    Slots ``0 .. len(inputs)-1`` hold the inputs; each op appends one slot. An op is
    ``("const", value)`` or ``(name, slot, ...)`` with ``name`` in :data:`OPERATIONS`.
    """

    inputs: tuple[str, ...]
    ops: tuple[tuple, ...]
    outputs: tuple[int, ...]

    def __post_init__(self) -> None:
        n = len(self.inputs)
        if len(self.ops) > MAX_OPERATIONS:
            # Fix (tests/core/test_cache.py): a tampered cache entry with 200,000 operations
            # was run as it was and drove an export to several gigabytes.
            raise MappingError("invalid compiled program: too many operations")
        for op in self.ops:
            if not op or not isinstance(op[0], str):
                raise MappingError("invalid compiled program")
            if op[0] == "const":
                if len(op) != 2 or isinstance(op[1], bool) or not isinstance(op[1], (int, float)):
                    raise MappingError("invalid compiled program")
            else:
                want = ARITY.get(op[0], 1)
                if op[0] not in OPERATIONS or len(op) != want + 1:
                    raise MappingError("invalid compiled program")
                if not all(isinstance(i, int) and 0 <= i < n for i in op[1:]):
                    raise MappingError("invalid compiled program")
            n += 1
        if not all(isinstance(i, int) and 0 <= i < n for i in self.outputs):
            raise MappingError("invalid compiled program")
        # Each slot is freed after its last use (outputs are kept): a program with 20,000
        # operations on 65,536 samples would otherwise hold every intermediate array at once.
        # Fix (tests/core/test_numeric.py): 30 linear factors per component took 2 GB.
        n_in = len(self.inputs)
        last = {}
        for k, op in enumerate(self.ops):
            if op[0] != "const":
                for slot in op[1:]:
                    last[slot] = k
        keep = set(self.outputs)
        frees: list[list[int]] = [[] for _ in self.ops]
        for slot, k in last.items():
            if slot not in keep and slot >= n_in:
                frees[k].append(slot)
        steps = [
            ((None, op[1]) if op[0] == "const" else (OPERATIONS[op[0]], op[1:])) + (tuple(frees[k]),)
            for k, op in enumerate(self.ops)
        ]
        object.__setattr__(self, "_steps", steps)

    def run(self, *values, dtype=np.float64) -> list[np.ndarray]:
        """Evaluate on arrays or scalars (broadcast together); returns one array per output.

        Every output has the broadcast shape of the inputs, even a constant one, and holds
        NaN wherever the value is infinite or undefined. No floating-point warning escapes.
        """
        if len(values) != len(self.inputs):
            raise MappingError(f"expected {len(self.inputs)} inputs, got {len(values)}")
        regs: list = []
        shapes = []
        with np.errstate(all="ignore"):  # a parameter of 1e308 overflows float32 on its way in
            for value in values:
                if isinstance(value, (int, float)):
                    # a numpy scalar, never a plain float: 1/a at a = 0 is then inf (NaN
                    # below), where Python's float division raised ZeroDivisionError
                    regs.append(dtype(value))
                else:
                    arr = np.asarray(value, dtype=dtype)
                    shapes.append(arr.shape)
                    regs.append(arr)
            shape = np.broadcast_shapes(*shapes) if shapes else ()
            self._execute(regs)
            out = []
            for index in self.outputs:
                value = regs[index]
                arr = np.asarray(value, dtype=dtype)
                if arr.shape != shape:
                    arr = np.broadcast_to(arr, shape).copy()
                elif arr is value or any(arr is r for r in regs[: len(values)]):
                    arr = arr.copy()  # never hand out an input or a shared slot
                bad = ~np.isfinite(arr)
                if bad.any():
                    arr[bad] = np.nan
                out.append(arr)
        return out

    def _execute(self, regs: list) -> None:
        """Append each operation's result to ``regs`` (the inputs), freeing slots after their last use."""
        for func, arg, free in self._steps:  # type: ignore[attr-defined]
            if func is None:
                regs.append(arg)
            elif len(arg) == 1:
                regs.append(func(regs[arg[0]]))
            elif len(arg) == 2:
                regs.append(func(regs[arg[0]], regs[arg[1]]))
            else:
                regs.append(func(*(regs[i] for i in arg)))
            for slot in free:
                regs[slot] = None

    def run_point(self, *values: float) -> list[float]:
        """:meth:`run` at one point (scalar inputs): the same numbers, as Python floats.

        The cursor's readout evaluates J at one point on every mouse move; there the array
        bookkeeping of :meth:`run`'s outputs (shapes, copies, a NaN mask per output) took
        most of the time. Every operation is the same call on the same values, so the
        results are those of :meth:`run` bit for bit (tests/core/test_numeric.py).
        """
        if len(values) != len(self.inputs):
            raise MappingError(f"expected {len(self.inputs)} inputs, got {len(values)}")
        regs: list = [np.float64(v) for v in values]
        with np.errstate(all="ignore"):
            self._execute(regs)
            out = [float(regs[index]) for index in self.outputs]
        return [v if math.isfinite(v) else math.nan for v in out]

    def overflows(self, *values) -> tuple[bool, ...]:
        """For one point (scalar inputs): which outputs are not finite because a number overflowed.

        The program is run one operation at a time. An operation whose result exceeds the
        range of a float64 (numpy's overflow flag, as in exp(1000) or 7^(10^12)) taints its
        slot, and the taint follows every later result that is not finite; a division by
        zero or a logarithm of 0 (a pole) and an invalid operation (sqrt(−1)) do not taint.
        So sin(7^(e^(e^(e^27.2))) + 1) is "overflows", and 1/x at 0 is not. Only for the
        readout's notes: a Python loop over the operations, about 2 µs each.
        """
        if len(values) != len(self.inputs):
            raise MappingError(f"expected {len(self.inputs)} inputs, got {len(values)}")
        regs = [np.float64(v) for v in values]
        tainted = [False] * len(regs)
        for func, arg, _free in self._steps:  # type: ignore[attr-defined]
            if func is None:
                regs.append(np.float64(arg))
                tainted.append(False)
                continue
            inputs = [regs[i] for i in arg]
            flagged = False
            with np.errstate(over="raise", divide="ignore", invalid="ignore", under="ignore"):
                try:
                    result = func(*inputs)
                except FloatingPointError:
                    flagged = True
            if flagged:
                with np.errstate(all="ignore"):
                    result = func(*inputs)
            finite = bool(np.all(np.isfinite(result)))
            tainted.append(not finite and (flagged or any(tainted[i] for i in arg)))
            regs.append(result)
        return tuple(tainted[i] for i in self.outputs)

    # -- persistence (the compiled-code cache)
    def to_json(self) -> str:
        return json.dumps({"inputs": self.inputs, "ops": self.ops, "outputs": self.outputs})

    @classmethod
    def from_json(cls, text: str) -> Program:
        """Load a saved program; anything malformed raises :class:`MappingError`."""
        try:
            data = json.loads(text)
            return cls(
                tuple(str(s) for s in data["inputs"]),
                tuple(tuple(op) for op in data["ops"]),
                tuple(data["outputs"]),
            )
        except MappingError:
            raise
        # Fix (tests/core/test_numeric.py): RecursionError too, which json raises for a file
        # of 100,000 nested brackets; a damaged cache must be refused, not crash the caller.
        except (ValueError, TypeError, KeyError, RecursionError) as err:
            raise MappingError(f"invalid compiled program: {err}") from None
