"""have_libhdfs: whether Hadoop's C client library (and the JVM it runs on) can be loaded.

arrowio reaches HDFS through fsspec, whose HDFS filesystem is PyArrow's libhdfs binding: the
answer says whether ``hdfs://`` URLs can work here. The search follows Arrow's: the folder in
``ARROW_LIBHDFS_DIR``, then ``$HADOOP_HOME/lib/native``, then the loader's own path; the JVM
from ``JAVA_HOME`` (``lib/server``), then the loader's path.
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["have_libhdfs"]


def _loads(candidates: list[str]) -> bool:
    for candidate in candidates:
        try:
            ctypes.CDLL(candidate)
        except OSError:
            continue
        return True
    return False


def _in(folder: str | None, name: str) -> list[str]:
    return [os.path.join(folder, name)] if folder else []


def have_libhdfs() -> bool:
    """Whether libhdfs and libjvm both load in this process."""
    java_home = os.environ.get("JAVA_HOME")
    jvm = _in(java_home and os.path.join(java_home, "lib", "server"), "libjvm.so") + ["libjvm.so"]
    hadoop_home = os.environ.get("HADOOP_HOME")
    hdfs = (
        _in(os.environ.get("ARROW_LIBHDFS_DIR"), "libhdfs.so")
        + _in(hadoop_home and os.path.join(hadoop_home, "lib", "native"), "libhdfs.so")
        + ["libhdfs.so"]
    )
    return _loads(jvm) and _loads(hdfs)
