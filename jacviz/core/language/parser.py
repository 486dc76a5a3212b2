"""The recursive-descent parser: tokens -> raw syntax tree -> checked :class:`ParsedMapping`.

See :mod:`jacviz.core.language` for the grammar.
"""

from __future__ import annotations

from jacviz.core.errors import MappingError
from jacviz.core.language.names import Resolver, check_new_name, check_variable_names
from jacviz.core.language.tokens import Token, bad_character, tokenize
from jacviz.core.language.tree import BinOp, Name, NameCall, Neg, Node, Num, Pair, ParsedMapping, Stage
from jacviz.core.language.vocabulary import (
    ALIASES,
    ALL_FUNCTIONS,
    COMPLEX_NAME,
    DEFAULT_VARIABLES,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    MAX_STAGES,
)


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
            check_new_name(name, head_col, what="variable")
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
    notes: list[str] = []
    for raw in raw_stages:
        resolver = Resolver(names, raw.is_complex, complex_name, parameters)
        if raw.is_complex:
            assert raw.f is not None
            stages.append(Stage(None, None, resolver.resolve(raw.f)))
        else:
            assert raw.u is not None and raw.v is not None
            stages.append(Stage(resolver.resolve(raw.u), resolver.resolve(raw.v), None))
        notes.extend(n for n in resolver.notes if n not in notes)
    return ParsedMapping(text, names, tuple(stages), tuple(parameters), complex_name, tuple(notes))


def validate(text: str, variables: tuple[str, str] | None = None, *,
             default_variables: tuple[str, str] | None = None) -> MappingError | None:
    """Return the first error in ``text``, or None. Cheap: no sympy is involved."""
    try:
        parse(text, variables, default_variables=default_variables)
    except MappingError as err:
        return err
    return None
