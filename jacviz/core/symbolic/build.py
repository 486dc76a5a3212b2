"""sympy objects built by hand from a checked syntax tree.

No user text ever reaches sympy's parser: every sympy object is constructed here from the
nodes of :mod:`jacviz.core.language`, and every Symbol is made from a name that passed the
allow-list there. Constant powers are costed before sympy is allowed to compute them, so
``9**9**9`` is refused instead of evaluated.

Complex form is converted to real form node by node: each node becomes a pair (re, im) of
real sympy expressions, using the textbook formulas for each operation and the principal
branch of every multi-valued function. That keeps u and v readable and avoids asking sympy
to expand ``(x + i y)**n``.

The functions with branch cuts (sqrt, log, powers, the inverse trigonometric and hyperbolic
functions) are kept whole, as :class:`ComplexPart` objects: ``csqrt_re(a, b)`` is Re √(a + ib).
They print, simplify (``doit``) and count as the textbook real formulas, but they are
differentiated through the Cauchy–Riemann equations, J = [[Re f′, −Im f′], [Im f′, Re f′]], with
f′ written in the same whole functions, and evaluated by the principal-branch kernels of
:mod:`jacviz.core.numeric.branches`. The textbook formulas cancel near the cuts (the square
root's im = b/(2·√((|w| + a)/2)) lost every digit at w = −4 + 10⁻⁶i) and their derivatives
cancel worse; forms that branch on the sign of a instead (im = sign(b)·√((|w| − a)/2)) would
put sign(b) and DiracDelta(b) into J. Each ComplexPart also says where its cut lies
(:meth:`ComplexPart.cut_indicators`), so the numeric side can tell a point on a cut.
"""

from __future__ import annotations

import math
from functools import lru_cache

import mpmath
import sympy as sp
from sympy.printing.precedence import precedence

from jacviz.core.errors import MappingError
from jacviz.core.language import (
    BinOp,
    Call,
    Const,
    Neg,
    Node,
    Num,
    Param,
    ParsedMapping,
    Var,
)

# The largest exact constant power we let sympy compute, in bits of the result.
MAX_POWER_BITS = 4096
# Integer powers of a complex expression up to this size are multiplied out; larger ones
# use the polar form r^n (cos nθ, sin nθ), whose size does not grow with n.
MAX_EXPANDED_POWER = 12
# The largest u or v, in nodes of the expression written out as a tree. The largest preset
# has under 400; (z+1)(z+2)...(z+8) has about 2,500 and prints in about two seconds.
MAX_TREE_SIZE = 4000
# The same for J and det J together, which the readout and jacviz eval print: printing
# takes about 60 µs a node. acosh(z) has about 8,000; (z+1)...(z+8) about 31,000.
MAX_JACOBIAN_TREE_SIZE = 40_000

ZERO = sp.S.Zero
ONE = sp.S.One
HALF = sp.Rational(1, 2)


class cbrt(sp.Function):  # noqa: N801 - the name is what users see in printed formulas
    """The real cube root, defined for negative arguments (sympy's cbrt is principal)."""

    nargs = 1

    @classmethod
    def eval(cls, arg):  # safe: sympy's evaluation hook for cbrt, not Python's eval
        if arg.is_Number:
            return sp.real_root(arg, 3)
        return None

    def fdiff(self, argindex: int = 1):
        return 1 / (3 * cbrt(self.args[0]) ** 2)

    def _latex(self, printer, exp=None):
        body = r"\sqrt[3]{" + printer._print(self.args[0]) + "}"
        return body if exp is None else r"\left(" + body + r"\right)^{" + str(exp) + "}"


def real_symbol(name: str) -> sp.Symbol:
    """The Symbol for a variable or parameter name that passed the language's checks."""
    return sp.Symbol(name, real=True)


def _zero(expr: sp.Expr) -> bool:
    """Structural test for the number 0; never asks sympy's (possibly slow) assumptions."""
    return expr.is_Number and expr == 0


def _is_undefined(expr: sp.Expr) -> bool:
    return expr.has(sp.S.ComplexInfinity, sp.S.NaN, sp.S.Infinity, sp.S.NegativeInfinity)


def _check_defined(args: list[sp.Expr], node: Call) -> None:
    """Refuse a function of an undefined argument such as atan2(0, 0) or log(0).

    Fix (tests/core/test_hostile.py): sympy compares its arguments inside some functions,
    and atan2(0, atan2(0, 0)) raised TypeError("Invalid NaN comparison") instead of an
    error for the user.
    """
    if any(_is_undefined(arg) for arg in args):
        raise MappingError(
            f"the argument of {node.function} at column {node.col} is undefined everywhere "
            "(it divides by zero or takes log(0))",
            node.col,
        )


def _check_power(base: sp.Expr, exponent: sp.Expr, col: int | None) -> None:
    """Refuse a constant power whose exact value would be enormous, before computing it."""
    if base.is_Number and exponent.is_Number and _zero(base) and exponent.is_negative:
        raise MappingError(f"0 to a negative power at column {col} is undefined", col)
    _check_power_cost(base, exponent, col)


# Fix (tests/core/test_hostile.py): the cost used to be checked only when base and exponent
# were both plain numbers, but sympy also multiplies out a rational power of a product or
# of a power, and turns exp(c·log(t)) into t^c. So sqrt(2)^(10^9), (2x)^(10^30),
# exp(10^30 log(2)), (1+i)^(10^30) and chains such as 2x, y; x^(10^30), y ran for ever or
# died with a traceback. The cost is now estimated from the numbers sympy would raise to
# the power, wherever they sit in the base.


def _bits(r: sp.Rational) -> float:
    """Bits of the larger of a rational's numerator and denominator (0 for 0 and ±1)."""
    size = max(abs(int(r.p)), abs(int(r.q)))
    return math.log2(size) if size > 1 else 0.0


def _magnitude(r: sp.Rational) -> float:
    """|r| as a float; inf when it does not fit."""
    try:
        return abs(float(r))
    except OverflowError:  # pragma: no cover - sympy returns inf today
        return math.inf


def _power_bits(base: sp.Expr) -> float:
    """Bits of the numbers sympy multiplies out when it raises ``base`` to a rational power.

    sympy distributes such a power over a product and into a power with a rational
    exponent ((2x)^n = 2^n·x^n, (√2)^n = 2^(n/2)); it leaves sums and functions alone.
    """
    if base.is_Rational:
        return _bits(base)
    if base.is_Mul:
        return sum(_power_bits(factor) for factor in base.args)
    if base.is_Pow and base.exp.is_Rational:
        inner = _power_bits(base.base)
        return _magnitude(base.exp) * inner if inner else 0.0
    return 0.0


def _too_large(bits: float, where: str, col: int | None) -> MappingError:
    size = f"about {int(bits):,} bits" if bits < 1e12 else "far too many bits"
    return MappingError(
        f"the power {where} is too large to compute ({size}; the limit is {MAX_POWER_BITS:,})", col
    )


def _where(col: int | None) -> str:
    return f"at column {col}" if col else "in the chain"


def _check_power_cost(base: sp.Expr, exponent: sp.Expr, col: int | None) -> None:
    """Refuse base^exponent when sympy would compute an enormous exact number for it."""
    if base == sp.E:
        _check_exp(exponent, col)
        return
    if not exponent.is_Rational:
        _check_argument(exponent, col)  # b^e is exp(e·log b) to evalf
        return
    inner = _power_bits(base)
    bits = _magnitude(exponent) * inner if inner else 0.0
    if bits > MAX_POWER_BITS:
        raise _too_large(bits, _where(col), col)


def _check_exp(arg: sp.Expr, col: int | None) -> None:
    """sympy rewrites exp(c·log(t)) as t^c: refuse it when that power would be enormous."""
    _check_argument(arg, col)
    for term in sp.Add.make_args(arg):
        if not term.has(sp.log):
            continue
        coeff, rest = term.as_coeff_Mul()
        inner = sum(_bits(r) for r in rest.atoms(sp.Rational))
        bits = _magnitude(coeff) * inner if inner else 0.0
        if bits > MAX_POWER_BITS:
            raise _too_large(bits, _where(col), col)


# Fix (tests/core/test_hostile.py): sympy evaluates sin(c), exp(c) and b^c of a constant c
# by reducing c to full precision, so for c = exp(10^30), with 10^30 digits before the
# point, every later step hung: printing (the terms of a sum are sorted by value), log,
# abs, adding 1. A constant argument of such a function must stay below 2^1024, the range
# of a float (beyond it the value could not be computed in floating point anyway).
# Every constant passed this check when it was built, so evaluating it here is cheap.
MAX_ARGUMENT_BITS = 1024
_REDUCING = (sp.sin, sp.cos, sp.tan, sp.sec, sp.csc, sp.cot, sp.sinh, sp.cosh, sp.tanh, sp.exp)


def _log2_abs(c: sp.Expr) -> float:
    """log2 |c| of a constant (−inf for 0); 0 when it is not a number at all (zoo, nan)."""
    if c.is_Rational:
        return math.log2(abs(int(c.p))) - math.log2(int(c.q)) if c.p else -math.inf
    value = c.evalf(15)
    parts = [part for part in value.as_real_imag() if part.is_Float and part != 0]
    return max((float(mpmath.log(abs(mpmath.mpf(part)), 2)) for part in parts), default=0.0)


def _check_argument(arg: sp.Expr, col: int | None) -> None:
    """Refuse a constant argument too large for sympy to reduce (see _REDUCING)."""
    if arg.free_symbols or not arg.is_number:
        return
    size = _log2_abs(arg)
    if size > MAX_ARGUMENT_BITS:
        where = f"at column {col}" if col else "in the chain"
        amount = f"about 2^{int(size):,}" if size < 1e12 else "far too large"
        raise MappingError(
            f"the argument of the function {where} is too large to evaluate ({amount}; "
            f"the limit is 2^{MAX_ARGUMENT_BITS:,})",
            col,
        )


def _tree_size(expr: sp.Expr, memo: dict) -> int:
    """Nodes of ``expr`` written out as a tree (printing and most of sympy walk the tree)."""
    if expr in memo:
        return memo[expr]
    if isinstance(expr, ComplexPart):  # printed (and simplified) as its textbook formula
        size = _tree_size(expr.explicit(), memo)
        memo[expr] = size
        return size
    size = 1 + sum(_tree_size(arg, memo) for arg in expr.args)
    memo[expr] = size
    return size


def check_size(exprs, limit: int = MAX_TREE_SIZE, what: str = "the mapping",
               numbers: bool = True) -> None:
    """Refuse expressions too large to print or differentiate quickly, or with huge numbers.

    ``limit`` bounds the nodes of all of ``exprs`` written out as trees, together;
    ``numbers`` also bounds every rational in them to MAX_POWER_BITS.

    Fix (tests/core/test_hostile.py): complex form shares subexpressions, so a product of
    14 factors (z+1)(z+2)... or a few nested divisions wrote out as millions of terms and
    hung ``jacviz eval`` and the readout; and a product of big constants such as
    10^1000·10^1000·... made a number that printing refused with a ValueError traceback.
    """
    memo: dict = {}
    total = 0
    for expr in exprs:
        for r in expr.atoms(sp.Rational) if numbers else ():
            if _bits(r) > MAX_POWER_BITS:
                digits = int(_bits(r) * math.log10(2)) + 1
                raise MappingError(
                    f"a number in {what} has too many digits to compute with exactly "
                    f"(about {digits:,}; the limit is {int(MAX_POWER_BITS * math.log10(2)):,})"
                )
        total += _tree_size(expr, memo)
        if total > limit:
            raise MappingError(
                f"{what} is too large once written out (more than {limit:,} terms); simplify it"
            )


class _RealBuilder:
    """Builds one real sympy expression per node."""

    def __init__(self, symbols: dict[str, sp.Symbol]) -> None:
        self.symbols = symbols

    def build(self, node: Node) -> sp.Expr:
        if isinstance(node, Num):
            return sp.Rational(node.numerator, node.denominator)
        if isinstance(node, Const):
            return sp.pi if node.name == "pi" else sp.E
        if isinstance(node, (Var, Param)):
            return self.symbols[node.name]
        if isinstance(node, Neg):
            return -self.build(node.operand)
        if isinstance(node, BinOp):
            a = self.build(node.left)
            b = self.build(node.right)
            if node.op == "+":
                return a + b
            if node.op == "-":
                return a - b
            if node.op == "*":
                return a * b
            if node.op == "/":
                if _zero(b):
                    raise MappingError(f"division by zero at column {node.col}", node.col)
                return a / b
            _check_power(a, b, node.col)
            return a**b
        if isinstance(node, Call):
            args = [self.build(arg) for arg in node.args]
            _check_defined(args, node)
            return self.call(node, args)
        raise MappingError(f"unexpected element at column {node.col}", node.col)  # pragma: no cover

    def call(self, node: Call, args: list[sp.Expr]) -> sp.Expr:
        f = node.function
        a = args[0]
        if f == "log":
            if len(args) == 2:
                base = sp.log(args[1])
                if _zero(base):
                    raise MappingError(f"log with base 1 at column {node.col} is undefined", node.col)
                return sp.log(a) / base
            return sp.log(a)
        if f == "ln":
            return sp.log(a)
        if f == "log10":
            return sp.log(a) / sp.log(10)
        if f == "log2":
            return sp.log(a) / sp.log(2)
        if f == "atan2":
            return sp.atan2(a, args[1])
        if f == "sigmoid":
            _check_exp(-a, node.col)
            return 1 / (1 + sp.exp(-a))
        if f == "cbrt":
            return cbrt(a)
        if f == "abs":
            return sp.Abs(a)
        if f == "exp":
            _check_exp(a, node.col)
        elif f in _REDUCING_NAMES:
            _check_argument(a, node.col)
        return _SYMPY_FUNCTIONS[f](a)


_SYMPY_FUNCTIONS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sec": sp.sec, "csc": sp.csc, "cot": sp.cot,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh,
    "exp": sp.exp, "sqrt": sp.sqrt, "sign": sp.sign,
}

_REDUCING_NAMES = {"sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh"}

Pair = tuple[sp.Expr, sp.Expr]


# ---------------------------------------------------------------------------------------
# Complex functions with branch cuts, kept whole


def _p_add(p: Pair, q: Pair) -> Pair:
    return p[0] + q[0], p[1] + q[1]


def _p_sub(p: Pair, q: Pair) -> Pair:
    return p[0] - q[0], p[1] - q[1]


def _p_mul(p: Pair, q: Pair) -> Pair:
    (a, b), (c, d) = p, q
    if _zero(b):
        return a * c, a * d
    if _zero(d):
        return a * c, b * c
    return a * c - b * d, a * d + b * c


def _p_recip(p: Pair) -> Pair:
    a, b = p
    if _zero(b):
        return 1 / a, ZERO
    m = a**2 + b**2
    return a / m, -b / m


# The textbook real formulas: what a ComplexPart prints as, and what doit() gives. They are
# exact off the cuts but cancel near them; the numbers never come from them.

def _x_sqrt(a, b) -> Pair:
    if _zero(b):
        if a.is_nonnegative:
            return sp.sqrt(a), ZERO
        return sp.sqrt((sp.Abs(a) + a) / 2), sp.sqrt((sp.Abs(a) - a) / 2)
    re = sp.sqrt((sp.sqrt(a**2 + b**2) + a) / 2)
    return re, b / (2 * re)


def _x_log(a, b) -> Pair:
    if _zero(b) and a.is_positive:
        return sp.log(a), ZERO
    if _zero(b):
        return sp.log(sp.Abs(a)), sp.atan2(ZERO, a)
    return sp.log(a**2 + b**2) / 2, sp.atan2(b, a)


def _x_pow(a, b, c) -> Pair:
    if _zero(b) and a.is_nonnegative:
        return a**c, ZERO
    r = sp.Abs(a) if _zero(b) else sp.sqrt(a**2 + b**2)
    t = sp.atan2(b, a)
    return r**c * sp.cos(c * t), r**c * sp.sin(c * t)


def _x_asinh(a, b) -> Pair:  # log(w + sqrt(w^2 + 1))
    w = (a, b)
    return _x_log(*_p_add(w, _x_sqrt(*_p_add(_p_mul(w, w), (ONE, ZERO)))))


def _x_acosh(a, b) -> Pair:  # log(w + sqrt(w + 1) sqrt(w - 1))
    root = _p_mul(_x_sqrt(a + 1, b), _x_sqrt(a - 1, b))
    return _x_log(*_p_add((a, b), root))


def _x_atanh(a, b) -> Pair:  # (log(1 + w) - log(1 - w)) / 2
    d = _p_sub(_x_log(1 + a, b), _x_log(1 - a, -b))
    return d[0] / 2, d[1] / 2


def _x_asin(a, b) -> Pair:  # -i asinh(i w)
    p, q = _x_asinh(-b, a)
    return q, -p


def _x_acos(a, b) -> Pair:  # pi/2 - asin(w)
    p, q = _x_asin(a, b)
    return sp.pi / 2 - p, -q


def _x_atan(a, b) -> Pair:  # -i atanh(i w)
    p, q = _x_atanh(-b, a)
    return q, -p


_EXPLICIT = {
    "sqrt": _x_sqrt, "log": _x_log, "pow": _x_pow, "asin": _x_asin, "acos": _x_acos, "atan": _x_atan,
    "asinh": _x_asinh, "acosh": _x_acosh, "atanh": _x_atanh,
}


class ComplexPart(sp.Function):
    """Re or Im of a complex function with a branch cut, f(w) at w = a + ib, kept whole.

    Subclasses (one per function and part, see :data:`COMPLEX_PARTS`) are what the
    complex builder makes for sqrt, log, w^c and the inverse functions. sympy never
    evaluates them; they print as the textbook formula (:meth:`explicit`), ``doit`` returns
    that formula (so ``sympy.simplify`` works on it), and their derivatives follow the
    Cauchy–Riemann equations from f′ written again in whole functions. The numeric
    translation maps each to one kernel of :mod:`jacviz.core.numeric.branches`.
    """

    function = ""  # "sqrt", "log", "pow", "asin", ...
    part = 0  # 0: the real part, 1: the imaginary part

    @classmethod
    def eval(cls, *args):  # safe: sympy's evaluation hook (never evaluated early), not Python's eval
        return None

    def _eval_is_extended_real(self):
        return True

    def explicit(self) -> sp.Expr:
        """The textbook real formula (exact off the cut; it cancels near it)."""
        return _explicit(type(self), self.args)

    @property
    def precedence(self) -> int:
        """Printed as its formula, so parenthesised as that formula is (sympy's printers ask)."""
        return precedence(self.explicit())

    def _sympystr(self, printer):
        return printer._print(self.explicit())

    def _latex(self, printer, exp=None):
        body = printer._print(self.explicit())
        return body if exp is None else r"\left(" + body + r"\right)^{" + str(exp) + "}"

    def doit(self, **hints):
        args = [arg.doit(**hints) for arg in self.args] if hints.get("deep", True) else self.args
        return _EXPLICIT[self.function](*args)[self.part]

    def fdiff(self, argindex: int = 1):
        """∂/∂a and ∂/∂b by Cauchy–Riemann: Re f: (Re f′, −Im f′); Im f: (Im f′, Re f′)."""
        if argindex == 3 and self.function == "pow":  # ∂(w^c)/∂c = w^c·log w
            a, b, c = self.args
            d = _p_mul(part_pair("pow", a, b, c), part_pair("log", a, b))
            return d[self.part]
        if argindex not in (1, 2):
            raise sp.ArgumentIndexError(self, argindex)
        gr, gi = _derivative(self.function, self.args)
        if self.part == 0:
            return gr if argindex == 1 else -gi
        return gi if argindex == 1 else gr

    def cut_indicators(self) -> tuple[sp.Expr, ...]:
        """Expressions that are exactly 0 on this function's cut (closed) and nowhere else.

        Sums of non-negative terms, so rounding cannot make them vanish off the cut:
        |b| + |a| + a is 0 exactly when b = 0 and a ≤ 0.
        """
        a, b = self.args[:2]
        f = self.function
        if f == "pow" and self.args[2].is_Integer:
            return ()  # an integer power has no cut
        if f in ("sqrt", "log", "pow"):
            return (sp.Abs(b) + sp.Abs(a) + a,)
        if f == "acosh":
            return (sp.Abs(b) + sp.Abs(a - 1) + (a - 1),)
        if f in ("asin", "acos", "atanh"):
            s = 1 - sp.Abs(a)
            return (sp.Abs(b) + sp.Abs(s) + s,)
        s = 1 - sp.Abs(b)  # asinh, atan: the imaginary axis beyond ±i
        return (sp.Abs(a) + sp.Abs(s) + s,)

    @property
    def operation(self) -> str:
        """The name of its kernel in the numeric instruction set, such as ``csqrt_re``."""
        return f"c{self.function}_{'im' if self.part else 're'}"


@lru_cache(maxsize=8192)
def _explicit(cls, args) -> sp.Expr:
    return _EXPLICIT[cls.function](*args)[cls.part]


def _make_parts(function: str, nargs: int) -> tuple[type, type]:
    return tuple(  # type: ignore[return-value]
        type(f"c{function}_{name}", (ComplexPart,), {"function": function, "part": part, "nargs": nargs})
        for part, name in ((0, "re"), (1, "im"))
    )


COMPLEX_PARTS = {
    f: _make_parts(f, 3 if f == "pow" else 2)
    for f in ("sqrt", "log", "pow", "asin", "acos", "atan", "asinh", "acosh", "atanh")
}


def part_pair(function: str, *args) -> Pair:
    """(Re f(w), Im f(w)) as whole functions, for w = a + ib (and the exponent c for pow)."""
    re, im = COMPLEX_PARTS[function]
    return re(*args), im(*args)


def _derivative(function: str, args) -> Pair:
    """f′(w) as a pair, written with whole functions where f′ has a cut of its own."""
    a, b = args[:2]
    if function == "sqrt":  # 1/(2√w) = conj(√w)/(2|w|)
        p, q = part_pair("sqrt", a, b)
        r2 = 2 * sp.sqrt(a**2 + b**2)
        return p / r2, -q / r2
    if function == "log":  # 1/w
        return _p_recip((a, b))
    if function == "pow":  # c·w^(c−1)
        c = args[2]
        p, q = part_pair("pow", a, b, c - 1)
        return c * p, c * q
    one_minus_w2 = ((1 - a) * (1 + a) + b**2, -2 * a * b)  # 1 − w², without cancelling a² against 1
    one_plus_w2 = (a**2 + (1 - b) * (1 + b), 2 * a * b)  # 1 + w²
    half = -HALF
    if function == "asin":  # (1 − w²)^(−1/2)
        return part_pair("pow", *one_minus_w2, half)
    if function == "acos":  # −(1 − w²)^(−1/2)
        p, q = part_pair("pow", *one_minus_w2, half)
        return -p, -q
    if function == "asinh":  # (1 + w²)^(−1/2)
        return part_pair("pow", *one_plus_w2, half)
    if function == "acosh":  # (w − 1)^(−1/2)·(w + 1)^(−1/2) (not (w² − 1)^(−1/2): wrong for a < 0)
        return _p_mul(part_pair("pow", a - 1, b, half), part_pair("pow", a + 1, b, half))
    if function == "atanh":  # 1/(1 − w²)
        return _p_recip(one_minus_w2)
    if function == "atan":  # 1/(1 + w²)
        return _p_recip(one_plus_w2)
    raise ValueError(function)  # pragma: no cover


def check_part_cost(expr: ComplexPart, col: int | None = None) -> None:
    """Refuse a whole power whose textbook formula would make sympy compute an enormous number."""
    if expr.function != "pow":
        return
    a, b, c = expr.args
    r = sp.Abs(a) if _zero(b) else sp.sqrt(a**2 + b**2)
    _check_power_cost(r, c, col)
    _check_argument(c * sp.atan2(b, a), col)


class _ComplexBuilder:
    """Builds a pair (re, im) of real sympy expressions per node: w = f(z) in real form."""

    def __init__(self, symbols: dict[str, sp.Symbol], variables: tuple[str, str],
                 complex_name: str) -> None:
        self.symbols = symbols
        self.z = (symbols[variables[0]], symbols[variables[1]])
        self.complex_name = complex_name

    # -- arithmetic on pairs
    @staticmethod
    def add(p: Pair, q: Pair) -> Pair:
        return p[0] + q[0], p[1] + q[1]

    @staticmethod
    def sub(p: Pair, q: Pair) -> Pair:
        return p[0] - q[0], p[1] - q[1]

    @staticmethod
    def mul(p: Pair, q: Pair) -> Pair:
        (a, b), (c, d) = p, q
        if _zero(b):
            return a * c, a * d
        if _zero(d):
            return a * c, b * c
        return a * c - b * d, a * d + b * c

    def div(self, p: Pair, q: Pair, col: int) -> Pair:
        (a, b), (c, d) = p, q
        if _zero(c) and _zero(d):
            raise MappingError(f"division by zero at column {col}", col)
        if _zero(d):
            return a / c, b / c
        m = c**2 + d**2
        return (a * c + b * d) / m, (b * c - a * d) / m

    @staticmethod
    def modulus(p: Pair) -> sp.Expr:
        a, b = p
        if _zero(b):
            return sp.Abs(a)
        return sp.sqrt(a**2 + b**2)

    @staticmethod
    def angle(p: Pair) -> sp.Expr:
        a, b = p
        return sp.atan2(b, a)

    def exp(self, p: Pair, col: int | None = None) -> Pair:
        a, b = p
        _check_exp(a, col)
        _check_argument(b, col)
        if _zero(b):
            return sp.exp(a), ZERO
        return sp.exp(a) * sp.cos(b), sp.exp(a) * sp.sin(b)

    def log(self, p: Pair) -> Pair:
        """Principal log w = log|w| + i·arg w, arg in (−π, π]; whole unless w is real."""
        a, b = p
        if _zero(b):
            return _x_log(a, b)
        return part_pair("log", a, b)

    def power(self, base: Pair, exponent: Pair, col: int) -> Pair:
        a, b = base
        c, d = exponent
        if _zero(d) and _zero(b):
            _check_power(a, c, col)
        if base == (sp.E, ZERO):
            return self.exp(exponent, col)
        if _zero(d) and c.is_Integer:
            n = int(c)
            if _zero(b):
                if n < 0 and _zero(a):
                    raise MappingError(f"0 to a negative power at column {col} is undefined", col)
                return a**n, ZERO
            if abs(n) <= MAX_EXPANDED_POWER:
                _check_power_cost(a, c, col)
                _check_power_cost(b, c, col)
                result: Pair = (ONE, ZERO)
                square = base
                k = abs(n)
                while k:
                    if k & 1:
                        result = self.mul(result, square)
                    k >>= 1
                    if k:
                        square = self.mul(square, square)
                return self.div((ONE, ZERO), result, col) if n < 0 else result
            return self._whole_power(a, b, c, col)
        if _zero(d) and c == HALF:
            return self.sqrt(base)
        if _zero(d):
            if _zero(b) and a.is_nonnegative:
                return a**c, ZERO
            return self._whole_power(a, b, c, col)
        return self.exp(self.mul(exponent, self.log(base)), col)

    @staticmethod
    def _whole_power(a: sp.Expr, b: sp.Expr, c: sp.Expr, col: int) -> Pair:
        """w^c for real c as whole functions (|w|^c·(cos cθ, sin cθ) when printed)."""
        re, im = part_pair("pow", a, b, c)
        check_part_cost(re, col)
        return re, im

    def sqrt(self, p: Pair) -> Pair:
        """Principal square root, whole: Kahan's stable form numerically, √((|w| + a)/2) printed.

        On the cut (the negative real axis) it is i·√|a|, and 0 at 0.
        """
        a, b = p
        if _zero(b):
            return _x_sqrt(a, b)
        return part_pair("sqrt", a, b)

    # -- the tree
    def build(self, node: Node) -> Pair:
        if isinstance(node, Num):
            return sp.Rational(node.numerator, node.denominator), ZERO
        if isinstance(node, Const):
            if node.name == "i":
                return ZERO, ONE
            return (sp.pi if node.name == "pi" else sp.E), ZERO
        if isinstance(node, Var):
            if node.name == self.complex_name:
                return self.z
            return self.symbols[node.name], ZERO
        if isinstance(node, Param):
            return self.symbols[node.name], ZERO
        if isinstance(node, Neg):
            a, b = self.build(node.operand)
            return -a, -b
        if isinstance(node, BinOp):
            p = self.build(node.left)
            q = self.build(node.right)
            if node.op == "+":
                return self.add(p, q)
            if node.op == "-":
                return self.sub(p, q)
            if node.op == "*":
                return self.mul(p, q)
            if node.op == "/":
                return self.div(p, q, node.col)
            return self.power(p, q, node.col)
        if isinstance(node, Call):
            args = [self.build(arg) for arg in node.args]
            _check_defined([part for pair in args for part in pair], node)
            return self.call(node, args)
        raise MappingError(f"unexpected element at column {node.col}", node.col)  # pragma: no cover

    def call(self, node: Call, args: list[Pair]) -> Pair:
        f, col = node.function, node.col
        w = args[0]
        a, b = w
        real = _zero(b)
        if f in _REDUCING_NAMES:
            _check_argument(2 * a, col)
            _check_argument(2 * b, col)
        if f in ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "atan", "asinh") and real:
            if f == "exp":
                _check_exp(a, col)
            return _SYMPY_FUNCTIONS[f](a), ZERO
        if f == "exp":
            return self.exp(w, col)
        if f in ("log", "ln", "log10", "log2"):
            result = self.log(w)
            base: Pair | None = None
            if f == "log" and len(args) == 2:
                base = self.log(args[1])
            elif f == "log10":
                base = (sp.log(10), ZERO)
            elif f == "log2":
                base = (sp.log(2), ZERO)
            return self.div(result, base, col) if base is not None else result
        if f == "sqrt":
            return self.sqrt(w)
        if f == "cbrt":
            return self.power(w, (sp.Rational(1, 3), ZERO), col)
        if f == "sin":
            return sp.sin(a) * sp.cosh(b), sp.cos(a) * sp.sinh(b)
        if f == "cos":
            return sp.cos(a) * sp.cosh(b), -sp.sin(a) * sp.sinh(b)
        if f == "tan":
            m = sp.cos(2 * a) + sp.cosh(2 * b)
            return sp.sin(2 * a) / m, sp.sinh(2 * b) / m
        if f == "sinh":
            return sp.sinh(a) * sp.cos(b), sp.cosh(a) * sp.sin(b)
        if f == "cosh":
            return sp.cosh(a) * sp.cos(b), sp.sinh(a) * sp.sin(b)
        if f == "tanh":
            m = sp.cosh(2 * a) + sp.cos(2 * b)
            return sp.sinh(2 * a) / m, sp.sin(2 * b) / m
        if f in ("sec", "csc", "cot"):
            s = self.call(Call(col, "sin", node.args), [w])
            c = self.call(Call(col, "cos", node.args), [w])
            if f == "sec":
                return self.div((ONE, ZERO), c, col)
            if f == "csc":
                return self.div((ONE, ZERO), s, col)
            return self.div(c, s, col)
        if f in ("asin", "acos", "atan", "asinh", "acosh", "atanh"):
            return part_pair(f, a, b)
        if f == "abs":
            return self.modulus(w), ZERO
        if f == "sign":
            if real:
                return sp.sign(a), ZERO
            m = self.modulus(w)
            return a / m, b / m
        if f == "sigmoid":
            e = self.exp((-a, -b), col)
            return self.div((ONE, ZERO), self.add((ONE, ZERO), e), col)
        if f == "re":
            return a, ZERO
        if f == "im":
            return b, ZERO
        if f == "conj":
            return a, -b
        if f == "arg":
            return self.angle(w), ZERO
        if f == "atan2":
            c, d = args[1]
            if not (real and _zero(d)):
                raise MappingError(
                    f"atan2 at column {col} takes real arguments; in complex form use arg(z)", col
                )
            return sp.atan2(a, c), ZERO
        raise MappingError(f"'{f}' at column {col} is not available in complex form", col)  # pragma: no cover


def build_stage_expressions(parsed: ParsedMapping) -> tuple[tuple[sp.Expr, ...], ...]:
    """The components of every stage, each over the stage's own input variables.

    Complex form gives (Re f, Im f); real form its one to three components.
    """
    symbols = {name: real_symbol(name) for name in (*parsed.variables, *parsed.parameters)}
    out = []
    for stage in parsed.stages:
        if stage.is_complex:
            assert stage.f is not None
            components: tuple[sp.Expr, ...] = _ComplexBuilder(
                symbols, parsed.variables, parsed.complex_name).build(stage.f)
        else:
            builder = _RealBuilder(symbols)
            components = tuple(builder.build(c) for c in stage.components)
        for expr in components:
            if _is_undefined(expr):
                raise MappingError(
                    "the mapping is undefined everywhere (it divides by zero or takes log(0))"
                )
        check_size(components)
        out.append(components)
    return tuple(out)


def compose(stage_expressions, symbols: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, ...]:
    """The components of the chain S_n ∘ ... ∘ S_1, over the domain variables ``symbols``.

    Each later stage is rebuilt with the earlier result in place of the variables, as
    xreplace does, but every power and exponential is costed before sympy rebuilds it (see
    :func:`_check_power_cost`), and the result is checked with :func:`check_size`.
    """
    current = tuple(stage_expressions[0])
    for stage in stage_expressions[1:]:
        memo: dict = dict(zip(symbols, current, strict=True))
        current = tuple(_substitute(expr, memo) for expr in stage)
        check_size(current)
    return current


def determinant(j: sp.Matrix) -> sp.Expr:
    """det J of a square matrix of size 1 to 3, written out by cofactors (nothing expanded)."""
    n = j.shape[0]
    if n == 1:
        return j[0, 0]
    if n == 2:
        return j[0, 0] * j[1, 1] - j[0, 1] * j[1, 0]
    if n == 3:
        return (j[0, 0] * (j[1, 1] * j[2, 2] - j[1, 2] * j[2, 1])
                - j[0, 1] * (j[1, 0] * j[2, 2] - j[1, 2] * j[2, 0])
                + j[0, 2] * (j[1, 0] * j[2, 1] - j[1, 1] * j[2, 0]))
    raise MappingError(f"det J of a {n}×{n} Jacobian is beyond jacviz's shapes")  # pragma: no cover


def _substitute(expr: sp.Expr, memo: dict) -> sp.Expr:
    if expr in memo:
        return memo[expr]
    if not expr.args:
        return expr
    args = tuple(_substitute(arg, memo) for arg in expr.args)
    if args == expr.args:
        out = expr
    else:
        if expr.is_Pow:
            _check_power_cost(args[0], args[1], None)
        elif isinstance(expr, sp.exp):
            _check_exp(args[0], None)
        elif isinstance(expr, _REDUCING):
            _check_argument(args[0], None)
        out = expr.func(*args)
        if isinstance(out, ComplexPart):
            check_part_cost(out)
    memo[expr] = out
    return out
