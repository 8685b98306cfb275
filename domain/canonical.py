"""Canonical JSON: the bytes a row's hash and a command's signature cover.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

The rule is Python's `json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, default=str)` in UTF-8, and every hash in every log ever written
depends on it. orjson writes the same bytes about ten times faster for plain JSON values,
so it is used exactly where it writes the same bytes (checked by `_plain`, proven by a
property test against `json.dumps`); anything else is written by `json.dumps` itself.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

# Written alike by both, or refused by orjson (an integer beyond 64 bits), which sends
# the value to json.dumps.
_SIMPLE = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> bool:
    """Whether orjson writes `value` byte for byte as `json.dumps` does: JSON's own types
    (no subclasses, no tuples, no enums) and finite floats that are 0 or at least 1e-4 in
    size (orjson writes 1e-05 as 0.00001 and 5e-07 as 5e-7). Keys are not looked at:
    orjson refuses a key that is not a string. Loops, not `all(...)`: this walk is most
    of the fast path's time."""
    kind = type(value)
    if kind is dict:
        for item in value.values():
            if type(item) not in _SIMPLE and not _plain(item):
                return False
        return True
    if kind in _SIMPLE:
        return True
    if kind is float:
        return bool(value == 0.0 or 1e-4 <= abs(value) < math.inf)
    if kind is list:
        for item in value:
            if type(item) not in _SIMPLE and not _plain(item):
                return False
        return True
    return False


def canonical_bytes(value: Any) -> bytes:
    """JSON with sorted keys and no spaces, non-ASCII as UTF-8."""
    if _plain(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # a key not a string, a huge integer, a lone surrogate
            pass
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()
