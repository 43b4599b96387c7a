"""HdfsFile: a RemoteFile on HDFS, and ``HdfsFile.connect`` for a connection to one cluster.

Both go through fsspec's HDFS implementations: ``hdfs://namenode:8020/path`` through pyarrow's
libhdfs binding (needs pyarrow, a JVM and ``HADOOP_HOME``/``CLASSPATH`` set up as Hadoop's
docs say), ``webhdfs://namenode:9870/path`` over HTTP (needs ``requests``; Kerberos needs
``requests-kerberos``). Writes go to a hidden temporary file beside the target (webhdfs: in
the temporary folder) that is renamed over it on a successful close.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import ArrowInvalid
from ._remote_fs import HDFS_SCHEMES, _import_fsspec, collect_secrets, redact, scheme_of, translated
from .remote import RemoteFile

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["HDFS_SCHEMES", "HdfsClient", "HdfsFile"]


class HdfsFile(RemoteFile):
    """A :class:`RemoteFile` on HDFS: ``HdfsFile('hdfs://namenode:8020/data/x.parquet')``, or a
    path of a connection (``HdfsFile.connect(...).open(path)``). Same arguments as RemoteFile."""

    def __init__(self, url: str, mode: str = "rb", **kwargs: Any) -> None:
        if kwargs.get("filesystem") is None and scheme_of(url) not in HDFS_SCHEMES:
            raise ArrowInvalid(f"HdfsFile needs an hdfs:// or webhdfs:// URL, got {redact(url)!r}")
        super().__init__(url, mode, **kwargs)

    @staticmethod
    def connect(
        host: str = "default",
        port: int = 0,
        user: str | None = None,
        kerb_ticket: str | None = None,
        extra_conf: Mapping[str, str] | None = None,
        *,
        webhdfs: bool = False,
        **storage_options: Any,
    ) -> HdfsClient:
        """A connection to the cluster whose name node is ``host:port``.

        ``host='default'``/``port=0`` take the name node from the Hadoop configuration (libhdfs).
        ``webhdfs=True`` talks WebHDFS instead (``port`` 0 means 9870); other keyword arguments go
        to fsspec's ``WebHDFS`` (``kerberos``, ``token``, ``password``, ``use_https``, ...) or
        ``HadoopFileSystem`` (``replication``).
        """
        fsspec = _import_fsspec()
        options = dict(storage_options)
        if webhdfs:
            protocol, options = "webhdfs", {"host": host, "port": port or 9870, "user": user, **options}
            if kerb_ticket is not None:
                options.setdefault("kerberos", True)
        else:
            protocol = "hdfs"
            options = {
                "host": host,
                "port": port,
                "user": user,
                "kerb_ticket": kerb_ticket,
                "extra_conf": dict(extra_conf or {}),
                **options,
            }
        shown = f"{protocol}://{host}:{port}"
        with translated(shown, collect_secrets(shown, options)):
            return HdfsClient(fsspec.filesystem(protocol, **options))


class HdfsClient:
    """A connection to one HDFS cluster (from :meth:`HdfsFile.connect`): open files, list, manage paths.

    Paths are absolute paths on the cluster (``/user/me/data.csv``).
    """

    def __init__(self, filesystem: Any) -> None:
        self.filesystem = filesystem
        self._secrets = collect_secrets("", getattr(filesystem, "storage_options", None))

    def _translated(self, path: str) -> Any:
        return translated(redact(str(path), self._secrets), self._secrets)

    def open(self, path: str, mode: str = "rb", **kwargs: Any) -> HdfsFile:
        """An :class:`HdfsFile` for ``path`` (``'rb'`` or ``'wb'``; keyword arguments as for RemoteFile)."""
        return HdfsFile(path, mode, filesystem=self.filesystem, **kwargs)

    def open_input_file(self, path: str) -> HdfsFile:
        return self.open(path, "rb")

    def open_output_stream(self, path: str) -> HdfsFile:
        return self.open(path, "wb")

    def ls(self, path: str, detail: bool = False) -> list[Any]:
        """The entries of a folder: their paths, or their info dicts with ``detail=True``."""
        with self._translated(path):
            return self.filesystem.ls(path, detail=detail)

    def info(self, path: str) -> dict[str, Any]:
        """``name``, ``size``, ``type`` (``'file'``/``'directory'``) and what else the cluster reports."""
        with self._translated(path):
            return self.filesystem.info(path)

    def exists(self, path: str) -> bool:
        with self._translated(path):
            return self.filesystem.exists(path)

    def isdir(self, path: str) -> bool:
        with self._translated(path):
            return self.filesystem.isdir(path)

    def isfile(self, path: str) -> bool:
        with self._translated(path):
            return self.filesystem.isfile(path)

    def mkdir(self, path: str) -> None:
        """Create ``path`` and its missing parents."""
        with self._translated(path):
            self.filesystem.makedirs(path, exist_ok=True)

    def delete(self, path: str, recursive: bool = False) -> None:
        """Remove a file, or a folder (with what is in it when ``recursive``)."""
        with self._translated(path):
            self.filesystem.rm(path, recursive=recursive)

    def rename(self, source: str, destination: str) -> None:
        with self._translated(source):
            self.filesystem.mv(source, destination)

    def download(self, path: str, stream: Any) -> None:
        """Copy the file at ``path`` into a writable Python stream."""
        with self.open(path) as f:
            f.download(stream)

    def upload(self, path: str, stream: Any) -> None:
        """Write everything read from a Python stream to ``path`` (visible once complete)."""
        with self.open(path, "wb") as f:
            f.upload(stream)
