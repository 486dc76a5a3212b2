"""Forward- and reverse-mode derivatives of a mapping, as automatic differentiation sees them.

Automatic differentiation never forms J: forward mode pushes a tangent v through the
computation and gets the Jacobian–vector product J(p)·v (how F(p) moves when p moves
along v); reverse mode pulls a cotangent g back and gets the vector–Jacobian product
J(p)ᵀ·g (how a linear functional ⟨g, F⟩ changes with p). Backpropagation is the second
one with g = ∇L(F(p)) for a scalar loss L: the chain rule ∇(L∘F)(p) = J(p)ᵀ ∇L(F(p)).

jacviz has J exactly (symbolically differentiated, then compiled), so here both products
are one small matrix product, and :func:`chain_rule_check` compares the pulled-back
gradient with a central finite difference of L∘F, the check every autodiff course does.

The loss is typed in jacviz's own mapping language over the variables u and v; it is
parsed and differentiated like a mapping (no user text is ever run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import MappingError
from jacviz.core.numbers import json_number, json_vector
from jacviz.core.numeric.protocol import NumericMapping, Params

DEFAULT_LOSS = "(u^2 + v^2)/2"
LOSS_VARIABLES = ("u", "v")


def _points(p, n: int = 2, what: str = "a point") -> np.ndarray:
    arr = np.asarray(p, dtype=float)
    if arr.shape[-1:] != (n,):
        count = {1: "one coordinate", 2: "two coordinates", 3: "three coordinates"}.get(n, f"{n} coordinates")
        raise MappingError(f"{what} needs {count}")
    return arr


def _jacobian_field(compiled: NumericMapping, p: np.ndarray, params: Params) -> np.ndarray:
    """J at the points p (..., n) as an array (..., m, n)."""
    if getattr(compiled, "shape", (2, 2)) == (2, 2):
        a, b, c, d, _ = compiled.jacobian(p[..., 0], p[..., 1], params)
        return np.stack([np.stack([a, b], -1), np.stack([c, d], -1)], -2)
    coords = tuple(p[..., k] for k in range(p.shape[-1]))
    return compiled.evaluate(coords, params, jacobian=True).matrix()


def _shape(compiled: NumericMapping) -> tuple[int, int]:
    return compiled.n_outputs, len(compiled.variables)


def jvp(compiled: NumericMapping, p, v, params: Params = None) -> np.ndarray:
    """The Jacobian–vector product J(p)·v (forward mode).

    ``p`` and ``v`` are (..., n) and broadcast together; the result is (..., m), NaN where
    F or J is undefined.
    """
    _m, n = _shape(compiled)
    p, v = np.broadcast_arrays(_points(p, n), _points(v, n, "a tangent vector" if n != 2 else "a point"))
    jac = _jacobian_field(compiled, p, params)
    with np.errstate(all="ignore"):
        return np.einsum("...ij,...j->...i", jac, v)


def vjp(compiled: NumericMapping, p, g, params: Params = None) -> np.ndarray:
    """The vector–Jacobian product J(p)ᵀ·g (reverse mode, one step of backpropagation).

    ``p`` is (..., n) and ``g`` (..., m), broadcast together; the result is (..., n), NaN where
    F or J is undefined.
    """
    m, n = _shape(compiled)
    p = _points(p, n)
    g = _points(g, m, "a covector" if m != 2 else "a point")
    batch = np.broadcast_shapes(p.shape[:-1], g.shape[:-1])
    p, g = np.broadcast_to(p, (*batch, n)), np.broadcast_to(g, (*batch, m))
    jac = _jacobian_field(compiled, p, params)
    with np.errstate(all="ignore"):
        return np.einsum("...ji,...j->...i", jac, g)


class Loss:
    """A scalar loss L(u, v) on the codomain, with its gradient ∇L = (∂L/∂u, ∂L/∂v).

    Built by :meth:`from_text`. Any name other than u and v is a parameter, looked up in
    the ``params`` given to each call (default 1), like a mapping's parameters.
    """

    def __init__(self, text: str, compiled) -> None:
        self.text = text
        self._compiled = compiled  # a CompiledMapping of (L, 0) over (u, v)
        self.parameters: tuple[str, ...] = compiled.parameters

    def __repr__(self) -> str:
        return f"Loss({self.text!r})"

    @classmethod
    def from_text(cls, text: str = DEFAULT_LOSS, *, isolated: bool = False) -> Loss:
        """Parse and differentiate ``text``, one real expression in u and v.

        The text goes through the mapping language as the mapping ``(L, 0)`` over the
        variables (u, v), so it gets the same checks and limits. Raises
        :class:`MappingError` for a comma, a chain, a head, complex form, or anything the
        language refuses. Other names are parameters, except z, which is refused so that
        a complex-form loss such as |z|^2 is not silently read as a parameter.
        """
        if not isinstance(text, str) or not text.strip():
            raise MappingError("the loss is empty; type one expression in u and v, such as (u^2 + v^2)/2")
        for bad, what in ((",", "a comma"), (";", "a ';'"), ("->", "'->'"), ("↦", "'↦'"), ("=", "'='")):
            col = text.find(bad)
            if col >= 0:
                raise MappingError(
                    f"loss: {what} at column {col + 1}; the loss is one real expression in u and v, "
                    "such as (u^2 + v^2)/2",
                    col + 1,
                )
        try:
            from jacviz.core.pipeline.prepare import prepare

            # sympy in a worker process (isolated: the window never imports it) or here
            compiled = prepare(f"{text}, 0", LOSS_VARIABLES, isolated=isolated).compiled
        except MappingError as err:
            raise MappingError(f"loss: {err.message}", err.column) from None
        if "z" in compiled.parameters:
            raise MappingError(
                "loss: 'z' is the complex variable; the loss is a real expression in u and v "
                "(complex form is not available for a loss)"
            )
        return cls(text, compiled)

    def value(self, q, params: Params = None) -> np.ndarray:
        """L at the points q (..., 2); NaN where undefined."""
        q = _points(q)
        u, _ = self._compiled.values(q[..., 0], q[..., 1], params)
        return u

    def gradient(self, q, params: Params = None) -> np.ndarray:
        """∇L = (∂L/∂u, ∂L/∂v) at the points q (..., 2), as (..., 2)."""
        q = _points(q)
        a, b, _, _, _ = self._compiled.jacobian(q[..., 0], q[..., 1], params)
        return np.stack([a, b], -1)


def loss_gradient(loss: Loss, q, params: Params = None) -> np.ndarray:
    """∇L(q), the cotangent that backpropagation starts from at q = F(p)."""
    return loss.gradient(q, params)


def pullback_gradient(compiled: NumericMapping, loss: Loss, p, params: Params = None) -> np.ndarray:
    """∇(L∘F)(p) = J(p)ᵀ ∇L(F(p)): the loss gradient pulled back through F (reverse mode)."""
    p = _points(p)
    u, v = compiled.values(p[..., 0], p[..., 1], params)
    g = loss.gradient(np.stack([u, v], -1), params)
    return vjp(compiled, p, g, params)


@dataclass(frozen=True)
class ChainRuleCheck:
    """J(p)ᵀ ∇L(F(p)) next to a central finite difference of L∘F at p."""

    point: np.ndarray
    value: np.ndarray  # q = F(p)
    loss: float  # L(F(p))
    loss_gradient: np.ndarray  # ∇L(q)
    pullback: np.ndarray  # J(p)ᵀ ∇L(q)
    finite_difference: np.ndarray  # ((L∘F)(p + h e_i) − (L∘F)(p − h e_i)) / 2h
    step: np.ndarray  # h per coordinate
    max_abs_difference: float

    def as_dict(self) -> dict[str, object]:
        return {
            "point": json_vector(self.point),
            "value": json_vector(self.value),
            "loss": json_number(self.loss),
            "loss_gradient": json_vector(self.loss_gradient),
            "pullback": json_vector(self.pullback),
            "finite_difference": json_vector(self.finite_difference),
            "max_abs_difference": json_number(self.max_abs_difference),
        }


def chain_rule_check(compiled: NumericMapping, loss: Loss, p, params: Params = None,
                     h: float | None = None) -> ChainRuleCheck:
    """Compare ∇(L∘F)(p) = J(p)ᵀ∇L(F(p)) with central differences of L∘F.

    The step is h = ε^(1/3)·max(1, |p_i|) per coordinate (ε the machine epsilon), which
    balances the O(h²) truncation error of the central difference against its O(ε/h)
    rounding error; the difference is then around 1e-10 relative for smooth F and L.
    """
    p = _points(p).reshape(2)
    if h is None:
        step = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(p))
    else:
        if not (h > 0 and math.isfinite(h)):
            raise MappingError("the finite-difference step must be a positive number")
        step = np.full(2, float(h))
    offsets = np.array([[step[0], 0.0], [-step[0], 0.0], [0.0, step[1]], [0.0, -step[1]]])
    pts = np.concatenate([p[None, :], p + offsets])
    u, v = compiled.values(pts[:, 0], pts[:, 1], params)
    q = np.stack([u, v], -1)
    losses = loss.value(q, params)
    fd = np.array([(losses[1] - losses[2]) / (2 * step[0]), (losses[3] - losses[4]) / (2 * step[1])])
    grad_l = loss.gradient(q[0], params)
    pull = vjp(compiled, p, grad_l, params)
    with np.errstate(invalid="ignore"):
        diff = np.abs(pull - fd)
    return ChainRuleCheck(p, q[0], float(losses[0]), grad_l, pull, fd, step,
                          float(diff.max()) if np.isfinite(diff).all() else math.nan)
