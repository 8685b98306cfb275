"""What the letters' fonts (Libertinus Serif, inside the `typst` wheel) surely draw: Latin
and its accents (Latin-1, Latin Extended-A), dashes, quotes and the euro sign. Text of only
these needs no trial drawing (`activities.letters.undrawable`), so checking an accented
address costs a command nothing; other scripts are tried."""

import re

_SURELY_DRAWN = re.compile("[\\u0020-\\u007e\\u00a0-\\u017f\\u2010-\\u2027\\u2030-\\u205e\\u20ac]*")


def surely_drawn(text: str) -> bool:
    return _SURELY_DRAWN.fullmatch(text) is not None
