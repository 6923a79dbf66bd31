"""Disk space for a cache file reserved before its ranges are written.

``fallocate(2)`` gives the file its blocks up front: a full disk fails the download before its first
byte instead of part-way, parallel ranges land in contiguous extents, and each write skips ext4's
delayed-allocation bookkeeping (on the bench machine that made writing 1 GiB in 64 KiB pieces from
8 threads cost ~0.6 s of system time instead of ~0.85 s). The system call is used directly, not
``os.posix_fallocate``: where a file system cannot allocate (some network file systems) glibc's
fallback writes zeros over the whole file, which would double the disk traffic; here the file is
left sparse instead, as it was before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_fallocate = getattr(_libc, "fallocate64", None) or getattr(_libc, "fallocate", None)
if _fallocate is not None:
    _fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    _fallocate.restype = ctypes.c_int

# Errors meaning "this file system (or file) cannot preallocate": the file stays sparse.
_UNSUPPORTED = frozenset({errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL, errno.ENODEV})


def reserve(fd: int, size: int) -> bool:
    """Make ``fd`` ``size`` bytes long with its blocks allocated where the file system can; return
    whether they were. A full disk raises ``OSError(ENOSPC)``."""
    os.ftruncate(fd, size)
    if size == 0 or _fallocate is None:
        return False
    if _fallocate(fd, 0, 0, size) == 0:
        return True
    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err))
