"""Sign-ups are counted per client address: mass account creation is refused."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import Serve, fast_options

# These tests count requests in accounts' fixed windows: each starts clear of a turn.
pytestmark = pytest.mark.usefixtures("steady_window")


async def test_sign_ups_past_the_hourly_limit_of_an_address_are_refused(serve: Serve) -> None:
    async with serve(options=fast_options(signup_requests_per_address=2)) as client:
        answers = [
            await client.sign_up(email=f"personne.{number}@example.org") for number in range(3)
        ]
    assert [answer.status for answer in answers] == [201, 201, 429]
    refused = answers[-1]
    assert refused.error_code == "too_many_requests"
    assert 0 < int(refused.headers["Retry-After"]) <= 3_600
