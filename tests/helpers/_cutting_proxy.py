"""A TCP proxy in front of the live store that breaks connections on demand, for the faults a
remote read must survive or report: a response body cut mid-stream, the server gone.

Real sockets and the real server: the client sees exactly what it would see if the network or
the store failed (an early end of a body, a refused connection), with nothing of the client
replaced. ``cut_after`` bytes from the server on one connection close it (for the next
``cuts`` connections, then connections pass untouched); :meth:`stop` closes every connection
and the listening socket, so new connections are refused.
"""

from __future__ import annotations

import socket
import threading


class CuttingProxy:
    def __init__(self, target_port: int, cut_after: int | None = None, cuts: int = 0) -> None:
        self.target_port, self.cut_after, self.cuts = target_port, cut_after, cuts
        self.forwarded = 0  # bytes from the server to clients, all connections
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # stopped
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets += [client, server]
                limit = self.cut_after if self.cuts > 0 else None
                if limit is not None:
                    self.cuts -= 1
            threading.Thread(target=self._pump, args=(client, server, False, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True, limit), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, downstream: bool, limit: int | None) -> None:
        """Copy ``source`` to ``target`` (``downstream``: server to client, counted) until either
        ends or ``limit`` bytes passed, then close both."""
        sent = 0
        try:
            while data := source.recv(65536 if limit is None else min(65536, limit - sent)):
                target.sendall(data)
                sent += len(data)
                if downstream:
                    with self._lock:
                        self.forwarded += len(data)
                if limit is not None and sent >= limit:
                    break
        except OSError:
            pass
        finally:
            # Both ways at once: the client sees the connection end, as when a server drops it.
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def stop(self) -> None:
        """The server is gone: every connection closed, new ones refused."""
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() that close() alone would not
        except OSError:
            pass
        self._listener.close()
        self._thread.join()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
