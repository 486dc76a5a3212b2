"""What the mapping language knows: its limits, functions, constants and the characters it reads.

Every limit that bounds the work (length, nodes, depth, digits) lives here, so that a
hostile text is refused before anything is computed.
"""

from __future__ import annotations

import re

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
SPACE_VARIABLES = ("x", "y", "z")  # three components that use z, with no head: a map of (x, y, z)
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

# ASCII digits only: re's \d also matches the Arabic-Indic and full-width digits, which made
# "1٠" read as 10 and "1e١٠" as 1e10 while "٣" alone was refused (tests/core/test_language.py).
NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
ASCII_DIGITS = "0123456789"
NAME_REST = re.compile(r"[A-Za-z0-9_\u0391-\u03a9\u03b1-\u03c9]*")
VALID_NAME = re.compile(r"[A-Za-z\u0391-\u03a9\u03b1-\u03c9][A-Za-z0-9_\u0391-\u03a9\u03b1-\u03c9]*\Z")
SUPERSCRIPTS = {"⁰": 0, "¹": 1, "²": 2, "³": 3, "⁴": 4, "⁵": 5, "⁶": 6, "⁷": 7, "⁸": 8, "⁹": 9}
MULTIPLY_SIGNS = "·×⋅∙∗"
MINUS_SIGNS = "−–"  # U+2212 minus and the en dash that word processors substitute
ARROWS = "→↦"


def is_name_start(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("\u0391" <= ch <= "\u03a9") or (
        "\u03b1" <= ch <= "\u03c9"
    )
