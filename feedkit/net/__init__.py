"""The network edge: the only package that imports httpx and httpcore.

:mod:`~feedkit.net.guard` decides which addresses may be connected to (SSRF guard, checked at
connect time on every hop), :mod:`~feedkit.net.fetch` fetches with deadlines, size caps,
manual redirects and conditional GET (and POSTs WebSub pings), and :mod:`~feedkit.net.result`
is the plain data a fetch gives back.  Used by the upstream and output stages.
"""

from __future__ import annotations

