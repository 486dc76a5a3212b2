"""The mapping language: what a person types, turned into a checked syntax tree.

This module reads text and never runs it. A hand-written tokenizer and a recursive-descent
parser produce a small tree of :class:`Node` objects; a second pass resolves every name
against an allow-list (variables, constants, functions, parameters). Nothing here imports
sympy, so the window can validate text on every keystroke without paying for it; the
sympy objects are built from the checked tree in :mod:`jacviz.core.symbolic`.

The grammar, informally::

    mapping := [head] stage (';' stage)*            at most MAX_STAGES stages
    head    := '(' name ',' name ')' ('->' | '↦')   names the variables
             | NAME '(' name [',' name] ')' '='      F(x, y) = ...   or   f(z) = ...
             | name ('->' | '↦')                     z -> ...  (complex form)
    stage   := expr ',' expr | '(' expr ',' expr ')' | '[' expr ',' expr ']'   real form
             | expr                                                           complex form
    expr    := term (('+' | '-') term)*
    term    := factor (('*' | '/') factor | factor)*          juxtaposition multiplies
    factor  := ('+' | '-') factor | power
    power   := atom [('^' | '**') factor] | atom SUPERSCRIPT
    atom    := NUMBER | NAME | NAME '(' args ')' | '(' expr ')'

Every limit that bounds the work (length, nodes, depth, digits) lives here, so that a
hostile text is refused before anything is computed.
"""

from __future__ import annotations

import difflib
import keyword
import re
import unicodedata
from dataclasses import dataclass, field

from jacviz.core.errors import MappingError

# ---------------------------------------------------------------------------------------
# Limits. They are generous for anything a person types (the longest preset is under 120
# characters) and small enough that parsing, differentiation and compilation of the worst
# accepted input finish well within a second.
MAX_LENGTH = 2000
MAX_NODES = 1000
MAX_DEPTH = 64
MAX_DIGITS = 30
MAX_EXPONENT_DIGITS = 3  # 1e999 is the largest decimal exponent that is even written down
MAX_NAME_LENGTH = 32
MAX_PARAMETERS = 12
MAX_STAGES = 4

DEFAULT_VARIABLES = ("x", "y")
COMPLEX_NAME = "z"

# name -> (min args, max args). Canonical names only; ALIASES maps the spellings people use.
REAL_FUNCTIONS: dict[str, tuple[int, int]] = {
    "sin": (1, 1), "cos": (1, 1), "tan": (1, 1),
    "sec": (1, 1), "csc": (1, 1), "cot": (1, 1),
    "asin": (1, 1), "acos": (1, 1), "atan": (1, 1), "atan2": (2, 2),
    "sinh": (1, 1), "cosh": (1, 1), "tanh": (1, 1),
    "asinh": (1, 1), "acosh": (1, 1), "atanh": (1, 1),
    "exp": (1, 1), "log": (1, 2), "ln": (1, 1), "log10": (1, 1), "log2": (1, 1),
    "sqrt": (1, 1), "cbrt": (1, 1), "abs": (1, 1), "sign": (1, 1),
    "sigmoid": (1, 1),
}
COMPLEX_ONLY_FUNCTIONS: dict[str, tuple[int, int]] = {
    "re": (1, 1), "im": (1, 1), "conj": (1, 1), "arg": (1, 1),
}
ALIASES = {
    "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "arsinh": "asinh", "arcosh": "acosh", "artanh": "atanh",
    "Re": "re", "Im": "im", "conjugate": "conj", "sgn": "sign",
}
ALL_FUNCTIONS = {**REAL_FUNCTIONS, **COMPLEX_ONLY_FUNCTIONS}
CONSTANTS = ("pi", "e", "π")
IMAGINARY_UNITS = ("i", "I")

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME_REST = re.compile(r"[A-Za-z0-9_\u0391-\u03a9\u03b1-\u03c9]*")
_VALID_NAME = re.compile(r"[A-Za-z\u0391-\u03a9\u03b1-\u03c9][A-Za-z0-9_\u0391-\u03a9\u03b1-\u03c9]*\Z")
_SUPERSCRIPTS = {"⁰": 0, "¹": 1, "²": 2, "³": 3, "⁴": 4, "⁵": 5, "⁶": 6, "⁷": 7, "⁸": 8, "⁹": 9}
_MULTIPLY_SIGNS = "·×⋅∙∗"
_MINUS_SIGNS = "−–"  # U+2212 minus and the en dash that word processors substitute
_ARROWS = "→↦"


def _is_name_start(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("\u0391" <= ch <= "\u03a9") or (
        "\u03b1" <= ch <= "\u03c9"
    )


# ---------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # NUM NAME OP LPAREN RPAREN COMMA SEMI ARROW EQUALS SUP END
    text: str
    col: int  # 1-based column in the original text
    value: object = None


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, refusing every character that has no place in a formula."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        col = i + 1
        if ch in " \t\r\n\u00a0":
            i += 1
            continue
        if ch.isdigit() and not ch.isascii() and ch not in _SUPERSCRIPTS:
            raise MappingError(f"the digit '{ch}' at column {col} is not allowed; use 0-9", col)
        if (ch.isascii() and ch.isdigit()) or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            if ch == "." and i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_)]"):
                # x.5 is not "x times 0.5": it looks like attribute access, and it is refused
                raise MappingError(
                    f"'.' at column {col} is not allowed here: write 0.5x or x*0.5, and there are no "
                    "attributes",
                    col,
                )
            m = _NUMBER.match(text, i)
            assert m is not None
            tokens.append(_number_token(m.group(), col))
            i = m.end()
            if i < n and text[i] == "." and not (i + 1 < n and text[i + 1].isdigit()):
                raise MappingError(f"unexpected '.' at column {i + 1}", i + 1)
            continue
        if _is_name_start(ch):
            m = _NAME_REST.match(text, i + 1)
            assert m is not None
            word = text[i : m.end()]
            if keyword.iskeyword(word):
                raise MappingError(
                    f"'{word}' at column {col} is not allowed: a mapping is a formula, not a program",
                    col,
                )
            if len(word) > MAX_NAME_LENGTH:
                raise MappingError(
                    f"the name at column {col} is too long ({len(word)} characters; "
                    f"the limit is {MAX_NAME_LENGTH})",
                    col,
                )
            tokens.append(Token("NAME", word, col))
            i = m.end()
            continue
        two = text[i : i + 2]
        three = text[i : i + 3]
        if two == "**":
            tokens.append(Token("OP", "^", col))
            i += 2
        elif ch == "^":
            tokens.append(Token("OP", "^", col))
            i += 1
        elif two == "->" or three == "|->":
            tokens.append(Token("ARROW", "->", col))
            i += 3 if three == "|->" else 2
        elif ch in _ARROWS:
            tokens.append(Token("ARROW", "->", col))
            i += 1
        elif ch in "+-" or ch in _MINUS_SIGNS:
            tokens.append(Token("OP", "+" if ch == "+" else "-", col))
            i += 1
        elif ch == "*" or ch in _MULTIPLY_SIGNS:
            tokens.append(Token("OP", "*", col))
            i += 1
        elif ch in "/÷":
            if two == "//":
                raise MappingError(f"'//' at column {col} is not allowed; write / to divide", col)
            tokens.append(Token("OP", "/", col))
            i += 1
        elif ch in "([":
            tokens.append(Token("LPAREN", ch, col))
            i += 1
        elif ch in ")]":
            tokens.append(Token("RPAREN", ch, col))
            i += 1
        elif ch == ",":
            tokens.append(Token("COMMA", ch, col))
            i += 1
        elif ch == ";":
            tokens.append(Token("SEMI", ch, col))
            i += 1
        elif ch == "=" and two != "==":
            # Only allowed in a head such as F(x, y) = ...; the parser refuses it elsewhere.
            tokens.append(Token("EQUALS", ch, col))
            i += 1
        elif ch in _SUPERSCRIPTS or ch == "⁻":
            j = i + (1 if ch == "⁻" else 0)
            digits = ""
            while j < n and text[j] in _SUPERSCRIPTS and len(digits) < 3:
                digits += str(_SUPERSCRIPTS[text[j]])
                j += 1
            if not digits:
                raise MappingError(f"'⁻' at column {col} must be followed by a superscript digit", col)
            power = int(digits) * (-1 if ch == "⁻" else 1)
            tokens.append(Token("SUP", text[i:j], col, power))
            i = j
        else:
            raise _bad_character(text, i)
    tokens.append(Token("END", "", n + 1))
    return tokens


def _number_token(literal: str, col: int) -> Token:
    """A number literal as an exact fraction (numerator, denominator)."""
    mantissa, _, exponent = literal.lower().partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    if len(digits) > MAX_DIGITS:
        raise MappingError(
            f"the number at column {col} has too many digits ({len(digits)}; "
            f"the limit is {MAX_DIGITS})",
            col,
        )
    exp = 0
    if exponent:
        if len(exponent.lstrip("+-").lstrip("0")) > MAX_EXPONENT_DIGITS:
            raise MappingError(f"the exponent of the number at column {col} is too large", col)
        exp = int(exponent)
    if abs(exp) > 300:
        raise MappingError(
            f"the number at column {col} is out of range (write at most 1e300 in size)", col
        )
    numerator = int(whole + frac) if (whole + frac) else 0
    denominator = 10 ** len(frac)
    if exp >= 0:
        numerator *= 10**exp
    else:
        denominator *= 10**-exp
    return Token("NUM", literal, col, (numerator, denominator))


def _bad_character(text: str, i: int) -> MappingError:
    ch, col = text[i], i + 1
    two = text[i : i + 2]
    if two == "==":
        msg = f"'==' at column {col} is not allowed here: a mapping is a formula, not an equation"
    elif two == ":=":
        msg = f"':=' at column {col} is not allowed here: a mapping cannot assign names"
    elif two in ("!=", "<=", ">="):
        msg = f"'{two}' at column {col} is not allowed here: a mapping has no comparisons"
    elif ch == "=":
        msg = (
            f"'=' at column {col} is not allowed here; type the formula itself, "
            "such as x^2 - y^2, 2xy, or name it as F(x, y) = ..."
        )
    elif ch in "'\"`":
        msg = f"quotes are not allowed (column {col}): a mapping is made of numbers, names and operators"
    elif ch == ".":
        msg = f"'.' at column {col} is not allowed: write numbers like 0.5, and there are no attributes"
    elif ch == "_":
        msg = f"a name cannot start with '_' (column {col})"
    elif ch in "{}":
        msg = f"braces are not allowed (column {col}); group with ( )"
    elif ch == "\\":
        msg = f"LaTeX commands are not supported (column {col}); write sin(x), not \\sin x"
    elif ch in "<>":
        msg = f"'{ch}' at column {col} is not allowed here: a mapping has no comparisons"
    elif ch == ":":
        msg = f"':' at column {col} is not allowed here"
    elif ch == "!":
        msg = f"'!' at column {col} is not allowed here"
    elif ch == "π":
        # Handled as a name by the caller; this branch is never reached. Kept for clarity.
        msg = "π"
    elif unicodedata.category(ch).startswith("C") or ch == "\x00":
        msg = f"control character U+{ord(ch):04X} at column {col} is not allowed"
    elif ch.isprintable():
        msg = f"'{ch}' at column {col} is not allowed in a mapping"
    else:
        msg = f"character U+{ord(ch):04X} at column {col} is not allowed in a mapping"
    return MappingError(msg, col)


# ---------------------------------------------------------------------------------------
# The syntax tree. Raw nodes (Name, Juxtaposed) exist only between parsing and resolving.


@dataclass(frozen=True, slots=True)
class Node:
    col: int


@dataclass(frozen=True, slots=True)
class Num(Node):
    numerator: int
    denominator: int


@dataclass(frozen=True, slots=True)
class Const(Node):
    name: str  # "pi", "e" or "i"


@dataclass(frozen=True, slots=True)
class Var(Node):
    name: str  # a domain variable, or the complex variable


@dataclass(frozen=True, slots=True)
class Param(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    op: str  # + - * / ^
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str  # canonical name from ALL_FUNCTIONS
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A word not yet resolved (variable, product of variables, constant or parameter)."""

    word: str


@dataclass(frozen=True, slots=True)
class NameCall(Node):
    """``word(args)`` where ``word`` is not yet known to be a function or a factor."""

    word: str
    args: tuple[Node, ...]
    power: int | None = None  # sin^2(x)


@dataclass(frozen=True, slots=True)
class Pair(Node):
    first: Node
    second: Node


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of a mapping: ``(u, v)`` in real form, or ``f`` in complex form."""

    u: Node | None
    v: Node | None
    f: Node | None

    @property
    def is_complex(self) -> bool:
        return self.f is not None


@dataclass(frozen=True)
class ParsedMapping:
    """A checked mapping: its variables, its stages and its parameters, in order of use."""

    text: str
    variables: tuple[str, str]
    stages: tuple[Stage, ...]
    parameters: tuple[str, ...] = field(default=())
    complex_name: str = COMPLEX_NAME

    @property
    def is_complex(self) -> bool:
        """True when the mapping is one complex stage f(z)."""
        return len(self.stages) == 1 and self.stages[0].is_complex


# ---------------------------------------------------------------------------------------
# Parsing


def check_variable_names(names: tuple[str, ...] | list[str], where: str = "--vars") -> tuple[str, str]:
    """Validate two variable names given outside the mapping text (``--vars``, a session)."""
    names = tuple(n.strip() for n in names)
    if len(names) != 2:
        raise MappingError(f"{where} needs exactly two names, such as r,t (got {len(names)})")
    for name in names:
        _check_new_name(name, None, what="variable")
    if names[0] == names[1]:
        raise MappingError(f"{where}: the two variables need different names (got {names[0]} twice)")
    return names  # type: ignore[return-value]


def _check_new_name(name: str, col: int | None, what: str) -> None:
    where = f" at column {col}" if col else ""
    if not _VALID_NAME.match(name):
        raise MappingError(f"'{name}'{where} is not a valid {what} name", col)
    if name in ALL_FUNCTIONS or name in ALIASES:
        raise MappingError(f"'{name}'{where} is a function and cannot name a {what}", col)
    if name in CONSTANTS or name in IMAGINARY_UNITS:
        raise MappingError(f"'{name}'{where} is a constant and cannot name a {what}", col)
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise MappingError(f"'{name}'{where} is a reserved word and cannot name a {what}", col)


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.pos = 0
        self.depth = 0
        self.nodes = 0

    # -- token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.pos + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise MappingError(
                f"the mapping is too large (more than {MAX_NODES} terms); "
                "split it into stages with ';' or simplify it",
                self.tok.col,
            )

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise MappingError(
                f"the mapping is nested too deeply (more than {MAX_DEPTH} levels) "
                f"at column {self.tok.col}",
                self.tok.col,
            )

    def leave(self) -> None:
        self.depth -= 1

    def describe(self, tok: Token) -> str:
        if tok.kind == "END":
            return "the end of the mapping"
        return f"'{tok.text}' at column {tok.col}"

    def unexpected(self, tok: Token, expected: str) -> MappingError:
        if tok.kind == "EQUALS":
            return _bad_character(self.text, tok.col - 1)
        if tok.kind == "END":
            return MappingError(f"the mapping ends too early: expected {expected}", tok.col)
        if tok.kind == "RPAREN":
            return MappingError(f"unexpected '{tok.text}' at column {tok.col}: expected {expected}", tok.col)
        return MappingError(f"unexpected {self.describe(tok)}: expected {expected}", tok.col)

    # -- head
    def parse_head(self) -> tuple[tuple[str, ...] | None, int]:
        """Recognise an optional head and return (names, column), or (None, 0)."""
        t = self.tokens
        p = self.pos

        def kinds(*ks: str) -> bool:
            return all(t[min(p + j, len(t) - 1)].kind == k for j, k in enumerate(ks))

        # (a, b) ->
        if kinds("LPAREN", "NAME", "COMMA", "NAME", "RPAREN", "ARROW"):
            self.pos += 6
            return (t[p + 1].text, t[p + 3].text), t[p + 1].col
        # a, b ->
        if kinds("NAME", "COMMA", "NAME", "ARROW"):
            self.pos += 4
            return (t[p].text, t[p + 2].text), t[p].col
        # z ->
        if kinds("NAME", "ARROW"):
            self.pos += 2
            return (t[p].text,), t[p].col
        # F(a, b) =   and   f(z) =
        if kinds("NAME", "LPAREN", "NAME", "COMMA", "NAME", "RPAREN", "EQUALS"):
            self.pos += 7
            return (t[p + 2].text, t[p + 4].text), t[p + 2].col
        if kinds("NAME", "LPAREN", "NAME", "RPAREN", "EQUALS"):
            self.pos += 5
            return (t[p + 2].text,), t[p + 2].col
        return None, 0

    # -- body
    def parse_stage(self) -> Stage:
        start = self.tok
        if start.kind in ("SEMI", "END"):
            if start.kind == "END" and self.pos == 0:
                raise MappingError(
                    "the mapping is empty: type two components u, v such as x^2 - y^2, 2xy, "
                    "or one complex expression such as z^2"
                )
            raise MappingError(f"a stage is empty at column {start.col}", start.col)
        first = self.parse_expression(top=True)
        if isinstance(first, Pair):
            if self.tok.kind not in ("SEMI", "END"):
                raise self.unexpected(self.tok, "';' or the end after the pair (u, v)")
            return Stage(first.first, first.second, None)
        if self.tok.kind == "COMMA":
            self.advance()
            if self.tok.kind in ("SEMI", "END"):
                raise MappingError(
                    "expected two components u, v separated by a comma; "
                    f"the second one is missing at column {self.tok.col}",
                    self.tok.col,
                )
            second = self.parse_expression()
            if self.tok.kind == "COMMA":
                extra = 2
                while self.tok.kind == "COMMA":
                    self.advance()
                    extra += 1
                    if self.tok.kind in ("SEMI", "END"):
                        break
                    self.parse_expression()
                raise MappingError(
                    f"expected two components u, v separated by a comma, but found {extra}",
                    start.col,
                )
            return Stage(first, second, None)
        return Stage(None, None, first)

    def parse_expression(self, top: bool = False) -> Node:
        self.enter()
        left = self.parse_term(top)
        if isinstance(left, Pair):
            self.leave()
            return left
        while self.tok.kind == "OP" and self.tok.text in "+-":
            op = self.advance()
            self.count()
            right = self.parse_term()
            left = BinOp(op.col, op.text, left, right)
        self.leave()
        return left

    def starts_atom(self, tok: Token) -> bool:
        return tok.kind in ("NUM", "NAME") or (tok.kind == "LPAREN")

    def parse_term(self, top: bool = False) -> Node:
        left = self.parse_factor(top)
        if isinstance(left, Pair):
            return left
        while True:
            tok = self.tok
            if tok.kind == "OP" and tok.text in "*/":
                self.advance()
                self.count()
                if self.tok.kind == "OP" and self.tok.text in "*/^":
                    raise self.unexpected(self.tok, "a number, a name or '('")
                right = self.parse_factor()
                left = BinOp(tok.col, tok.text, left, right)
            elif self.starts_atom(tok):
                if tok.kind == "NUM" and _ends_with_number(left):
                    raise MappingError(
                        f"two numbers in a row at column {tok.col}; write * between them",
                        tok.col,
                    )
                self.count()
                right = self.parse_power()
                left = BinOp(tok.col, "*", left, right)
            else:
                return left

    def parse_factor(self, top: bool = False) -> Node:
        tok = self.tok
        if tok.kind == "OP" and tok.text in "+-":
            self.advance()
            self.enter()
            self.count()
            operand = self.parse_factor()
            self.leave()
            return Neg(tok.col, operand) if tok.text == "-" else operand
        return self.parse_power(top)

    def parse_power(self, top: bool = False) -> Node:
        base = self.parse_atom(top)
        if isinstance(base, Pair):
            return base
        tok = self.tok
        if tok.kind == "OP" and tok.text == "^":
            self.advance()
            self.enter()
            self.count()
            exponent = self.parse_factor()
            self.leave()
            return BinOp(tok.col, "^", base, exponent)
        if tok.kind == "SUP":
            self.advance()
            self.count()
            power = int(tok.value)  # type: ignore[call-overload]
            exponent: Node = Num(tok.col, abs(power), 1)
            if power < 0:
                exponent = Neg(tok.col, exponent)
            return BinOp(tok.col, "^", base, exponent)
        return base

    def parse_atom(self, top: bool = False) -> Node:
        tok = self.tok
        self.count()
        if tok.kind == "NUM":
            self.advance()
            num, den = tok.value  # type: ignore[misc]
            return Num(tok.col, num, den)
        if tok.kind == "NAME":
            return self.parse_name()
        if tok.kind == "LPAREN":
            if tok.text == "[" and not top:
                # x[0] is not "x times 0": square brackets only wrap a whole pair [u, v]
                raise MappingError(
                    f"'[' at column {tok.col}: square brackets can only wrap the whole mapping, "
                    "as in [u, v]; group with ( ) and there is no indexing",
                    tok.col,
                )
            self.advance()
            self.enter()
            if self.tok.kind == "RPAREN":
                raise MappingError(f"empty parentheses at column {tok.col}", tok.col)
            inner = self.parse_expression()
            if self.tok.kind == "COMMA":
                if not top:
                    raise MappingError(
                        f"unexpected ',' at column {self.tok.col}: a pair (u, v) can only be "
                        "the whole mapping",
                        self.tok.col,
                    )
                self.advance()
                second = self.parse_expression()
                if self.tok.kind == "COMMA":
                    raise MappingError(
                        "expected two components u, v separated by a comma, but found 3 or more",
                        tok.col,
                    )
                self.close(tok)
                self.leave()
                return Pair(tok.col, inner, second)
            self.close(tok)
            self.leave()
            return inner
        if tok.kind == "OP" and tok.text in "+-":
            raise MappingError(f"two signs in a row at column {tok.col}", tok.col)
        if tok.kind == "ARROW":
            raise MappingError(
                f"'->' at column {tok.col} is only allowed after the variables, as in (r, t) -> ...",
                tok.col,
            )
        if tok.kind == "EQUALS":
            raise _bad_character(self.text, tok.col - 1)
        raise self.unexpected(tok, "a number, a name or '('")

    def close(self, opener: Token) -> None:
        tok = self.tok
        want = ")" if opener.text == "(" else "]"
        if tok.kind == "RPAREN":
            if tok.text != want:
                raise MappingError(
                    f"'{opener.text}' at column {opener.col} is closed by '{tok.text}' at column {tok.col}",
                    tok.col,
                )
            self.advance()
            return
        if tok.kind == "END":
            raise MappingError(f"'{opener.text}' at column {opener.col} is never closed", opener.col)
        raise self.unexpected(tok, f"'{want}' to close '{opener.text}' at column {opener.col}")

    def parse_name(self) -> Node:
        tok = self.advance()
        word = canonical = tok.text
        canonical = ALIASES.get(word, word)
        nxt = self.tok
        if canonical in ALL_FUNCTIONS:
            power = None
            if nxt.kind == "OP" and nxt.text == "^" and self.peek().kind in ("NUM", "OP"):
                # sin^2(x) means sin(x)^2, as in textbooks; sin^-1 is refused as ambiguous.
                exp_tok = self.peek()
                if exp_tok.kind == "OP" or exp_tok.value[1] != 1:  # type: ignore[index]
                    raise MappingError(
                        f"write a{canonical}(x) for the inverse, or ({word}(x))^n for a power "
                        f"(column {tok.col})",
                        tok.col,
                    )
                self.advance()
                self.advance()
                power = exp_tok.value[0]  # type: ignore[index]
                nxt = self.tok
            elif nxt.kind == "SUP":
                if int(nxt.value) < 0:  # type: ignore[call-overload]
                    raise MappingError(
                        f"write a{canonical}(x) for the inverse, not {word}⁻¹(x) (column {tok.col})",
                        tok.col,
                    )
                power = int(nxt.value)  # type: ignore[call-overload]
                self.advance()
                nxt = self.tok
            if nxt.kind != "LPAREN":
                if nxt.kind in ("NUM", "NAME"):
                    raise MappingError(
                        f"write {word}({nxt.text}), not {word} {nxt.text} (column {tok.col})", tok.col
                    )
                raise MappingError(
                    f"'{word}' at column {tok.col} is a function: write {word}(...)", tok.col
                )
            args = self.parse_args()
            return NameCall(tok.col, word, args, power)
        if nxt.kind == "LPAREN":
            args = self.parse_args()
            return NameCall(tok.col, word, args, None)
        return Name(tok.col, word)

    def parse_args(self) -> tuple[Node, ...]:
        opener = self.advance()
        if opener.text == "[":
            raise MappingError(
                f"'[' at column {opener.col}: square brackets can only wrap the whole mapping, "
                "as in [u, v]; write f(x) for a function, and there is no indexing",
                opener.col,
            )
        self.enter()
        if self.tok.kind == "RPAREN":
            raise MappingError(f"empty parentheses at column {opener.col}", opener.col)
        args = [self.parse_expression()]
        while self.tok.kind == "COMMA":
            self.advance()
            args.append(self.parse_expression())
        self.close(opener)
        self.leave()
        return tuple(args)


def _ends_with_number(node: Node) -> bool:
    """True if the text of ``node`` ends with a bare number (so ``2 3`` is caught)."""
    while isinstance(node, BinOp) and node.op == "*":
        node = node.right
    return isinstance(node, Num)


# ---------------------------------------------------------------------------------------
# Resolving names


class _Resolver:
    """Turns raw names into variables, constants, products and parameters for one stage."""

    def __init__(self, variables: tuple[str, str], complex_form: bool, complex_name: str,
                 parameters: list[str]) -> None:
        self.complex_form = complex_form
        names = set(variables) | set(CONSTANTS)
        if complex_form:
            names |= {complex_name, *IMAGINARY_UNITS}
        self.known = names
        self.variables = variables
        self.complex_name = complex_name
        self.parameters = parameters  # shared across stages, in order of first use

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
        _check_new_name(word, col, what="parameter")
        if word not in self.parameters:
            if len(self.parameters) >= MAX_PARAMETERS:
                raise MappingError(
                    f"too many parameters: '{word}' at column {col} would be number "
                    f"{MAX_PARAMETERS + 1} (the limit is {MAX_PARAMETERS})",
                    col,
                )
            self.parameters.append(word)
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
        elif _VALID_NAME.match(word) and not keyword.iskeyword(word):
            hint = f"to multiply by the parameter {word}, write {word}*(...)"
        else:
            hint = "see the list of functions in Help"
        raise MappingError(f"unknown function '{word}' at column {col}; {hint}", col)


def parse(text: str, variables: tuple[str, str] | list[str] | None = None, *,
          default_variables: tuple[str, str] | list[str] | None = None) -> ParsedMapping:
    """Parse and check a mapping typed by a user.

    ``variables`` comes from outside the text (``--vars``); a head in the text such as
    ``(r, t) -> ...`` names them too, and the two must agree. ``default_variables`` is
    weaker: it names the variables only when the text has no head of its own (the window
    uses it to keep a preset's r, t while the user edits the formula).
    Raises :class:`MappingError` with a column for anything that is not a mapping.
    """
    if not isinstance(text, str):
        raise MappingError("the mapping must be text")
    if len(text) > MAX_LENGTH:
        raise MappingError(
            f"the mapping is too long ({len(text)} characters; the limit is {MAX_LENGTH})"
        )
    outside = check_variable_names(tuple(variables)) if variables is not None else None
    fallback = (
        check_variable_names(tuple(default_variables), "the variables")
        if default_variables is not None else None
    )
    tokens = tokenize(text)
    parser = _Parser(text, tokens)
    head, head_col = parser.parse_head()
    complex_name = COMPLEX_NAME
    names: tuple[str, str] = outside or fallback or DEFAULT_VARIABLES
    if head is not None:
        for name in head:
            _check_new_name(name, head_col, what="variable")
        if len(head) == 2:
            if head[0] == head[1]:
                raise MappingError(
                    f"the two variables need different names (column {head_col})", head_col
                )
            if outside is not None and tuple(head) != outside:
                raise MappingError(
                    f"the mapping names its variables ({head[0]}, {head[1]}) but the variables "
                    f"given are ({outside[0]}, {outside[1]})",
                    head_col,
                )
            names = (head[0], head[1])
        else:
            complex_name = head[0]
            if complex_name in names:
                raise MappingError(
                    f"'{complex_name}' at column {head_col} is already a real variable; "
                    "name the complex variable differently",
                    head_col,
                )
    if complex_name in names:
        complex_name = "w" if "w" not in names else "zeta"

    raw_stages = [parser.parse_stage()]
    while parser.tok.kind == "SEMI":
        semi = parser.advance()
        if len(raw_stages) >= MAX_STAGES:
            raise MappingError(
                f"a chain has at most {MAX_STAGES} stages; the stage at column {semi.col} is one too many",
                semi.col,
            )
        raw_stages.append(parser.parse_stage())
    if parser.tok.kind != "END":
        tok = parser.tok
        if tok.kind == "RPAREN":
            raise MappingError(f"unmatched '{tok.text}' at column {tok.col}", tok.col)
        raise parser.unexpected(tok, "an operator, ',' or the end of the mapping")

    if head is not None and len(head) == 1 and not raw_stages[0].is_complex:
        raise MappingError(
            f"the head names one complex variable '{head[0]}', but the mapping has two components "
            "u, v; name two real variables instead, as in (x, y) -> u, v or F(x, y) = u, v",
            head_col,
        )

    parameters: list[str] = []
    stages = []
    for raw in raw_stages:
        resolver = _Resolver(names, raw.is_complex, complex_name, parameters)
        if raw.is_complex:
            assert raw.f is not None
            stages.append(Stage(None, None, resolver.resolve(raw.f)))
        else:
            assert raw.u is not None and raw.v is not None
            stages.append(Stage(resolver.resolve(raw.u), resolver.resolve(raw.v), None))
    return ParsedMapping(text, names, tuple(stages), tuple(parameters), complex_name)


def validate(text: str, variables: tuple[str, str] | None = None, *,
             default_variables: tuple[str, str] | None = None) -> MappingError | None:
    """Return the first error in ``text``, or None. Cheap: no sympy is involved."""
    try:
        parse(text, variables, default_variables=default_variables)
    except MappingError as err:
        return err
    return None


def parameter_values(parameters: tuple[str, ...], given: dict[str, float]) -> dict[str, float]:
    """Every parameter at its default value 1, overridden by ``given``; unknown names are errors."""
    out = {name: 1.0 for name in parameters}
    for name, value in given.items():
        if name not in out:
            known = ", ".join(parameters) or "none"
            raise MappingError(f"unknown parameter '{name}' (this mapping's parameters: {known})")
        out[name] = float(value)
    return out
