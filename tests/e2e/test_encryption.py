"""Encrypted payloads: unreadable in Temporal's history, readable by ccm and, through the
codec server, by the web UI."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from temporalio.api.common.v1 import Payload

from domain.schedule import geneva_today
from runtime.codec import BadKeys, EncryptionCodec, make_server, parse_keys
from runtime.devserver import free_port
from tests.conftest import start_worker

YEAR = geneva_today().year + 1  # next year: States of their own (IRL, PRT) on the shared dev server
KEY_2026 = base64.b64encode(os.urandom(32)).decode()
KEY_2027 = base64.b64encode(os.urandom(32)).decode()


async def test_keys_rotate_the_first_encrypts_and_all_decrypt():
    old = EncryptionCodec(parse_keys(f"2026={KEY_2026}"))
    new = EncryptionCodec(parse_keys(f"2027={KEY_2027},2026={KEY_2026}"))
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"state": "ITA", "amount": "12345.67"}')
    sealed_old = (await old.encode([plain]))[0]
    assert b"12345.67" not in sealed_old.SerializeToString()
    assert (await new.decode([sealed_old]))[0] == plain
    sealed_new = (await new.encode([plain]))[0]
    assert sealed_new.metadata["encryption-key-id"] == b"2027"
    with pytest.raises(ValueError, match="unknown key '2027'"):
        await old.decode([sealed_new])
    assert (await new.decode([plain]))[0] == plain  # payloads from before encryption still read


@pytest.mark.parametrize(
    "spec,message",
    [
        ("", "no encryption keys"),
        ("k1", "expected id=base64key"),
        ("k1=YWJj", "must be 32 bytes"),
        ("k1=!!", "not base64"),
    ],
)
def test_bad_keys_are_refused_with_a_reason(spec, message):
    with pytest.raises(BadKeys, match=message):
        parse_keys(spec)


def test_history_holds_no_plaintext_while_ccm_reads_everything(ccm, ccm_env, client, tmp_path):
    keys = {"CCM_ENCRYPTION_KEYS": f"2027={KEY_2027}", "CCM_TASK_QUEUE": f"enc-{uuid.uuid4().hex[:6]}"}
    env = ccm_env | {"CCM_HOME": str(tmp_path)}
    worker = start_worker(env | keys | {"CCM_HEARTBEAT_FILE": str(tmp_path / "hb")}, tmp_path / "worker.log")
    try:
        secret = ["--state", "Ireland", "--year", YEAR]
        assert ccm("chase", "start", *secret, "--amount", "98765.43", env=keys).exit_code == 0
        r = ccm(
            "chase",
            "pledge",
            *secret,
            "--expected-date",
            f"{YEAR}-03-01",
            "--note",
            "Ireland's payment is being processed",
            env=keys,
        )
        assert r.exit_code == 0, r.output
        status = json.loads(ccm("chase", "status", *secret, "-o", "json", env=keys).output)[0]
        assert status["amount_due"] == "98765.43" and status["stage"] == "pledged"

        # The control: a chase started by a client without the keys shows its amount in the
        # history. (`ccm` without the keys cannot read the worker's answers: one line.)
        control = ccm(
            "chase",
            "start",
            "--state",
            "PRT",
            "--year",
            YEAR,
            "--amount",
            "55555.55",
            env={"CCM_TASK_QUEUE": keys["CCM_TASK_QUEUE"]},
        )
        assert control.exit_code == 1 and control.stderr.strip() == (
            "Error: the answer is encrypted and no key here reads it: set CCM_ENCRYPTION_KEYS as the worker has it"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=20)

    async def raw(workflow_id) -> bytes:
        """Every payload of the history as the server stores it, without the codec."""
        history = (await client.get_workflow_handle(workflow_id).fetch_history()).to_json()
        return b"\n".join(base64.b64decode(d) for d in re.findall(r'"data": "([^"]*)"', history))

    encrypted = asyncio.run(raw(f"chase-{YEAR}-IRL"))
    assert len(encrypted) > 1000  # the payloads are there,
    assert b"98765.43" not in encrypted and b"being processed" not in encrypted  # but not in clear
    assert b"98765.43" not in encrypted.replace(b"\n", b"")
    assert b"55555.55" in asyncio.run(raw(f"chase-{YEAR}-PRT"))  # the same check finds clear text


@pytest.fixture
def codec_server():
    codec = EncryptionCodec(parse_keys(f"2027={KEY_2027}"))
    port = free_port()
    server = make_server(codec, "127.0.0.1", port, "s3cret", "http://localhost:8233")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", codec
    server.shutdown()
    server.server_close()


def post(url, body: bytes, headers: dict) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(
        url, data=body, headers=headers | {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


async def test_the_codec_server_decodes_for_the_ui_origin_with_the_token(codec_server):
    url, codec = codec_server
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"Italy"')
    sealed = (await codec.encode([plain]))[0]
    body = json.dumps(
        {
            "payloads": [
                {
                    "metadata": {k: base64.b64encode(v).decode() for k, v in sealed.metadata.items()},
                    "data": base64.b64encode(sealed.data).decode(),
                }
            ]
        }
    ).encode()
    ui = {"Origin": "http://localhost:8233", "Authorization": "Bearer s3cret"}

    status, headers, answer = post(f"{url}/decode", body, ui)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://localhost:8233"
    decoded = json.loads(answer)["payloads"][0]
    assert base64.b64decode(decoded["data"]) == b'"Italy"'

    assert post(f"{url}/decode", body, {"Origin": "http://localhost:8233"})[0] == 401
    status, headers, _ = post(f"{url}/decode", body, ui | {"Origin": "https://evil.example"})
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    assert post(f"{url}/decode", b"not json", ui)[0] == 400
    status, _, answer = post(
        f"{url}/encode",
        json.dumps({"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "IkNoaWxlIg=="}]}).encode(),
        ui,
    )
    assert status == 200 and b"Chile" not in base64.b64decode(json.loads(answer)["payloads"][0]["data"])


def test_the_codec_server_command_needs_keys_and_token(ccm):
    r = ccm("codec-server")
    assert r.exit_code == 1 and "set CCM_ENCRYPTION_KEYS and CCM_CODEC_TOKEN" in r.output
