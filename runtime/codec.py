"""Optional AES-GCM encryption of every payload Temporal stores, and the codec server the
web UI calls to read them.

`CCM_ENCRYPTION_KEYS` is `id=base64key[,id=base64key…]` (32-byte keys): the first key
encrypts, every key decrypts, so keys can rotate without losing old histories."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"


class BadKeys(ValueError):
    """CCM_ENCRYPTION_KEYS that cannot be used."""


def parse_keys(spec: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key_id, sep, value = part.partition("=")
        if not sep or not key_id:
            raise BadKeys(f"encryption key {part[:12]!r}…: expected id=base64key")
        try:
            key = base64.b64decode(value, validate=True)
        except ValueError:
            raise BadKeys(f"encryption key {key_id!r} is not base64") from None
        if len(key) != 32:
            raise BadKeys(f"encryption key {key_id!r} must be 32 bytes (AES-256), not {len(key)}")
        keys[key_id] = key
    if not keys:
        raise BadKeys("no encryption keys given")
    return keys


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes]):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.encrypting_id = next(iter(keys))
        self.ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self.ciphers[self.encrypting_id]
        out = []
        for p in payloads:
            nonce = os.urandom(12)
            data = nonce + cipher.encrypt(nonce, p.SerializeToString(), None)
            out.append(
                Payload(metadata={"encoding": ENCODING, "encryption-key-id": self.encrypting_id.encode()}, data=data)
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding") != ENCODING:
                out.append(p)  # written before encryption was turned on
                continue
            key_id = p.metadata.get("encryption-key-id", b"").decode()
            cipher = self.ciphers.get(key_id)
            if cipher is None:
                raise ValueError(f"payload encrypted with unknown key {key_id!r}: add it to CCM_ENCRYPTION_KEYS")
            out.append(Payload.FromString(cipher.decrypt(p.data[:12], p.data[12:], None)))
        return out


def _checked_converter():
    """Temporal's pydantic data converter (plain JSON, so the `temporal` CLI and web UI read
    and send it), except for one thing: an input that does not validate fails its
    workflow or update with the reason (`invalid_input`, not retried), as a refusal does.
    An input sent by hand through the `temporal` CLI (an e-mail with a line break) can
    never be processed; any other exception of a workflow is a bug, and its task is
    retried until a fixed worker is deployed."""
    import pydantic
    from temporalio.contrib.pydantic import PydanticPayloadConverter
    from temporalio.converter import DataConverter
    from temporalio.exceptions import ApplicationError

    class CheckedPayloadConverter(PydanticPayloadConverter):
        def from_payloads(self, payloads, type_hints=None):
            try:
                return super().from_payloads(payloads, type_hints)
            except pydantic.ValidationError as e:
                err = e.errors()[0]
                where = ".".join(str(x) for x in err["loc"])
                message = err["msg"].removeprefix("Value error, ")
                raise ApplicationError(
                    f"invalid input: {e.title} {where}: {message}", type="invalid_input", non_retryable=True
                ) from None

    return DataConverter(payload_converter_class=CheckedPayloadConverter)


CCM_CONVERTER = _checked_converter()


def data_converter(encryption_keys: str | None):
    """The data converter every client and worker uses (`CCM_CONVERTER`), with the codec
    if keys are set."""
    import dataclasses

    if not encryption_keys:
        return CCM_CONVERTER
    return dataclasses.replace(CCM_CONVERTER, payload_codec=EncryptionCodec(parse_keys(encryption_keys)))


# --- the codec server for the web UI ---------------------------------------------------------
def _payloads_from_json(body: bytes) -> list[Payload]:
    from google.protobuf import json_format

    return list(json_format.Parse(body, Payloads()).payloads)


def _payloads_to_json(payloads: Iterable[Payload]) -> bytes:
    from google.protobuf import json_format

    return json_format.MessageToJson(Payloads(payloads=list(payloads))).encode()


def make_server(codec: EncryptionCodec, host: str, port: int, token: str, origin: str) -> ThreadingHTTPServer:
    """POST /encode and /decode with a bearer token; CORS only for the UI's origin."""

    class Handler(BaseHTTPRequestHandler):
        def _cors(self) -> bool:
            given = self.headers.get("Origin")
            if given is None:
                return True  # not a browser: the token decides
            if given != origin:
                return False
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
            self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
            self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
            self.send_header("Vary", "Origin")
            return True

        def _reply(self, status: HTTPStatus, body: bytes = b"", cors: bool = True) -> None:
            self.send_response(status)
            if cors:
                self._cors()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_OPTIONS(self):  # noqa: N802 - the browser's preflight
            allowed = self.headers.get("Origin") == origin
            self._reply(HTTPStatus.NO_CONTENT if allowed else HTTPStatus.FORBIDDEN, cors=allowed)

        def do_POST(self):  # noqa: N802
            if self.headers.get("Origin") not in (None, origin):
                return self._reply(HTTPStatus.FORBIDDEN, b'{"error": "origin not allowed"}', cors=False)
            if self.headers.get("Authorization") != f"Bearer {token}":
                return self._reply(HTTPStatus.UNAUTHORIZED, b'{"error": "missing or wrong bearer token"}')
            if self.path not in ("/encode", "/decode"):
                return self._reply(HTTPStatus.NOT_FOUND, b'{"error": "POST /encode or /decode"}')
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                payloads = _payloads_from_json(body)
                work = codec.encode if self.path == "/encode" else codec.decode
                result = asyncio.run(work(payloads))
            except Exception as e:  # a bad request, not a crash of the server
                return self._reply(HTTPStatus.BAD_REQUEST, json.dumps({"error": str(e)}).encode())
            self._reply(HTTPStatus.OK, _payloads_to_json(result))

        def log_message(self, format, *args):  # quiet: one line per request is noise here
            pass

    return ThreadingHTTPServer((host, port), Handler)
