"""WebSub (W3C) publishing: tell each hub which topics (feed URLs) changed.

After a build that wrote a channel's subscription document, the document's own URL (its
``rel="self"``) is announced to every configured hub with a form-encoded POST of
``hub.mode=publish`` and ``hub.url=<topic>``: one request per hub and topic.  The hub
then fetches the topic and pushes it to its subscribers.

A hub that answers 2xx accepted the notification.  A timeout, a connection error, HTTP 429
or 5xx is retried :attr:`~feedkit.config.WebSubConfig.retries` times, waiting ``backoff``
seconds, then twice as long each time (at most :data:`~feedkit.config.MAX_WEBSUB_BACKOFF`;
no jitter: the same failures give the same waits).  Any other status (a 4xx, a redirect,
which is not followed) is not retried.  Each topic a hub did not accept is one WARNING
naming the hub and the topic; when a hub still fails after its retries (it is down), or
its address is refused, its remaining topics are not tried in this build and one more
WARNING counts them (naming the first :data:`LISTED_TOPICS`).  Nothing here fails a build.

Requests go through :func:`feedkit.fetch.make_client`, so the same address checks apply
as to upstream feeds: a hub on a private or loopback address needs ``[fetch] allow_hosts``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedkit.config.types import MAX_WEBSUB_BACKOFF, FetchConfig, WebSubConfig
from feedkit.model import Problem, Severity

if TYPE_CHECKING:
    from feedkit.net.fetch import Client

Sleep = Callable[[float], None]
LISTED_TOPICS = 3
"""How many of the topics not announced to an unavailable hub its warning names."""


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    retryable: bool
    """A timeout, connection error, 429 or 5xx: worth another attempt."""
    hub_wide: bool = False
    """The hub cannot take any notification now: do not try its other topics."""


def backoff_delays(settings: WebSubConfig) -> list[float]:
    """The waits before each retry: ``backoff``, twice that, … (each at most ``MAX_WEBSUB_BACKOFF``)."""
    return [min(settings.backoff * 2**attempt, MAX_WEBSUB_BACKOFF) for attempt in range(settings.retries)]


def notify_hubs(
    settings: WebSubConfig, fetch_config: FetchConfig, topics: Sequence[str], *, sleep: Sleep = time.sleep
) -> list[Problem]:
    """Announce ``topics`` to every hub of ``settings``; returns a WARNING per topic a hub did not accept.

    ``sleep`` waits between attempts (tests may pass their own).
    """
    topics = list(dict.fromkeys(topics))
    if not settings.hubs or not topics:
        return []
    problems: list[Problem] = []
    from feedkit.net.fetch import make_client  # the network only for a build that has hubs to ping

    with make_client(fetch_config) as client:
        for hub in settings.hubs:
            problems.extend(_notify_hub(client, hub, topics, settings, sleep))
    return problems


def _notify_hub(
    client: Client, hub: str, topics: Sequence[str], settings: WebSubConfig, sleep: Sleep
) -> list[Problem]:
    problems: list[Problem] = []
    for position, topic in enumerate(topics):
        failure = _announce(client, hub, topic, settings, sleep)
        if failure is None:
            continue
        problems.append(_warning(hub, f"WebSub hub did not accept the update of {topic}: {failure.reason}"))
        rest = topics[position + 1:]
        if failure.hub_wide and rest:
            listed = ", ".join(rest[:LISTED_TOPICS]) + (", …" if len(rest) > LISTED_TOPICS else "")
            problems.append(_warning(hub, f"WebSub hub unavailable, {len(rest)} more updated feed(s) not announced "
                                          f"in this build: {listed}"))
            break
    return problems


def _warning(hub: str, message: str) -> Problem:
    return Problem(hub, message, Severity.WARNING)


def _announce(client: Client, hub: str, topic: str, settings: WebSubConfig, sleep: Sleep) -> _Failure | None:
    """One topic to one hub, with retries; None when the hub accepted it."""
    delays = backoff_delays(settings)
    failure = _post(client, hub, topic, settings.timeout)
    for delay in delays:
        if failure is None or not failure.retryable:
            return failure
        sleep(delay)
        failure = _post(client, hub, topic, settings.timeout)
    if failure is not None and failure.retryable:
        attempts = len(delays) + 1
        return _Failure(f"{failure.reason} ({attempts} attempt{'s' if attempts > 1 else ''})", True, hub_wide=True)
    return failure


def _post(client: Client, hub: str, topic: str, timeout: float) -> _Failure | None:
    """One POST; None when the hub answered 2xx."""
    from feedkit.net.fetch import post_form

    result = post_form(client, hub, {"hub.mode": "publish", "hub.url": topic}, timeout)
    if result.refused:
        return _Failure(result.reason, retryable=False, hub_wide=True)
    if result.timed_out:
        return _Failure(result.reason, retryable=True)
    if result.status is None:
        return _Failure(f"cannot connect: {result.reason}", retryable=True)
    status, phrase = result.status, result.reason
    if 200 <= status < 300:
        return None
    reason = f"HTTP {status} {phrase}".rstrip()
    if 300 <= status < 400:
        reason += " (redirects are not followed: configure the hub's final URL)"
    return _Failure(reason, retryable=status == 429 or status >= 500)
