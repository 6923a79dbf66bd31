"""Cache files get their disk space before their ranges are written (file_space.py)."""

import errno
import os

import pytest

from visgate_worker import file_space


def test_a_reserved_file_has_its_size_and_its_blocks(tmp_path):
    path = tmp_path / "w.safetensors"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        allocated = file_space.reserve(fd, 3 * 1024 * 1024)
        st = os.fstat(fd)
    finally:
        os.close(fd)
    assert st.st_size == 3 * 1024 * 1024
    if allocated:  # the file system can preallocate: no hole left to fill while downloading
        assert st.st_blocks * 512 >= 3 * 1024 * 1024


@pytest.mark.parametrize(
    ("err", "outcome"),
    [(errno.EOPNOTSUPP, False), (errno.ENOSYS, False), (errno.ENOSPC, OSError)],
)
def test_a_file_system_that_cannot_preallocate_leaves_it_sparse_but_a_full_disk_fails(
    tmp_path, monkeypatch, err, outcome
):
    def failing(fd, mode, offset, length):
        import ctypes

        ctypes.set_errno(err)
        return -1

    monkeypatch.setattr(file_space, "_fallocate", failing)
    fd = os.open(tmp_path / "w", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if outcome is OSError:
            with pytest.raises(OSError) as caught:
                file_space.reserve(fd, 4096)
            assert caught.value.errno == errno.ENOSPC
        else:
            assert file_space.reserve(fd, 4096) is False
            assert os.fstat(fd).st_size == 4096
    finally:
        os.close(fd)
