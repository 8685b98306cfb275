"""The worker's metrics that need no server: the outbox read as the gauges read it."""

import os
import time

from runtime.metrics import ZERO_FROM_START, outbox_state


def test_the_outbox_gauges_count_waiting_messages_and_the_age_of_the_oldest(tmp_path):
    (tmp_path / "new").mkdir()
    assert outbox_state(tmp_path) == (0, 0.0)
    now = time.time()
    for name, age in (("a", 3600), ("b", 90_000), ("c", 10)):
        path = tmp_path / "new" / name
        path.write_bytes(b"message")
        os.utime(path, (now - age, now - age))
    count, oldest = outbox_state(tmp_path, now=now)
    assert count == 3 and abs(oldest - 90_000) < 1  # past a day: CcmOutboxMessageOld fires


def test_every_counter_an_alert_reads_starts_at_zero():
    """The alert rules' ccm counters are each declared at 0 when the worker starts."""
    import re
    from pathlib import Path

    rules = (Path(__file__).parents[2] / "deploy" / "prometheus" / "alerts.yml").read_text()
    counters = {name.removesuffix("_total") for name in re.findall(r"\b(ccm_\w+_total)\b", rules)}
    assert counters and counters <= set(ZERO_FROM_START), counters - set(ZERO_FROM_START)
