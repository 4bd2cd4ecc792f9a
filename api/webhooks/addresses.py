"""Where deliveries may go: https URLs on public addresses, checked when subscribing and again at each connection."""

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore
import httpx

from api.i18n import _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedUrl(ValueError):
    """A receiver URL the rules do not allow; the message says why."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # IPv4-mapped, 6to4 and Teredo addresses carry an IPv4 address, which is what a connection reaches.
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    return None


def refusal(address: IPAddress) -> str | None:
    """Why no delivery may go to this address; None for a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)):
        return refusal(embedded)
    if address.is_loopback:
        return _("a loopback address")
    if address.is_link_local:
        return _("a link-local address")
    if address.is_multicast:
        return _("a multicast address")
    if address.is_private:
        return _("a private address")
    if address.is_reserved or address.is_unspecified or not address.is_global:
        return _("a reserved address")
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses of a host name (or the address an IP literal names), without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [ipaddress.ip_address(info[4][0].partition("%")[0]) for info in infos]
    return list(dict.fromkeys(addresses))


def check_addresses(host: str, addresses: list[IPAddress]) -> None:
    """Refuse a host any of whose addresses is not public: a name with one private address is an SSRF probe."""
    for address in addresses:
        if reason := refusal(address):
            raise RefusedUrl(_("%(host)s resolves to %(address)s, %(reason)s; receivers must be on public addresses.", host=host, address=address, reason=reason))


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse a receiver URL before any connection is tried (when subscribing)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RefusedUrl(_("A receiver URL is an absolute https:// URL."))
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl(_("A receiver URL carries no user name or password: messages are signed instead."))
    if allow_private:
        return
    if parts.scheme != "https":
        raise RefusedUrl(_("A receiver URL must use https://, so that messages travel encrypted."))
    try:
        port = parts.port or 443
        addresses = resolve(parts.hostname, port)
    except ValueError as error:  # a port out of range
        raise RefusedUrl(_("The URL's port is not valid: %(error)s.", error=error)) from error
    except OSError as error:
        raise RefusedUrl(_("The host %(host)s does not resolve: %(error)s.", host=parts.hostname, error=error)) from error
    check_addresses(parts.hostname, addresses)


class CheckedConnections(httpcore.SyncBackend):
    """Resolves a receiver's name once per connection, checks every address, and connects to a checked one.

    Connecting to the very address that was checked leaves no second lookup for DNS rebinding to
    answer differently; TLS still verifies the certificate against the name (httpcore sends the
    URL's host as SNI whatever address the socket reached).
    """

    def __init__(self, *, allow_private: bool):
        self.allow_private = allow_private

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = resolve(host, port)
        except OSError as error:
            raise httpcore.ConnectError(f"{host} does not resolve: {error}") from error
        if not self.allow_private:
            try:
                check_addresses(host, addresses)
            except RefusedUrl as error:
                raise httpcore.ConnectError(f"Refused before connecting: {error}") from error
        failure = None
        for address in addresses:
            try:
                return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure


class CheckedTransport(httpx.HTTPTransport):
    """httpx's transport, connecting through CheckedConnections; connections are kept per host and reused."""

    def __init__(self, *, allow_private: bool, limits: httpx.Limits):
        super().__init__(trust_env=False, limits=limits)
        # httpx takes no network backend of its own, so its pool is made again with the same settings
        # and ours; environment proxies stay off, as a proxy would connect where it pleases.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedConnections(allow_private=allow_private),
        )
        self.allow_private = allow_private

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.allow_private and request.url.scheme != "https":
            raise httpx.ConnectError(f"Refused before connecting: {request.url.scheme}:// is not https://.", request=request)
        return super().handle_request(request)
