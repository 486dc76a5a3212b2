"""Fast vectorised evaluation of a mapping and its Jacobian, without exec.

sympy's ``lambdify`` writes Python source and ``exec``s it; jacviz instead translates the
sympy expressions into a :class:`Program`: a flat list of numpy operations over numbered
slots. Identical subexpressions are emitted once (the translation is memoised on the
expression), so ``cos(t)`` shared by u and ∂v/∂r is computed once per call.

A Program is plain data (operation names, slot numbers and float constants). It is checked
against a fixed table of numpy functions, it can be saved as JSON and run later without
importing sympy (which keeps sympy out of the time to the first frame), and it always
returns arrays of the input's broadcast shape, with NaN wherever the value is not finite.
"""

from __future__ import annotations

import json
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import MappingError

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
    return x * x * x


def _recip(x):
    return 1.0 / x


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
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "atan2": np.arctan2,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "asinh": np.arcsinh, "acosh": _acosh, "atanh": np.arctanh,
    "exp": np.exp, "log": np.log, "abs": np.abs, "sign": np.sign, "cbrt": np.cbrt,
    "heaviside": _heaviside,
}
ARITY = {"add": 2, "sub": 2, "mul": 2, "div": 2, "pow": 2, "atan2": 2}


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
        steps = [
            (None, op[1]) if op[0] == "const" else (OPERATIONS[op[0]], op[1:]) for op in self.ops
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
        for value in values:
            if isinstance(value, (int, float)):
                regs.append(dtype(value).item() if dtype is np.float64 else dtype(value))
            else:
                arr = np.asarray(value, dtype=dtype)
                shapes.append(arr.shape)
                regs.append(arr)
        shape = np.broadcast_shapes(*shapes) if shapes else ()
        with np.errstate(all="ignore"):
            for func, arg in self._steps:  # type: ignore[attr-defined]
                if func is None:
                    regs.append(arg)
                elif len(arg) == 1:
                    regs.append(func(regs[arg[0]]))
                else:
                    regs.append(func(regs[arg[0]], regs[arg[1]]))
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


# ---------------------------------------------------------------------------------------
# Translation from sympy. Imported lazily so that running a cached Program needs no sympy.


def compile_expressions(exprs: Sequence, inputs: Sequence) -> Program:
    """Translate sympy expressions over the symbols ``inputs`` into one shared Program."""
    return _Translator(inputs).translate(exprs)


class _UnsupportedError(MappingError):
    """An expression that has no operation in the instruction set."""


class _Translator:
    def __init__(self, inputs: Sequence) -> None:
        import sympy as sp

        self.sp = sp
        self.inputs = tuple(inputs)
        self.memo: dict = {s: i for i, s in enumerate(self.inputs)}
        self.ops: list[tuple] = []
        self.consts: dict[float, int] = {}
        self.functions = {
            sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.sec: "sec", sp.csc: "csc",
            sp.cot: "cot", sp.asin: "asin", sp.acos: "acos", sp.atan: "atan",
            sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh", sp.asinh: "asinh",
            sp.acosh: "acosh", sp.atanh: "atanh", sp.exp: "exp", sp.log: "log",
            sp.Abs: "abs", sp.sign: "sign", sp.Heaviside: "heaviside",
        }

    def translate(self, exprs: Sequence) -> Program:
        outputs = tuple(self.emit(e) for e in exprs)
        names = tuple(str(s) for s in self.inputs)
        return Program(names, tuple(self.ops), outputs)

    def push(self, op: tuple) -> int:
        self.ops.append(op)
        if len(self.ops) > MAX_OPERATIONS:
            raise MappingError(
                f"the mapping is too large to evaluate quickly (more than {MAX_OPERATIONS:,} "
                "operations in its Jacobian); simplify it or split it into stages"
            )
        return len(self.inputs) + len(self.ops) - 1

    def const(self, value: float) -> int:
        if value in self.consts:
            return self.consts[value]
        slot = self.push(("const", value))
        self.consts[value] = slot
        return slot

    def emit(self, expr) -> int:
        if expr in self.memo:
            return self.memo[expr]
        slot = self._emit(expr)
        self.memo[expr] = slot
        return slot

    def _emit(self, expr) -> int:
        if not expr.free_symbols:
            if expr.is_Atom:
                return self._emit_number(expr)
            # Fix (tests/core/test_hostile.py): a constant made of functions is computed by
            # the program in floating point, exactly as it would be with a variable in it.
            # sympy's evalf never returned for some (acosh((1e300)^i (1e300)^i) raised its
            # precision again and again at every level of nested cancellation). Only a
            # constant the instruction set cannot express is still left to evalf.
            try:
                return self._emit_expression(expr)
            except _UnsupportedError:
                return self._emit_number(expr)
        return self._emit_expression(expr)

    def _emit_number(self, expr) -> int:
        try:
            value = complex(expr.evalf())
        except (TypeError, ValueError):
            value = complex("nan")
        if value.imag != 0 or not np.isfinite(value.real):
            return self.const(float("nan"))
        return self.const(float(value.real))

    def _emit_expression(self, expr) -> int:
        sp = self.sp
        if expr.is_Symbol:
            raise MappingError(f"'{expr}' is not a variable or parameter of this mapping")
        if expr.is_Add:
            return self._emit_add(expr)
        if expr.is_Mul:
            return self._emit_mul(expr)
        if expr.is_Pow:
            return self._emit_pow(expr.base, expr.exp)
        if isinstance(expr, sp.DiracDelta):
            return self.const(0.0)  # zero away from a set of measure zero
        if isinstance(expr, sp.atan2):
            return self.push(("atan2", self.emit(expr.args[0]), self.emit(expr.args[1])))
        if type(expr).__name__ == "cbrt" and len(expr.args) == 1:
            return self.push(("cbrt", self.emit(expr.args[0])))
        name = self.functions.get(type(expr))
        if name is not None and len(expr.args) == 1:
            return self.push((name, self.emit(expr.args[0])))
        raise _UnsupportedError(f"jacviz cannot evaluate {type(expr).__name__} numerically")

    def _emit_add(self, expr) -> int:
        plus, minus = [], []
        for term in expr.args:
            coeff = term.as_coeff_Mul()[0]
            if coeff.is_Number and coeff.is_negative:
                minus.append(-term)
            else:
                plus.append(term)
        if not plus:
            acc = self.emit(minus.pop(0))
            acc = self.push(("neg", acc))
        else:
            acc = self.emit(plus[0])
            for term in plus[1:]:
                acc = self.push(("add", acc, self.emit(term)))
        for term in minus:
            acc = self.push(("sub", acc, self.emit(term)))
        return acc

    def _emit_mul(self, expr) -> int:
        sp = self.sp
        numer, denom = [], []
        sign = 1
        for factor in expr.args:
            if factor.is_Number and factor == -1:
                sign = -sign
                continue
            if factor.is_Pow and factor.exp.is_Number and factor.exp.is_negative:
                denom.append(sp.Pow(factor.base, -factor.exp))
            elif factor.is_Rational and factor.p in (1, -1) and factor.q != 1:
                if factor.p == -1:
                    sign = -sign
                denom.append(sp.Integer(factor.q))
            else:
                numer.append(factor)
        if numer:
            acc = self.emit(numer[0])
            for factor in numer[1:]:
                acc = self.push(("mul", acc, self.emit(factor)))
        else:
            acc = None
        if denom:
            den = self.emit(denom[0])
            for factor in denom[1:]:
                den = self.push(("mul", den, self.emit(factor)))
            acc = self.push(("recip", den)) if acc is None else self.push(("div", acc, den))
        assert acc is not None
        if sign < 0:
            acc = self.push(("neg", acc))
        return acc

    def _emit_pow(self, base, exp) -> int:
        sp = self.sp
        if exp.is_Number:
            b = self.emit(base)
            if exp == 2:
                return self.push(("square", b))
            if exp == 3:
                return self.push(("cube", b))
            if exp == -1:
                return self.push(("recip", b))
            if exp == -2:
                return self.push(("recip", self.push(("square", b))))
            if exp == sp.Rational(1, 2):
                return self.push(("sqrt", b))
            if exp == sp.Rational(-1, 2):
                return self.push(("rsqrt", b))
            return self.push(("pow", b, self.const(float(exp))))
        if base == sp.E:
            return self.push(("exp", self.emit(exp)))
        return self.push(("pow", self.emit(base), self.emit(exp)))


# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledMapping:
    """Numeric functions of a mapping: F, the four entries of J, det J, all vectorised.

    ``variables`` and ``parameters`` give the order of the inputs. The programs are plain
    data and can be cached as JSON (see :meth:`to_json`).
    """

    variables: tuple[str, str]
    parameters: tuple[str, ...]
    values_program: Program  # u, v
    jacobian_program: Program  # a, b, c, d, det, u, v   (J = [[a, b], [c, d]])
    det_program: Program  # det, u, v

    def _inputs(self, x, y, params: MappingABC[str, float] | None) -> list:
        params = params or {}
        return [x, y, *(float(params.get(name, 1.0)) for name in self.parameters)]

    def values(self, x, y, params: MappingABC[str, float] | None = None, dtype=np.float64):
        """(u, v) at the points (x, y), broadcast together."""
        u, v = self.values_program.run(*self._inputs(x, y, params), dtype=dtype)
        return u, v

    def jacobian(self, x, y, params: MappingABC[str, float] | None = None, dtype=np.float64):
        """(a, b, c, d, det) at the points (x, y), where J = [[a, b], [c, d]].

        NaN wherever F itself is undefined: log(x) has the derivative 1/x for x < 0 too,
        but there is no mapping there to take the Jacobian of.
        """
        *entries, u, v = self.jacobian_program.run(*self._inputs(x, y, params), dtype=dtype)
        undefined = np.isnan(u) | np.isnan(v)
        if undefined.any():
            for e in entries:
                e[undefined] = np.nan
        return tuple(entries)

    def det(self, x, y, params: MappingABC[str, float] | None = None, dtype=np.float64):
        """det J at the points (x, y); NaN wherever F or J is undefined."""
        det, u, v = self.det_program.run(*self._inputs(x, y, params), dtype=dtype)
        det[np.isnan(u) | np.isnan(v)] = np.nan
        return det

    def jacobian_at(self, x: float, y: float, params: MappingABC[str, float] | None = None) -> np.ndarray:
        """J at one point as a 2×2 float array (NaN where undefined)."""
        a, b, c, d, _ = self.jacobian(np.array(float(x)), np.array(float(y)), params)
        return np.array([[a, b], [c, d]], dtype=float)

    def value_at(self, x: float, y: float, params: MappingABC[str, float] | None = None) -> np.ndarray:
        """F at one point as a length-2 float array (NaN where undefined)."""
        u, v = self.values(np.array(float(x)), np.array(float(y)), params)
        return np.array([u, v], dtype=float)

    def to_json(self) -> str:
        return json.dumps({
            "variables": self.variables,
            "parameters": self.parameters,
            "values": json.loads(self.values_program.to_json()),
            "jacobian": json.loads(self.jacobian_program.to_json()),
            "det": json.loads(self.det_program.to_json()),
        })

    @classmethod
    def from_json(cls, text: str) -> CompiledMapping:
        try:
            data = json.loads(text)
            return cls(
                tuple(data["variables"]),  # type: ignore[arg-type]
                tuple(data["parameters"]),
                Program.from_json(json.dumps(data["values"])),
                Program.from_json(json.dumps(data["jacobian"])),
                Program.from_json(json.dumps(data["det"])),
            )
        except MappingError:
            raise
        except (ValueError, TypeError, KeyError, RecursionError) as err:  # see Program.from_json
            raise MappingError(f"invalid compiled mapping: {err}") from None


def compile_mapping(mapping) -> CompiledMapping:
    """Compile a :class:`~jacviz.core.mapping.Mapping` into numeric programs."""
    inputs = (*mapping.symbols, *mapping.parameter_symbols)
    j = mapping.jacobian
    a, b, c, d = j[0, 0], j[0, 1], j[1, 0], j[1, 1]
    det = a * d - b * c
    u, v = mapping.components
    return CompiledMapping(
        mapping.variables,
        mapping.parameters,
        compile_expressions([u, v], inputs),
        compile_expressions([a, b, c, d, det, u, v], inputs),
        compile_expressions([det, u, v], inputs),
    )
