"""Free ports for local servers: never one a browser refuses to open."""

from __future__ import annotations

from collections import deque

import pytest

from embedded import ports


def test_a_port_browsers_refuse_is_never_given(monkeypatch: pytest.MonkeyPatch) -> None:
    # Chromium answers ERR_UNSAFE_PORT for 10080: a site served there cannot be opened.
    monkeypatch.setattr(ports, "_given", deque(maxlen=512))
    monkeypatch.setattr(ports, "_range", None)
    ports.search_in(10080, 10081)

    assert ports.free_port() == 10081
    # 10081 was just given and 10080 never is: nothing is left in the range.
    with pytest.raises(OSError, match="no free port"):
        ports.free_port()
