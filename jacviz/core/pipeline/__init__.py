"""The pipeline: text -> checked tree -> compiled numeric mapping -> scene.

:mod:`.prepare` is the one way from text to a :class:`~.prepared.Prepared` mapping (through
the disk :mod:`.cache` and the killable sympy :mod:`.worker`), :mod:`.formulas` asks the
worker for simplified formulas, and :mod:`.scene` samples what the two views draw.
"""
