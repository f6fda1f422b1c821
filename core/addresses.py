"""The site's published addresses: ``settings.SITE_URL`` and a route's path.

Whatever names a published thing for good (the open-data catalogue's identifiers, the data
package's file paths, the links in the files' headers and on /opendata/) is built here, never from
the request's Host: localhost, 127.0.0.1 and https behind the proxy give the same address.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import get_script_prefix, reverse


def site_url(name: str, *args) -> str:
    """The canonical address of the route ``name``: SITE_URL (which holds any path prefix) and its path."""
    return settings.SITE_URL + "/" + reverse(name, args=args).removeprefix(get_script_prefix())
