"""Constants shared by the io tests (a module of its own: test modules cannot import a conftest)."""

#: An offset past 4 GiB, where 32-bit offsets would wrap.
BEYOND_4GIB = (4 << 30) + 12345
