"""Numeric mappings: F and its Jacobian on arrays of points, without sympy.

:mod:`.program` is the exec-free instruction set, :mod:`.compiled` a mapping compiled into
programs, :mod:`.chain` a chain of compiled stages and :mod:`.morph` the homotopy from the
identity to F.
"""
