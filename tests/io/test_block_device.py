"""OSFile on a block device: its size comes from the device, not from st_size (which is 0)."""

from __future__ import annotations

import os
import subprocess

import pytest
from system_deps import need_tool

import arrowio as pa

pytestmark = pytest.mark.privileged


@pytest.fixture
def loop_device(tmp_path):
    image = tmp_path / "disk.img"
    data = os.urandom(4 << 20)
    image.write_bytes(data)
    need_tool("losetup")
    made = subprocess.run(["losetup", "--find", "--show", str(image)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot attach a loop device here: {made.stderr.strip()}")
    device = made.stdout.strip()
    try:
        yield device, data
    finally:
        subprocess.run(["losetup", "-d", device], check=False)


def test_size_seek_and_reads(loop_device):
    device, data = loop_device
    with pa.OSFile(device) as disk:
        assert disk.seekable() and disk.size() == len(data)
        assert disk.seek(0, 2) == len(data)
        assert disk.read_at(3 << 20, 1024) == data[1024 : 1024 + (3 << 20)]
        assert disk.read_at(10, len(data) - 4) == data[-4:]
        disk.seek(4096)
        assert disk.read_buffer(2 << 20).to_pybytes() == data[4096 : 4096 + (2 << 20)]
