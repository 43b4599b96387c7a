"""Outputs that appear whole or not at all.

:func:`atomic_output` writes into a temporary file in the destination's folder (so the final
rename never crosses a file system), fsyncs it, copies permissions and times from the input,
and renames it into place. Every write is whole or an error: a short write (a file-size limit,
a disk filling up) is continued until the kernel refuses with an error, and before the fsync
the file's size must equal the bytes written into it. The disk takes the file while it is
written (:mod:`.writeback`), so the fsync waits only for its last few MiB. Any exception on
the way, Ctrl-C, SIGTERM and a full disk included, removes the temporary file and leaves the
destination as it was. Only a SIGKILL (or a crash) between creating and renaming leaves the temporary file behind.

An existing destination that is not a regular file (``/dev/null``, a FIFO, a device) is
written into directly, never replaced by a rename: it holds no content a rename could keep.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from .errors import CliError, OutputError, Terminated

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    from .writeback import Writeback

__all__ = ["atomic_output", "refuse_existing", "special_file", "sigterm_raises", "TEMP_SUFFIX"]

#: Temporary outputs are named ``.<name>.<random>.arrowio-tmp`` next to the destination.
TEMP_SUFFIX = ".arrowio-tmp"
_NAME_MAX = 255  # bytes in a file name: Linux's limit, and that of every file system it mounts


def special_file(path: str) -> os.stat_result | None:
    """The status of ``path`` when it exists and is not a regular file or a folder (a device, a
    FIFO, a socket), else None. Such an output is written into, never renamed over."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return None if stat.S_ISREG(status.st_mode) or stat.S_ISDIR(status.st_mode) else status


def _holds_nothing(status: os.stat_result | None) -> bool:
    """A character device (/dev/null) or a FIFO: writing into it overwrites nothing."""
    return status is not None and (stat.S_ISCHR(status.st_mode) or stat.S_ISFIFO(status.st_mode))


def refuse_existing(path: str, force: bool, storage_options: Mapping[str, Any] | None = None) -> None:
    """Fail early (before any work) when ``path`` exists and ``force`` is not set.

    A URL is asked of its store (``storage_options`` configure it); an object that appears there
    while we write is replaced, since object stores have no "create only if absent" in fsspec.
    A character device or a FIFO (``/dev/null``) needs no ``force``, as for ``zstd -o``.
    """
    if force:
        return
    from arrowio.io.urls import is_url

    if is_url(path):
        from arrowio.io.urls import redact_url, url_exists

        if url_exists(path, storage_options):
            raise CliError(f"{redact_url(path, storage_options)}: already exists (use -f to overwrite)")
    elif os.path.lexists(path) and not _holds_nothing(special_file(path)):
        raise CliError(f"{path}: already exists (use -f to overwrite)")


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (once), so the cleanup that Ctrl-C
    gets runs for it too; the previous handler comes back when the block ends. Only the main
    thread can take signals: elsewhere this does nothing."""
    import signal  # here, as threading: a command that writes no file never needs them
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the cleanup short
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


@contextmanager
def atomic_output(path: str, *, force: bool = False, like: str | None = None) -> Iterator[_TempFile]:
    """Yield a binary file whose content becomes ``path`` when the block ends without an exception.

    Closing the yielded file (as a stream wrapping it does) is harmless: it stays open until
    the block ends. Its ``write`` writes everything or raises; ``bytes_written`` counts what it
    took, and after the block ``path`` holds exactly that many bytes (checked before the fsync).

    ``force`` allows replacing an existing ``path``; without it an existing file is an error, also
    when it appears while we write. ``like`` names a file whose permission bits and times the
    output receives (as ``shutil.copystat`` copies them); without it the output gets ``0666 & ~umask``.
    An existing ``path`` that is not a regular file is written into directly (see the module).
    Errors of the output's own steps (creating, syncing, renaming) name ``path``.
    """
    refuse_existing(path, force)
    with sigterm_raises():
        if special_file(path) is not None:
            with _direct(path) as file:
                yield file
            return
        folder = os.path.dirname(os.path.abspath(path))
        try:
            fd, temp = _create_temp(folder, os.path.basename(path))
        except OSError as exc:  # name the destination, not the random temporary name
            raise OutputError.of(path, exc) from None
        try:
            file = _TempFile(fd, "wb")
            from .writeback import Writeback

            file.writeback = Writeback(fd)
            try:
                yield file
                _named(path, _check_size, fd, file.bytes_written)
                _named(path, os.fsync, fd)
            finally:
                file.release()
            if like is not None:
                _named(path, _copy_stat, like, temp)
            else:
                _named(path, os.chmod, temp, 0o666 & ~_umask())
            _named(path, _publish, temp, path, force)
            _fsync_folder(folder)
        except BaseException:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass
            raise


@contextmanager
def _direct(path: str) -> Iterator[_TempFile]:
    """``path`` (a device, a FIFO) opened for writing as it is: no O_CREAT (a name removed
    meanwhile is an error, not a new regular file), no rename."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise OutputError.of(path, exc) from None
    file = _TempFile(fd, "wb")
    try:
        yield file
    finally:
        file.release()


def _named(path: str, step: Any, *args: Any) -> Any:
    """Run one step of writing ``path``; an OSError becomes an error naming ``path``."""
    try:
        return step(*args)
    except OSError as exc:
        raise OutputError.of(path, exc) from None


class _TempFile(io.FileIO):
    """The temporary output. Streams that wrap it close it when they close; it must stay open
    until it is fsynced, so ``close`` only flushes and :meth:`release` really closes it.

    ``write`` writes all it is given or raises: ``io.FileIO.write`` returns the kernel's count,
    which under a file-size limit or on a filling disk is short (the error comes only on the
    next write), and a caller that ignores the count loses the rest silently.
    """

    bytes_written = 0
    writeback: Writeback | None = None  # a file to publish: written back to disk as it grows

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        size = len(view)
        done = 0
        while done < size:
            count = super().write(view[done:])
            if count is None:  # a non-blocking device or FIFO is full: wait until it takes more
                import select  # only a non-blocking output waits: most runs never import it

                select.select([], [self.fileno()], [])
                continue
            if count == 0:  # no error, no progress: never report such a write as done
                raise OSError(errno.EIO, "the output took no bytes (short write)")
            done += count
            self.bytes_written += count
        if self.writeback is not None:
            self.writeback.advance(self.bytes_written)
        return size

    def close(self) -> None:
        if not self.closed:
            self.flush()

    def release(self) -> None:
        super().close()


def _create_temp(folder: str, name: str) -> tuple[int, str]:
    """A new empty file ``.<name>.<random>.arrowio-tmp`` in ``folder``, made as
    ``tempfile.mkstemp`` makes one (mode 0600, never an existing name or a symlink's target) but
    without importing tempfile, which brings random, hashlib and shutil: 3-5 ms of every
    ``compress -o``."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    # A name may be up to NAME_MAX (255) bytes, the temporary one too: a long name is cut (its
    # bytes; a character cut in two stays as surrogate escapes) so that any output name fits.
    room = _NAME_MAX - len(f"..{'0' * 12}{TEMP_SUFFIX}")
    name = os.fsdecode(os.fsencode(name)[:room])
    for _ in range(100):  # 48 random bits: a clash is a stray file of that very name
        temp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}{TEMP_SUFFIX}")
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary name", folder)


def _copy_stat(source: str, target: str) -> None:
    """What ``shutil.copystat(source, target)`` does on Linux, without importing shutil: the
    access and modification times (to the nanosecond), the extended attributes (POSIX ACLs are
    among them) where both file systems have them, then the permission bits (last: they may
    take away the right to set the others)."""
    status = os.stat(source)
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    if hasattr(os, "listxattr"):
        _copy_xattrs(source, target)
    os.chmod(target, stat.S_IMODE(status.st_mode))


def _copy_xattrs(source: str, target: str) -> None:
    """Extended attributes, as shutil copies them: those a file system or our privileges refuse
    are skipped, any other error is raised."""
    try:
        names = os.listxattr(source)
    except OSError as exc:
        if exc.errno not in (errno.ENOTSUP, errno.ENODATA, errno.EINVAL):
            raise
        return
    for name in names:
        try:
            os.setxattr(target, name, os.getxattr(source, name))
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.ENODATA, errno.EINVAL):
                raise


def _check_size(fd: int, expected: int) -> None:
    """The temporary file must hold exactly the bytes written into it before it is published."""
    size = os.fstat(fd).st_size
    if size != expected:
        raise OSError(errno.EIO, f"holds {size} bytes after {expected} were written")


def _publish(temp: str, path: str, force: bool) -> None:
    if force:
        os.replace(temp, path)
        return
    # A hard link never replaces an existing name: the no-clobber check holds even against a
    # file created while we were writing.
    try:
        os.link(temp, path)
    except FileExistsError:
        raise CliError(f"{path}: already exists (use -f to overwrite)") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        refuse_existing(path, force)  # a file system without hard links: check, then rename
        os.replace(temp, path)
        return
    os.unlink(temp)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on folders; the data itself is synced
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    # /proc tells the umask without changing it (os.umask would, briefly, for every thread).
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
