"""This process's id, known without a system call (a forked child learns its own at the fork)."""

import os

_current = {"pid": os.getpid()}
os.register_at_fork(after_in_child=lambda: _current.update(pid=os.getpid()))


def pid() -> int:
    return _current["pid"]
