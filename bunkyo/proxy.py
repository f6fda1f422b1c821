"""The visitor's address, as the reverse proxies in front of the application report it."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The address a sign-in attempt is counted against (django-axes' ``AXES_CLIENT_IP_CALLABLE``).

    With ``TRUSTED_PROXY_COUNT`` = N reverse proxies in front of the application, each of which
    appends the address it was connected from to X-Forwarded-For (nginx's
    ``$proxy_add_x_forwarded_for``; ``$remote_addr`` sets the header to that address alone), the
    visitor's address is the N-th from the right: the one the outermost proxy wrote. Whatever
    stands to its left came from the visitor and may be forged, so it is never read. With no proxy
    (0) the header is the visitor's own invention and is ignored altogether.

    A header that is missing, too short or not an address (a proxy not set up as
    docs/operations.md says) gives the connection's own address: never an error, never a fresh
    count for a made-up address.
    """
    connection = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return connection
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies:
        return connection
    try:
        address = ipaddress.ip_address(hops[-proxies])
    except ValueError:
        return connection
    if getattr(address, "scope_id", None):
        return connection  # fe80::1%eth0: no database stores the zone, and it names no visitor
    return str(address)
