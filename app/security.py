"""What every response carries for the browser's protection, and what a deployment behind
TLS or a proxy needs: security headers, ``Secure`` cookies, werkzeug's ``ProxyFix``."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Pages are served from this site alone; maps draw tiles from the configured https
# provider; folium writes its map set-up as inline scripts and styles.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
}


def public_https(app: Flask) -> bool:
    """Whether the public address of ``app`` (``PUBLIC_BASE_URL``) is https."""
    return str(app.config.get("PUBLIC_BASE_URL") or "").lower().startswith("https://")


def cookies_secure() -> bool:
    """Whether cookies set now must be ``Secure``: the request came over TLS (as the proxy
    says, with ``PROXY_FIX``) or the public address is https."""
    return request.is_secure or public_https(current_app)


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Security headers on every response; ``Secure`` session cookies when the public
    address is https; ``ProxyFix`` trusting ``PROXY_FIX`` proxies (``YOULU_PROXY_FIX``,
    0 = none) for the client address, scheme and host."""
    app.after_request(_add_headers)
    if public_https(app):
        app.config["SESSION_COOKIE_SECURE"] = True
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies, x_prefix=proxies)
