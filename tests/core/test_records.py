"""arrowio._records.NamedTuple: the class syntax of typing.NamedTuple, building the same class
without importing typing (and without typing's compile() of each string annotation)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import typing

import pytest

from arrowio._records import NamedTuple


class Point(NamedTuple):
    """A point."""

    x: int
    y: int | None = None

    @property
    def doubled(self) -> int:
        return 2 * self.x

    def moved(self, dx: int) -> Point:
        return self._replace(x=self.x + dx)


class TypingPoint(typing.NamedTuple):
    """A point."""

    x: int
    y: int | None = None

    @property
    def doubled(self) -> int:
        return 2 * self.x

    def moved(self, dx: int) -> TypingPoint:
        return self._replace(x=self.x + dx)


@pytest.mark.parametrize("cls", [Point, TypingPoint])
def test_the_same_class_as_typing_builds(cls):
    p = cls(1)
    assert p == (1, None) and isinstance(p, tuple) and p.x == 1 and p.y is None
    assert repr(p) == f"{cls.__name__}(x=1, y=None)"
    assert cls._fields == ("x", "y") and cls._field_defaults == {"y": None}
    assert p.doubled == 2 and p.moved(2) == cls(3) and type(p.moved(2)) is cls
    assert p._asdict() == {"x": 1, "y": None} and cls._make([4, 5]) == cls(4, 5)
    assert cls.__doc__ == "A point." and cls.__module__ == __name__ and cls.__qualname__ == cls.__name__
    assert cls.__mro__ == (cls, tuple, object)
    assert typing.get_type_hints(cls) == {"x": int, "y": int | None}
    assert pickle.loads(pickle.dumps(cls(7, 8))) == cls(7, 8)
    with pytest.raises(AttributeError):
        p.x = 2


def test_the_annotations_stay_as_written():
    assert Point.__annotations__ == {"x": "int", "y": "int | None"}


def test_a_field_without_default_cannot_follow_one_with():
    with pytest.raises(TypeError, match="Non-default namedtuple field b cannot follow default field a"):

        class Bad(NamedTuple):
            a: int = 0
            b: int


def test_namedtuple_members_cannot_be_redefined():
    with pytest.raises(AttributeError, match="Cannot overwrite NamedTuple attribute _replace"):

        class Bad(NamedTuple):
            a: int

            def _replace(self) -> None: ...


def test_only_the_class_syntax():
    with pytest.raises(TypeError, match="only the class syntax"):
        NamedTuple("P", [("x", int)])


def test_defining_a_record_does_not_import_typing():
    code = (
        "import sys\nfrom arrowio._records import NamedTuple\n"
        "class P(NamedTuple):\n    x: int\n    y: str = ''\n"
        "assert P(1) == (1, '') and 'typing' not in sys.modules, sorted(sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
