"""The recursive-descent parser: tokens -> raw syntax tree -> checked :class:`ParsedMapping`.

See :mod:`jacviz.core.language` for the grammar.
"""

from __future__ import annotations

from typing import NamedTuple

from jacviz.core.errors import MappingError
from jacviz.core.language.names import Resolver, check_new_name, check_variable_names
from jacviz.core.language.shapes import SUPPORTED, supported
from jacviz.core.language.tokens import Token, bad_character, tokenize
from jacviz.core.language.tree import (
    BinOp,
    Call,
    Const,
    Name,
    NameCall,
    Neg,
    Node,
    Num,
    Pair,
    ParsedMapping,
    Stage,
    Var,
)
from jacviz.core.language.vocabulary import (
    ALIASES,
    ALL_FUNCTIONS,
    COMPLEX_NAME,
    COMPLEX_ONLY_FUNCTIONS,
    DEFAULT_VARIABLES,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    MAX_STAGES,
    SPACE_VARIABLES,
)


class _RawStage(NamedTuple):
    """A stage before its names are resolved: two or more components, or one expression."""

    components: tuple[Node, ...]
    expression: Node | None
    col: int

    @property
    def width(self) -> int:
        return len(self.components) or 1


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
            return bad_character(self.text, tok.col - 1)
        if tok.kind == "END":
            return MappingError(f"the mapping ends too early: expected {expected}", tok.col)
        if tok.kind == "RPAREN":
            return MappingError(f"unexpected '{tok.text}' at column {tok.col}: expected {expected}", tok.col)
        return MappingError(f"unexpected {self.describe(tok)}: expected {expected}", tok.col)

    # -- head
    def _names(self, j: int) -> tuple[list[str], int] | None:
        """NAME (',' NAME)* starting at token ``j``: the names and the next position, or None."""
        t = self.tokens
        names: list[str] = []
        while True:
            if j >= len(t) or t[j].kind != "NAME":
                return None
            names.append(t[j].text)
            j += 1
            if j < len(t) and t[j].kind == "COMMA":
                j += 1
                continue
            return names, j

    def _kind(self, j: int) -> str:
        return self.tokens[min(j, len(self.tokens) - 1)].kind

    def parse_head(self) -> tuple[tuple[str, ...] | None, int]:
        """Recognise an optional head and return (names, column), or (None, 0).

        ``(a, b) ->``, ``a, b ->``, ``F(a, b) =`` with one to three names (more are caught
        later with their own message); one name, as in ``z ->`` or ``f(z) =``, names the
        complex variable before one expression and the curve's parameter before several.
        """
        p = self.pos
        # (a[, b[, c]]) ->
        if self._kind(p) == "LPAREN" and self.tokens[p].text == "(":
            found = self._names(p + 1)
            if found and self._kind(found[1]) == "RPAREN" and self._kind(found[1] + 1) == "ARROW":
                self.pos = found[1] + 2
                return tuple(found[0]), self.tokens[p + 1].col
        # a[, b[, c]] ->
        found = self._names(p)
        if found and self._kind(found[1]) == "ARROW":
            self.pos = found[1] + 1
            return tuple(found[0]), self.tokens[p].col
        # F(a[, b[, c]]) =
        if self._kind(p) == "NAME" and self._kind(p + 1) == "LPAREN" and self.tokens[p + 1].text == "(":
            found = self._names(p + 2)
            if found and self._kind(found[1]) == "RPAREN" and self._kind(found[1] + 1) == "EQUALS":
                self.pos = found[1] + 2
                return tuple(found[0]), self.tokens[p + 2].col
        return None, 0

    # -- body
    def parse_stage(self) -> _RawStage:
        """One stage, raw: its components (two or more), or one expression as ``f``."""
        start = self.tok
        if start.kind in ("SEMI", "END"):
            if start.kind == "END" and self.pos == 0:
                raise MappingError(
                    "the mapping is empty: type two components u, v such as x^2 - y^2, 2xy, "
                    "one complex expression such as z^2, or one real expression such as x^2 + y^2"
                )
            raise MappingError(f"a stage is empty at column {start.col}", start.col)
        first = self.parse_expression(top=True)
        if isinstance(first, Pair):
            if self.tok.kind not in ("SEMI", "END"):
                raise self.unexpected(self.tok, "';' or the end after the components in brackets")
            return _RawStage(first.items, None, start.col)
        if self.tok.kind != "COMMA":
            return _RawStage((), first, start.col)
        items = [first]
        while self.tok.kind == "COMMA":
            self.advance()
            if self.tok.kind in ("SEMI", "END"):
                if len(items) == 1:
                    raise MappingError(
                        "expected two components u, v separated by a comma; "
                        f"the second one is missing at column {self.tok.col}",
                        self.tok.col,
                    )
                raise MappingError(f"a component is missing after the last comma, at column {self.tok.col}",
                                   self.tok.col)
            items.append(self.parse_expression())
        return _RawStage(tuple(items), None, start.col)

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
                items = [inner]
                while self.tok.kind == "COMMA":
                    self.advance()
                    items.append(self.parse_expression())
                self.close(tok)
                self.leave()
                return Pair(tok.col, tuple(items))
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
            raise bad_character(self.text, tok.col - 1)
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


def _mentions(node: Node, variable: str | None = None, unit: bool = False) -> bool:
    """True when a resolved tree uses ``variable`` (a Var) or, with ``unit``, something complex.

    Something complex is the imaginary unit or a function that exists only in complex form
    (re, im, conj, arg): ``re(0) + 1`` can only mean complex form.
    """
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, Var) and cur.name == variable:
            return True
        if unit and isinstance(cur, Const) and cur.name == "i":
            return True
        if unit and isinstance(cur, Call) and cur.function in COMPLEX_ONLY_FUNCTIONS:
            return True
        if isinstance(cur, Neg):
            stack.append(cur.operand)
        elif isinstance(cur, BinOp):
            stack.extend((cur.left, cur.right))
        elif isinstance(cur, Call):
            stack.extend(cur.args)
    return False


def _uses_name(raw: list[Node], names: tuple[str, ...], name: str) -> bool:
    """Whether the raw components, read with the real variables ``names``, use ``name``.

    A trial resolution on a scratch list of parameters; one that fails says no (the real
    resolution that follows reports the error).
    """
    resolver = Resolver(names, False, COMPLEX_NAME, [])
    try:
        return any(_mentions(resolver.resolve(node), name) for node in raw)
    except MappingError:
        return False


def _fits(count: int, width: int) -> bool:
    """Whether ``count`` variables with ``width`` components is a shape jacviz draws."""
    return supported(count, width) or (count == 2 and width == 1)


def _unsupported(count: int, width: int, col: int) -> MappingError:
    variables = "1 variable" if count == 1 else f"{count} variables"
    components = "one expression" if width == 1 else f"{width} components"
    return MappingError(f"{components} of {variables} is not a shape jacviz draws; it draws {SUPPORTED}",
                        col or None)


def parse(text: str, variables: tuple[str, ...] | list[str] | None = None, *,
          default_variables: tuple[str, ...] | list[str] | None = None) -> ParsedMapping:
    """Parse and check a mapping typed by a user.

    ``variables`` comes from outside the text (``--vars``, one to three names); a head in the
    text such as ``(r, t) -> ...`` names them too, and the two must agree.
    ``default_variables`` is weaker: it names the variables only when the text has no head
    of its own and their number fits the components (the window uses it to keep a preset's
    r, t while the user edits the formula).

    The shape (see :mod:`jacviz.core.language.shapes`) is decided from the number of
    components and of variables:

    * one expression of two variables is complex form w = f(z) when it uses the complex
      variable (z, or the name a one-name head such as ``w ->`` gives), the imaginary unit
      i or a function of complex form only (re, im, conj, arg), or when a one-name head
      names the complex variable; otherwise it is a scalar field f(x, y);
    * two components of two variables are the real form (u, v); of one variable, a curve;
    * three components of one variable are a curve in space, of two a surface, of three a
      map of space. Without a head or ``--vars``, three components that use z are a map of
      (x, y, z), with z a real variable; three components without z are a surface over (x, y).
    * a chain ``S1; S2`` maps the plane to the plane at every stage.

    Raises :class:`MappingError` with a column for anything that is not a mapping.
    """
    if not isinstance(text, str):
        raise MappingError("the mapping must be text")
    if len(text) > MAX_LENGTH:
        raise MappingError(
            f"the mapping is too long ({len(text)} characters; the limit is {MAX_LENGTH})"
        )
    outside = check_variable_names(tuple(variables), counts=(1, 2, 3)) if variables is not None else None
    fallback = (
        check_variable_names(tuple(default_variables), "the variables", counts=(1, 2, 3))
        if default_variables is not None else None
    )
    tokens = tokenize(text)
    parser = _Parser(text, tokens)
    head, head_col = parser.parse_head()
    if head is not None:
        for name in head:
            check_new_name(name, head_col, what="variable")
        if len(head) > 3:
            raise MappingError(
                f"{len(head)} variables at column {head_col}: jacviz draws mappings of one, two or "
                "three variables",
                head_col,
            )
        if len(set(head)) != len(head):
            which = "the two variables" if len(head) == 2 else "the variables"
            raise MappingError(f"{which} need different names (column {head_col})", head_col)

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

    chain = len(raw_stages) > 1
    width = raw_stages[0].width
    # A one-name head names the complex variable before one expression (z -> z^2, f(z) = ...)
    # and in a chain; before several components it is a curve's parameter: (t) -> cos(t), sin(t).
    complex_head = head is not None and len(head) == 1 and (chain or width == 1)
    complex_name = COMPLEX_NAME
    names: tuple[str, ...]
    if complex_head:
        assert head is not None
        if outside is not None and len(outside) != 2:
            raise MappingError(
                f"the head names the complex variable '{head[0]}', which needs two real variables "
                f"(got {len(outside)} names)",
                head_col,
            )
        names = outside or (fallback if fallback is not None and len(fallback) == 2 else DEFAULT_VARIABLES)
        complex_name = head[0]
        if complex_name in names:
            raise MappingError(
                f"'{complex_name}' at column {head_col} is already a real variable; "
                "name the complex variable differently",
                head_col,
            )
    elif head is not None:
        if outside is not None and tuple(head) != outside:
            raise MappingError(
                f"the mapping names its variables ({', '.join(head)}) but the variables "
                f"given are ({', '.join(outside)})",
                head_col,
            )
        names = tuple(head)
    elif outside is not None:
        names = outside
    elif fallback is not None and not chain and _fits(len(fallback), width):
        names = fallback
    elif fallback is not None and chain and len(fallback) == 2:
        names = fallback
    elif not chain and width == 3 and _uses_name(list(raw_stages[0].components), SPACE_VARIABLES, "z"):
        names = SPACE_VARIABLES  # x, y, z: z is a real variable here, not complex form
    else:
        names = DEFAULT_VARIABLES
    if complex_name in names:
        complex_name = "w" if "w" not in names else "zeta"

    if chain:
        if len(names) != 2:
            raise MappingError(
                f"a chain of stages maps the plane to the plane, so it needs two variables "
                f"(got {len(names)})",
                head_col or None,
            )
        if complex_head and raw_stages[0].expression is None:
            raise MappingError(
                f"the head names one complex variable '{complex_name}', but the first stage has "
                "several components; name two real variables instead, as in (x, y) -> u, v",
                head_col,
            )
        for raw in raw_stages:
            if raw.width > 2:
                raise MappingError(
                    f"the stage at column {raw.col} has {raw.width} components; every stage of a chain "
                    "has two components u, v or is one complex expression in z",
                    raw.col,
                )
    elif not complex_head and not _fits(len(names), width):
        raise _unsupported(len(names), width, raw_stages[0].col)

    parameters: list[str] = []
    stages = []
    notes: list[str] = []
    for raw in raw_stages:
        if raw.expression is not None:
            resolver = Resolver(names, True, complex_name, parameters)
            node = resolver.resolve(raw.expression)
            if complex_head or _mentions(node, complex_name, unit=True):
                stages.append(Stage((), node))
                notes.extend(n for n in resolver.notes if n not in notes)
                continue
            if chain:
                raise MappingError(
                    f"the stage at column {raw.col} is one real expression (a scalar field); every stage "
                    f"of a chain has two components u, v or is one complex expression in {complex_name}",
                    raw.col,
                )
            # No z and no i: a scalar field, resolved again in real form (re(x) is refused there)
            del parameters[:]
            resolver = Resolver(names, False, complex_name, parameters)
            stages.append(Stage((resolver.resolve(raw.expression),)))
        else:
            resolver = Resolver(names, False, complex_name, parameters)
            stages.append(Stage(tuple(resolver.resolve(c) for c in raw.components)))
        notes.extend(n for n in resolver.notes if n not in notes)
    return ParsedMapping(text, names, tuple(stages), tuple(parameters), complex_name, tuple(notes))


def validate(text: str, variables: tuple[str, ...] | None = None, *,
             default_variables: tuple[str, ...] | None = None) -> MappingError | None:
    """Return the first error in ``text``, or None. Cheap: no sympy is involved."""
    try:
        parse(text, variables, default_variables=default_variables)
    except MappingError as err:
        return err
    return None
