"""``NamedTuple`` class syntax without importing :mod:`typing` when the program runs.

``typing`` costs about 2 ms to import, and ``typing.NamedTuple`` turns each string annotation
(``from __future__ import annotations``) into a ``ForwardRef``, whose ``compile()`` call sets up
the interpreter's AST types the first time: about 1 ms more. ``arrowio cat small.gz`` needs a
few records (the format table, an opened raw stream) and neither cost. Type checkers see
``typing.NamedTuple`` itself; at run time :data:`NamedTuple` builds the same
``collections.namedtuple`` class that ``typing`` builds, with the annotations kept as written.
Only the class syntax is supported: ``class Point(NamedTuple): x: int; y: int = 0``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    from collections import namedtuple

    # What a NamedTuple class body may not define, as typing refuses it: namedtuple's own members.
    _PROHIBITED = frozenset(
        {
            "__new__",
            "__init__",
            "__slots__",
            "__getnewargs__",
            "_fields",
            "_field_defaults",
            "_make",
            "_replace",
            "_asdict",
            "_source",
        }
    )
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

    class _RecordMeta(type):
        """Makes each ``class X(NamedTuple)`` the ``collections.namedtuple`` of its annotated
        fields, in order, with the defaults given, then adds the body's methods and docstring."""

        def __new__(mcs, typename, bases, ns):
            if bases != (_Record,):
                raise TypeError("a NamedTuple class can only inherit from NamedTuple")
            annotations = ns.get("__annotations__", {})
            defaults = []
            for name in annotations:
                if name in ns:
                    defaults.append(name)
                elif defaults:
                    plural = "s" if len(defaults) > 1 else ""
                    raise TypeError(
                        f"Non-default namedtuple field {name} cannot follow default field{plural} {', '.join(defaults)}"
                    )
            record = namedtuple(
                typename, list(annotations), defaults=[ns[n] for n in defaults], module=ns["__module__"]
            )
            record.__annotations__ = record.__new__.__annotations__ = dict(annotations)
            for key, value in ns.items():
                if key in _PROHIBITED:
                    raise AttributeError("Cannot overwrite NamedTuple attribute " + key)
                if key not in _SPECIAL and key not in record._fields:
                    setattr(record, key, value)
            return record

    _Record = type.__new__(_RecordMeta, "NamedTuple", (), {})

    def NamedTuple(*args, **kwargs):
        """Only the class syntax is supported (see the module's docstring)."""
        raise TypeError("arrowio._records.NamedTuple supports only the class syntax")

    # ``class X(NamedTuple)`` derives from _Record instead, whose metaclass makes the namedtuple.
    NamedTuple.__mro_entries__ = lambda bases: (_Record,)
