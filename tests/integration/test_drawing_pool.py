"""The PDF-drawing processes (`activities.drawing.DrawingPool`), as real spawned processes:
replaced after a number of letters, let go when idle, replaced when one is killed."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from activities.drawing import DrawingPool
from activities.letters import html_to_pdf


def die() -> None:
    os._exit(3)  # as a process killed by the kernel: no exception, no reply


def pid() -> int:
    return os.getpid()


def until(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def drawing_processes() -> set[int]:
    return {p.pid for p in multiprocessing.active_children()}


def test_fresh_processes_replace_the_old_after_their_share_of_letters():
    with DrawingPool(1, letters_per_pool=3, idle_seconds=600) as pool:
        first = {pool.submit(pid).result(timeout=60) for _ in range(3)}
        assert len(first) == 1 and pool.started == 1
        pdf = pool.submit(html_to_pdf, "<p>Fourth letter</p>").result(timeout=60)
        assert pdf.startswith(b"%PDF") and pool.started == 2
        second = pool.submit(pid).result(timeout=60)
        assert second not in first
        assert until(lambda: not (first & drawing_processes())), "the retired process did not exit"
        assert second in drawing_processes()


def test_processes_exit_when_no_letter_came_for_a_while_and_start_again_with_the_next():
    with DrawingPool(2, idle_seconds=0.5) as pool:
        assert not pool.running  # nothing is started before a letter needs it
        assert pool.submit(pid).result(timeout=60) in drawing_processes()
        assert until(lambda: not pool.running and not drawing_processes()), "idle processes kept running"
        assert pool.submit(html_to_pdf, "<p>After a quiet month</p>").result(timeout=60).startswith(b"%PDF")
        assert pool.started == 2


def test_a_killed_process_is_replaced_and_the_next_letter_is_drawn():
    with DrawingPool(1, idle_seconds=600) as pool:
        with pytest.raises(BrokenProcessPool):
            pool.submit(die).result(timeout=60)
        assert pool.submit(html_to_pdf, "<p>Drawn anyway</p>").result(timeout=60).startswith(b"%PDF")
        assert pool.started == 2


def test_a_shut_down_pool_leaves_no_process_and_takes_no_letter():
    pool = DrawingPool(2, idle_seconds=600)
    pool.submit(pid).result(timeout=60)
    pool.shutdown()
    assert until(lambda: not drawing_processes())
    with pytest.raises(RuntimeError):
        pool.submit(pid)
