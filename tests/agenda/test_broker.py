"""Agenda over RabbitMQ, as in a deployment: accounts' events in, agenda's events out."""

from __future__ import annotations

import pytest

from shared.contracts.agenda import AppointmentAccepted, SolicitationCreated
from tests.agenda.conftest import WorldFactory, in_days


@pytest.mark.broker
async def test_a_solicitation_and_its_answer_travel_over_rabbitmq(
    open_world: WorldFactory, amqp_url: str
) -> None:
    async with open_world(amqp_url=amqp_url) as world:
        await world.ambassador("zoe")
        await world.staff("paul")

        appointment_id = await world.solicit("paul", "zoe", in_days(5))
        accepted = await world.call("POST", f"/appointments/{appointment_id}/accept", "zoe")

        assert accepted.status == 200
        created: SolicitationCreated = await world.recorded.wait_for(SolicitationCreated)
        answer: AppointmentAccepted = await world.recorded.wait_for(AppointmentAccepted)
        assert created.appointment.appointment_id == appointment_id
        assert answer.appointment.appointment_id == appointment_id
        await world.settled()
