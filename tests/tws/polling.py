"""Helpers of the engine-behaviour tests: an instance on a simulator, a poll on its virtual clock, the stored events
and the notices handed to notify (what Teams would receive)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlmodel import select

from resync_app import notify
from resync_app.db import session_scope
from resync_app.tws import instances, snapshot
from resync_app.tws.models import TwsEvent

NAME = "sim"


def configure(sim, **extra) -> None:
    instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": sim.username,
                               "password": sim.password, **extra}, "tests")


async def poll(sim, client):
    result = await snapshot.poll_instance(NAME, client, now=sim.now)
    assert result.ok, result.error
    return result


def events(type_: str | None = None, job_id: str | None = None, workstation: str | None = None) -> list[TwsEvent]:
    with session_scope() as db:
        query = select(TwsEvent).order_by(TwsEvent.id)
        if type_:
            query = query.where(TwsEvent.type == type_)
        if job_id:
            query = query.where(TwsEvent.job_id == job_id)
        if workstation:
            query = query.where(TwsEvent.workstation == workstation)
        return list(db.exec(query))


@contextmanager
def notices():
    got: list[notify.TwsEventNotice] = []
    notify.register_event_sink(got.extend)
    try:
        yield got
    finally:
        notify.unregister_event_sink(got.extend)
