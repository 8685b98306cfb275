"""Connecting to Temporal, with the settings' address, namespace, TLS and data converter."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.service import TLSConfig

from runtime.codec import data_converter
from services.settings import Settings


class Unreachable(Exception):
    """The Temporal server did not answer."""


def _tls(settings: Settings) -> TLSConfig | bool:
    if not (settings.tls_server_ca or settings.tls_client_cert):
        return bool(settings.api_key)  # an API key implies TLS (Temporal Cloud)
    if bool(settings.tls_client_cert) != bool(settings.tls_client_key):
        raise Unreachable("mTLS needs both CCM_TLS_CLIENT_CERT and CCM_TLS_CLIENT_KEY")
    read = lambda p: p.read_bytes() if p else None  # noqa: E731
    return TLSConfig(
        server_root_ca_cert=read(settings.tls_server_ca),
        client_cert=read(settings.tls_client_cert),
        client_private_key=read(settings.tls_client_key),
    )


async def connect(settings: Settings, runtime=None) -> Client:
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.namespace,
            runtime=runtime,
            data_converter=data_converter(
                settings.encryption_keys.get_secret_value() if settings.encryption_keys else None
            ),
            tls=_tls(settings),
            api_key=settings.api_key.get_secret_value() if settings.api_key else None,
        )
    except RuntimeError as e:
        reason = _reason(str(e), settings)
        raise Unreachable(f"cannot reach Temporal at {settings.temporal_address}: {reason}") from None


def _reason(text: str, settings: Settings) -> str:
    """The one useful phrase of a connection error from the SDK's transport."""
    import re

    if m := re.search(r"response with status: (\d{3} [A-Za-z ]+)", text):
        hint = ""
        if m[1].startswith("400") and settings.tls_server_ca and not settings.tls_client_cert:
            hint = "; the server may require a client certificate (CCM_TLS_CLIENT_CERT, CCM_TLS_CLIENT_KEY)"
        elif m[1].startswith("401"):
            hint = "; check the API key (CCM_API_KEY)"
        return f"refused with HTTP {m[1].strip()}{hint}"
    if "Connection refused" in text or "ConnectionRefused" in text:
        return "connection refused (is the server running?)"
    if "certificate" in text.lower() or "InvalidCertificate" in text:
        return "TLS certificate not accepted: " + text.splitlines()[0][-160:]
    return text.splitlines()[0][:200]
