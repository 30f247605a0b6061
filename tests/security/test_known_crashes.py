"""Crashes the fuzzing found, each pinned with its exact input now that it is fixed."""

from __future__ import annotations

from typing import Any

from bot.dev.loopback import FakeConnector
from tests.helpers.activities import activity
from tests.helpers.http import AUTH, counts, post


async def test_an_api_deadline_outside_the_calendar_in_utc_is_a_4xx(app_client: Any) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    status, _ = await post(
        client, {"recruiter": {}, "deadline": "0001-01-01T00:00:00+14:00"}, path="/api/v1/interviews", **AUTH
    )
    assert status < 500


async def test_a_card_submit_whose_action_is_a_list_does_not_fail_the_turn(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    failures: list[Exception] = []
    from bot.app import RUNTIME

    adapter = client.app[RUNTIME].adapter
    original = adapter.on_turn_error

    async def spy(context: Any, error: Exception) -> None:
        failures.append(error)
        await original(context, error)

    adapter.on_turn_error = spy
    status, _ = await post(client, activity(connector.url, text=None, value={"action": []}))
    assert status < 500 and failures == []


async def test_an_activity_id_with_a_brace_is_not_a_500(app_client: Any, connector: FakeConnector) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    status, _ = await post(client, activity(connector.url, id="{"))
    assert status < 500
    assert (await counts(client))["interviews"] == 0
