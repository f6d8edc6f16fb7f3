"""Take away a process's ability to open network sockets (seccomp, Linux).

Why: the query worker runs untrusted queries in an engine that can make HTTP
requests (``SERVICE``). The guard refuses such queries; this is the second wall,
so that a query the guard misread still cannot reach any address (issue 13.1).

How: a seccomp-BPF filter, installed by the worker on itself at start, makes
``socket()`` fail with ``EPERM`` for every address family except ``AF_UNIX``
(the worker talks to its parent over an inherited Unix socket pair and never
needs a new one) and refuses ``io_uring_setup`` (io_uring can open sockets
without the ``socket`` system call). Foreign-architecture system calls (x32, or
32-bit ones on a 64-bit kernel) are refused too, since their numbers differ.
It needs no privilege (``PR_SET_NO_NEW_PRIVS`` first), works as root and in
containers that allow seccomp, and is inherited by every thread the engine
starts later. On other systems or architectures, or where the kernel refuses
the filter, ``deny_network`` logs a warning and the worker runs without it: the
guard is then the only wall.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import platform
import sys

logger = logging.getLogger("clusterkb.sandbox")

# <linux/filter.h>, <linux/seccomp.h>, <linux/audit.h>
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_RET_ALLOW = 0x7FFF0000
_RET_EPERM = 0x00050000 | 1
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_AF_UNIX = 1
_X32_BIT = 0x40000000
#: machine -> (AUDIT_ARCH_*, socket, io_uring_setup)
_ARCHES = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _program(arch: int, socket_nr: int, uring_nr: int) -> list[tuple[int, int, int, int]]:
    """The BPF instructions (jumps count forward from the next instruction).

    Offsets into ``struct seccomp_data``: nr 0, arch 4, args[0] 16 (its low half).
    """
    low_arg0 = 16 if sys.byteorder == "little" else 20
    return [
        (_LD_W_ABS, 0, 0, 4),                   # 0: A = arch
        (_JEQ_K, 1, 0, arch),                   # 1: ours -> 3
        (_RET_K, 0, 0, _RET_EPERM),             # 2: foreign arch: refuse
        (_LD_W_ABS, 0, 0, 0),                   # 3: A = system call number
        (_JGE_K, 6, 0, _X32_BIT),               # 4: x32 numbering -> 11
        (_JEQ_K, 5, 0, uring_nr),               # 5: io_uring_setup -> 11
        (_JEQ_K, 1, 0, socket_nr),              # 6: socket -> 8
        (_RET_K, 0, 0, _RET_ALLOW),             # 7: any other call
        (_LD_W_ABS, 0, 0, low_arg0),            # 8: A = address family
        (_JEQ_K, 0, 1, _AF_UNIX),               # 9: AF_UNIX -> 10, else 11
        (_RET_K, 0, 0, _RET_ALLOW),             # 10
        (_RET_K, 0, 0, _RET_EPERM),             # 11: refuse
    ]


def deny_network() -> str:
    """Install the filter on this process; returns ``"seccomp"`` or why it could not."""
    machine = platform.machine()
    if sys.platform != "linux" or machine not in _ARCHES:
        return _unavailable(f"no seccomp filter for {sys.platform}/{machine}")
    program = _program(*_ARCHES[machine])
    filters = (_Filter * len(program))(*[_Filter(*instruction) for instruction in program])
    prog = _Program(len(program), filters)
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                           ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        return _unavailable(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        return _unavailable(f"prctl(SECCOMP): {os.strerror(ctypes.get_errno())}")
    return "seccomp"


def _unavailable(reason: str) -> str:
    logger.warning("query worker %d runs WITH network access: %s (the SPARQL guard is the "
                   "only protection against SERVICE)", os.getpid(), reason)
    return reason

