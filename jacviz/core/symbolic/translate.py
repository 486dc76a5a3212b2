"""sympy expressions translated into numeric programs: a mapping compiled for fast evaluation.

sympy's ``lambdify`` writes Python source and ``exec``s it; jacviz instead translates the
sympy expressions into a :class:`~jacviz.core.numeric.program.Program`, a flat list of
numpy operations over numbered slots. Identical subexpressions are emitted once (the
translation is memoised on the expression), so ``cos(t)`` shared by u and ∂v/∂r is computed
once per call. This is the only bridge from sympy to numbers: everything after it runs
without sympy.

Whole complex functions (:class:`~jacviz.core.symbolic.build.ComplexPart`) become their
principal-branch kernels, √(a² + b²) becomes ``hypot`` (no overflow of a² for |a| > 1e154),
and :func:`kink_indicators` finds where F may fail to be differentiable: the arguments of
abs, sign and Heaviside and the cuts of atan2 and of the whole functions, compiled into
the mapping's kink program (see :class:`~jacviz.core.numeric.compiled.CompiledMapping`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy as sp

from jacviz.core.errors import MappingError
from jacviz.core.numeric.chain import CompiledChain
from jacviz.core.numeric.compiled import CompiledMapping
from jacviz.core.numeric.program import MAX_OPERATIONS, Program
from jacviz.core.symbolic.build import ComplexPart, determinant


def compile_expressions(exprs: Sequence, inputs: Sequence) -> Program:
    """Translate sympy expressions over the symbols ``inputs`` into one shared Program."""
    return _Translator(inputs).translate(exprs)


class _UnsupportedError(MappingError):
    """An expression that has no operation in the instruction set."""


class _Translator:
    def __init__(self, inputs: Sequence) -> None:
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
        if isinstance(expr, ComplexPart):
            return self.push((expr.operation, *(self.emit(arg) for arg in expr.args)))
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
            if exp == sp.Rational(1, 2):
                legs = _hypot_legs(base)
                if legs is not None:
                    return self.push(("hypot", self.emit(legs[0]), self.emit(legs[1])))
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
                legs = _hypot_legs(base)
                if legs is not None:
                    return self.push(("recip", self.push(("hypot", self.emit(legs[0]), self.emit(legs[1])))))
                return self.push(("rsqrt", b))
            return self.push(("pow", b, self.const(float(exp))))
        if base == sp.E:
            return self.push(("exp", self.emit(exp)))
        return self.push(("pow", self.emit(base), self.emit(exp)))


def _hypot_legs(base):
    """(p, q) when ``base`` is p² + q², so that √base can be computed as hypot(p, q)."""
    if base.is_Add and len(base.args) == 2:
        p, q = base.args
        if p.is_Pow and q.is_Pow and p.exp == 2 and q.exp == 2:
            return p.base, q.base
    return None


def kink_indicators(components, variables) -> list:
    """Expressions of the variables that are exactly 0 where F may not be differentiable.

    abs(e), sign(e) and Heaviside(e) contribute e; atan2(b, a) contributes |b| + |a| + a (0
    on its cut, the closed negative a-axis); each whole complex function contributes its
    cut (:meth:`~jacviz.core.symbolic.build.ComplexPart.cut_indicators`). Indicators that do
    not depend on the variables are left out (abs(−2) is no kink). A zero only marks a
    candidate: |x|³ has the indicator x and is differentiable at 0, so the readout looks at
    both sides of such a point before it says "not differentiable here"
    (:func:`jacviz.core.lab.pointinfo.point_info`).
    """
    found: list = []
    symbols = set(variables)
    for expr in components:
        for node in sp.preorder_traversal(expr):
            if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
                candidates = (node.args[0],)
            elif isinstance(node, sp.atan2):
                b, a = node.args
                candidates = (sp.Abs(b) + sp.Abs(a) + a,)
            elif isinstance(node, ComplexPart):
                candidates = node.cut_indicators()
            else:
                continue
            for c in candidates:
                if c.free_symbols & symbols and c not in found:
                    found.append(c)
    return found


def compile_formula(components, jacobian, inputs, variables, parameters) -> CompiledMapping:
    """Compile m components and their m×n Jacobian (a sympy Matrix) over ``inputs``.

    ``inputs`` are the variable symbols followed by the parameter symbols. det J is compiled
    too when J is square (see :mod:`jacviz.core.numeric.compiled` for the programs' layout).
    """
    m, n = jacobian.shape
    entries = [jacobian[i, j] for i in range(m) for j in range(n)]
    det = [determinant(jacobian)] if m == n else []
    components = list(components)
    kinks = kink_indicators(components, inputs[:n])
    return CompiledMapping(
        tuple(variables),
        tuple(parameters),
        compile_expressions(components, inputs),
        compile_expressions([*entries, *det, *components], inputs),
        compile_expressions([*det, *components], inputs) if m == n else None,
        compile_expressions(kinks, inputs) if kinks else None,
    )


def compile_mapping(mapping) -> CompiledMapping:
    """Compile a :class:`~jacviz.core.symbolic.mapping.Mapping` into numeric programs."""
    inputs = (*mapping.symbols, *mapping.parameter_symbols)
    return compile_formula(mapping.components, mapping.jacobian, inputs, mapping.variables,
                           mapping.parameters)


def compile_chain(mapping) -> CompiledChain:
    """Compile each stage of a :class:`~jacviz.core.symbolic.mapping.Mapping` on its own.

    Every stage's components and Jacobian are over the mapping's variable symbols (the
    stage's own input) and its parameters, so stage i is evaluated at the output of
    stage i − 1. A one-stage mapping gives a chain of one.
    """
    inputs = (*mapping.symbols, *mapping.parameter_symbols)
    stages = tuple(
        compile_formula(components, j, inputs, mapping.variables, mapping.parameters)
        for components, j in zip(mapping.stage_expressions, mapping.stage_jacobians, strict=True)
    )
    return CompiledChain(mapping.variables, mapping.parameters, stages)
