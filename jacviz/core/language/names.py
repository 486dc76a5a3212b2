"""Names: checking new variable and parameter names, and resolving the words of a formula.

A word is a variable, a constant, a product of variables written together (``xy``), or a
parameter; a word before parentheses is a function or a factor. The checks here are the
ones every place that accepts a name from outside uses too (``--vars``, a session file).
"""

from __future__ import annotations

import difflib
import keyword

from jacviz.core.errors import MappingError
from jacviz.core.language.tree import BinOp, Call, Const, Name, NameCall, Neg, Node, Num, Param, Var
from jacviz.core.language.vocabulary import (
    ALIASES,
    ALL_FUNCTIONS,
    COMPLEX_ONLY_FUNCTIONS,
    CONSTANTS,
    IMAGINARY_UNITS,
    MAX_PARAMETERS,
    VALID_NAME,
)


def check_variable_names(names: tuple[str, ...] | list[str], where: str = "--vars",
                         counts: tuple[int, ...] = (2,)) -> tuple[str, ...]:
    """Validate variable names given outside the mapping text (``--vars``, a session).

    ``counts`` are the numbers of names allowed: two by default (a session's mapping is
    planar unless its text names its own variables), one to three for ``--vars``.
    """
    names = tuple(n.strip() for n in names)
    if len(names) not in counts:
        if counts == (2,):
            want = "exactly two names, such as r,t"
        else:
            words = [{1: "one", 2: "two", 3: "three"}[c] for c in counts]
            spelled = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
            want = f"{spelled} names, such as t or r,t or r,t,p"
        raise MappingError(f"{where} needs {want} (got {len(names)})")
    for name in names:
        check_new_name(name, None, what="variable")
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        which = "the two variables" if len(names) == 2 else "the variables"
        raise MappingError(f"{where}: {which} need different names (got {twice} twice)")
    return names


def check_new_name(name: str, col: int | None, what: str) -> None:
    where = f" at column {col}" if col else ""
    if not VALID_NAME.match(name):
        raise MappingError(f"'{name}'{where} is not a valid {what} name", col)
    if name in ALL_FUNCTIONS or name in ALIASES:
        raise MappingError(f"'{name}'{where} is a function and cannot name a {what}", col)
    if name in CONSTANTS or name in IMAGINARY_UNITS:
        raise MappingError(f"'{name}'{where} is a constant and cannot name a {what}", col)
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise MappingError(f"'{name}'{where} is a reserved word and cannot name a {what}", col)


# Parameter names that look like a constant of the language: said so, since they are legal.
LOOKALIKES = {
    "E": "e is Euler's number; E is a parameter here (1 unless you change it)",
    "Pi": "pi is π; Pi is a parameter here (1 unless you change it)",
    "PI": "pi is π; PI is a parameter here (1 unless you change it)",
}


class Resolver:
    """Turns raw names into variables, constants, products and parameters for one stage."""

    def __init__(self, variables: tuple[str, ...], complex_form: bool, complex_name: str,
                 parameters: list[str]) -> None:
        self.complex_form = complex_form
        names = set(variables) | set(CONSTANTS)
        if complex_form:
            names |= {complex_name, *IMAGINARY_UNITS}
        self.known = names
        self.variables = variables
        self.complex_name = complex_name
        self.parameters = parameters  # shared across stages, in order of first use
        self.notes: list[str] = []

    def leaf(self, word: str, col: int) -> Node:
        if word in CONSTANTS:
            return Const(col, "pi" if word == "π" else word)
        if word in IMAGINARY_UNITS:
            return Const(col, "i")
        return Var(col, word)

    def split(self, word: str) -> list[str] | None:
        """Split a word into known names (``xy`` -> x, y), preferring the fewest pieces."""
        n = len(word)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(end):
                piece = word[start:end]
                prev = best[start]
                if prev is not None and piece in self.known:
                    cand = [*prev, piece]
                    cur = best[end]
                    if cur is None or len(cand) < len(cur):
                        best[end] = cand
        return best[n]

    def resolve_word(self, word: str, col: int) -> Node:
        if word in self.known:
            return self.leaf(word, col)
        if word in IMAGINARY_UNITS:
            raise MappingError(
                f"'{word}' at column {col} is the imaginary unit, which exists only in complex form "
                "(one expression in z, such as z^2 + i)",
                col,
            )
        pieces = self.split(word)
        if pieces:
            node: Node | None = None
            offset = 0
            for piece in pieces:
                leaf = self.leaf(piece, col + offset)
                node = leaf if node is None else BinOp(col + offset, "*", node, leaf)
                offset += len(piece)
            assert node is not None
            return node
        for fname in sorted(list(ALL_FUNCTIONS) + list(ALIASES), key=len, reverse=True):
            rest = word[len(fname):]
            if word.startswith(fname) and rest and self.split(rest):
                raise MappingError(f"write {fname}({rest}), not {word} (column {col})", col)
        stripped = word.rstrip("0123456789")
        if stripped != word and self.split(stripped):
            digits = word[len(stripped):]
            raise MappingError(
                f"'{word}' at column {col} is ambiguous: write {stripped}^{digits} for a power "
                f"or {stripped}*{digits} for a product",
                col,
            )
        check_new_name(word, col, what="parameter")
        if word not in self.parameters:
            if len(self.parameters) >= MAX_PARAMETERS:
                raise MappingError(
                    f"too many parameters: '{word}' at column {col} would be number "
                    f"{MAX_PARAMETERS + 1} (the limit is {MAX_PARAMETERS})",
                    col,
                )
            self.parameters.append(word)
            hint = LOOKALIKES.get(word)
            if hint is not None:
                self.notes.append(hint)
        return Param(col, word)

    def resolve(self, node: Node) -> Node:
        if isinstance(node, Name):
            return self.resolve_word(node.word, node.col)
        if isinstance(node, (Num, Const, Var, Param)):
            return node
        if isinstance(node, Neg):
            return Neg(node.col, self.resolve(node.operand))
        if isinstance(node, BinOp):
            left = self.resolve(node.left)
            right = self.resolve(node.right)
            if node.op == "^" and isinstance(node.left, Name) and isinstance(left, BinOp):
                # Fix (tests/core/test_language.py): a word of names is a product, and the
                # power binds to its last letter as on paper: 2xy^2 and xy² are 2·x·y², not
                # 2·(xy)². (resolve_word returns a BinOp only for such a product.)
                return BinOp(left.col, "*", left.left, BinOp(node.col, "^", left.right, right))
            return BinOp(node.col, node.op, left, right)
        if isinstance(node, NameCall):
            return self.resolve_call(node)
        raise MappingError(f"unexpected element at column {node.col}", node.col)  # pragma: no cover

    def resolve_call(self, node: NameCall) -> Node:
        word, col = node.word, node.col
        fname = ALIASES.get(word, word)
        args = tuple(self.resolve(a) for a in node.args)
        if fname in ALL_FUNCTIONS:
            if fname in COMPLEX_ONLY_FUNCTIONS and not self.complex_form:
                raise MappingError(
                    f"'{word}' at column {col} only makes sense in complex form "
                    "(one expression in z, such as re(z)^2)",
                    col,
                )
            lo, hi = ALL_FUNCTIONS[fname]
            if not lo <= len(args) <= hi:
                want = f"{lo}" if lo == hi else f"{lo} or {hi}"
                noun = "argument" if want == "1" else "arguments"
                raise MappingError(
                    f"{word} takes {want} {noun}, but got {len(args)} at column {col}", col
                )
            call: Node = Call(col, fname, args)
            if node.power is not None:
                call = BinOp(col, "^", call, Num(col, node.power, 1))
            return call
        # Not a function: a variable, a constant, a product of them, or a one-letter
        # parameter multiplies the parentheses, as k(x^2 + y^2) does on paper. A longer
        # unknown word before '(' is far more often a misspelt function, so it is an error.
        single_letter_parameter = len(word) == 1 and word not in IMAGINARY_UNITS
        if word in self.known or self.split(word) or single_letter_parameter:
            if len(args) != 1:
                raise MappingError(
                    f"unexpected ',' inside the parentheses after '{word}' at column {col}", col
                )
            return BinOp(col, "*", self.resolve_word(word, col), args[0])
        # Fix (tests/core/test_language.py): difflib alone answered "cosine" with "did you
        # mean sin?" (a tie that it broke alphabetically); a function name the word starts
        # with (cos in cosine, tan in tangent) is the better guess, so it comes first.
        names = list(ALL_FUNCTIONS) + list(ALIASES)
        prefixes = sorted((f for f in names if len(f) >= 3 and word.lower().startswith(f.lower())),
                          key=len, reverse=True)
        close = prefixes[:1] or difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean {ALIASES.get(close[0], close[0])}?"
        elif VALID_NAME.match(word) and not keyword.iskeyword(word):
            hint = f"to multiply by the parameter {word}, write {word}*(...)"
        else:
            hint = "see the list of functions in Help"
        raise MappingError(f"unknown function '{word}' at column {col}; {hint}", col)


def image_names(variables: tuple[str, str]) -> tuple[str, str]:
    """Names for the codomain's axes: u, v, unless the domain's variables already use them."""
    return ("F₁", "F₂") if {"u", "v"} & set(variables) else ("u", "v")
