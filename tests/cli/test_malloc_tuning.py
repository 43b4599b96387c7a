"""The allocator tuning of the streaming commands: pieces freed in a loop are reused warm.

Counted in page faults, in a fresh process each time, so the measure is the allocator's
behaviour and not the machine's speed.
"""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="tunes glibc's malloc only")

PIECES = 64
LIVE = 4  # pieces alive at once, as in the decoders' bounded queue

# A streaming loop's allocations: new pieces of one size, at most LIVE alive, freed oldest first.
LOOP = f"""
import resource, sys
from collections import deque
if sys.argv[1] == "tuned":
    from arrowio_cli.malloc_tuning import keep_heap_for_streaming
    keep_heap_for_streaming()
    keep_heap_for_streaming()  # twice is harmless
size = int(sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
alive = deque()
for _ in range({PIECES}):
    alive.append(b"x" * size)
    if len(alive) > {LIVE}:
        alive.popleft()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str, size: int) -> int:
    done = subprocess.run([sys.executable, "-c", LOOP, mode, str(size)], capture_output=True, check=True, text=True)
    return int(done.stdout)


@pytest.mark.parametrize("size", [1 << 20, 4 << 20], ids=["1MiB", "4MiB"])
def test_tuned_loop_faults_in_only_the_pieces_alive_at_once(size: int) -> None:
    pages = size // 4096
    # Only the first pieces fault their pages in; later ones reuse freed memory.
    assert faults("tuned", size) <= (LIVE + 2) * pages
    # The glibc defaults fault most pieces in afresh: the check above tells the two apart.
    assert faults("default", size) > (LIVE + 2) * pages
