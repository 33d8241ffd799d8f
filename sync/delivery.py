"""The webhook POST, to the address the URL check approved.

`http.client` connections whose `connect()` opens the socket to that pinned
address while everything else uses the URL's host name: the Host header, and
for https the TLS SNI and certificate check (`server_hostname`). No second DNS
lookup, no proxy, no redirects (a 3xx is an answer, not an instruction)."""

from __future__ import annotations

import http.client
import socket
import ssl

from .urlcheck import ResolvedURL


class PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, resolved: ResolvedURL, *, timeout: float):
        super().__init__(resolved.host, resolved.port, timeout=timeout)
        self.pinned_address = resolved.address

    def connect(self):
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, resolved: ResolvedURL, *, timeout: float, context: ssl.SSLContext | None = None):
        super().__init__(resolved.host, resolved.port, timeout=timeout,
                         context=context or ssl.create_default_context())
        self.pinned_address = resolved.address

    def connect(self):
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        # The certificate must be valid for the URL's host name, as if we had connected by name.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_pinned(resolved: ResolvedURL, *, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    """POST `body` to the pinned address. Returns (status, reason); raises OSError on network failure."""
    connection_class = PinnedHTTPSConnection if resolved.scheme == "https" else PinnedHTTPConnection
    connection = connection_class(resolved, timeout=timeout)
    try:
        connection.request("POST", resolved.target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # drain a little, never a large answer
        return response.status, response.reason
    finally:
        connection.close()
