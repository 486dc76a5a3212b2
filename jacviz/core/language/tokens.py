"""The tokenizer: text split into tokens, refusing every character that has no place in a formula."""

from __future__ import annotations

import keyword
import unicodedata
from dataclasses import dataclass

from jacviz.core.errors import MappingError
from jacviz.core.language.vocabulary import (
    ARROWS,
    ASCII_DIGITS,
    MAX_DIGITS,
    MAX_EXPONENT_DIGITS,
    MAX_NAME_LENGTH,
    MINUS_SIGNS,
    MULTIPLY_SIGNS,
    NAME_REST,
    NUMBER,
    SUPERSCRIPTS,
    is_name_start,
)


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
        if ch.isdigit() and not ch.isascii() and ch not in SUPERSCRIPTS:
            raise MappingError(f"the digit '{ch}' at column {col} is not allowed; use 0-9", col)
        if ch in ASCII_DIGITS or (ch == "." and i + 1 < n and text[i + 1] in ASCII_DIGITS):
            if ch == "." and i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_)]"):
                # x.5 is not "x times 0.5": it looks like attribute access, and it is refused
                raise MappingError(
                    f"'.' at column {col} is not allowed here: write 0.5x or x*0.5, and there are no "
                    "attributes",
                    col,
                )
            m = NUMBER.match(text, i)
            assert m is not None
            tokens.append(_number_token(m.group(), col))
            i = m.end()
            if i < n and text[i] == "." and not (i + 1 < n and text[i + 1] in ASCII_DIGITS):
                raise MappingError(f"unexpected '.' at column {i + 1}", i + 1)
            word_follows = i + 1 < n and (text[i + 1].isalnum() or text[i + 1] == "_")
            if i < n and text[i] in "jJ" and not word_follows:
                # 1j is Python's imaginary literal; here it would silently be 1 times a parameter j
                raise MappingError(
                    f"'{m.group()}{text[i]}' at column {col}: write i for the imaginary unit "
                    "(in complex form, one expression in z such as z + 2i)",
                    col,
                )
            continue
        if is_name_start(ch):
            m = NAME_REST.match(text, i + 1)
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
        elif ch in ARROWS:
            tokens.append(Token("ARROW", "->", col))
            i += 1
        elif ch in "+-" or ch in MINUS_SIGNS:
            tokens.append(Token("OP", "+" if ch == "+" else "-", col))
            i += 1
        elif ch == "*" or ch in MULTIPLY_SIGNS:
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
        elif ch in SUPERSCRIPTS or ch == "⁻":
            j = i + (1 if ch == "⁻" else 0)
            digits = ""
            while j < n and text[j] in SUPERSCRIPTS and len(digits) < 3:
                digits += str(SUPERSCRIPTS[text[j]])
                j += 1
            if not digits:
                raise MappingError(f"'⁻' at column {col} must be followed by a superscript digit", col)
            power = int(digits) * (-1 if ch == "⁻" else 1)
            tokens.append(Token("SUP", text[i:j], col, power))
            i = j
        else:
            raise bad_character(text, i)
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


def bad_character(text: str, i: int) -> MappingError:
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
