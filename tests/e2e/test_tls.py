"""Connecting securely: a TLS-terminating gRPC proxy (Debian's nginx) in front of the dev
server, which has no TLS of its own. Certificates are made here, in the test."""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from runtime.devserver import free_port
from tests.conftest import start_worker, worker_retrying

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Makefile: make nginx)")
API_KEY = "ccm-test-api-key"


def make_certificates(folder: Path) -> dict[str, Path]:
    """A CA, a server certificate for localhost and 127.0.0.1, and a client certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def issue(subject, key, issuer, issuer_key, ca=False, usage=None, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name(issuer))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if usage:
            builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def write(stem, cert, key):
        (folder / f"{stem}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (folder / f"{stem}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )

    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = issue("ccm test CA", ca_key, "ccm test CA", ca_key, ca=True)
    server = issue(
        "localhost",
        server_key,
        "ccm test CA",
        ca_key,
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
        san=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
    )
    client = issue("ccm-worker", client_key, "ccm test CA", ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    write("ca", ca, ca_key)
    write("server", server, server_key)
    write("client", client, client_key)
    return {n: folder / n for n in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}


@pytest.fixture(scope="module")
def proxy(dev_env, tmp_path_factory):
    """nginx: mTLS on one port, TLS with an API key on another, both to the dev server."""
    folder = tmp_path_factory.mktemp("tls")
    certs = make_certificates(folder)
    mtls_port, key_port = free_port(), free_port()
    upstream = dev_env.client.service_client.config.target_host
    tls = f"ssl_certificate {certs['server.crt']}; ssl_certificate_key {certs['server.key']};"
    config = f"""
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 128; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  grpc_read_timeout 300s;
  grpc_send_timeout 300s;
  server {{
    listen 127.0.0.1:{mtls_port} ssl http2;
    {tls}
    ssl_client_certificate {certs["ca.crt"]};
    ssl_verify_client on;
    location / {{ grpc_pass grpc://{upstream}; }}
  }}
  server {{
    listen 127.0.0.1:{key_port} ssl http2;
    {tls}
    location / {{
      if ($http_authorization != "Bearer {API_KEY}") {{ return 401; }}
      grpc_pass grpc://{upstream};
    }}
  }}
}}
"""
    (folder / "nginx.conf").write_text(config)
    proc = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 10
    import socket

    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", mtls_port)) == 0:
                break
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "nginx did not start"
        time.sleep(0.1)
    yield {"mtls": f"127.0.0.1:{mtls_port}", "api_key": f"127.0.0.1:{key_port}", **certs}
    proc.terminate()
    proc.wait(timeout=10)


def test_a_worker_and_the_cli_with_the_client_certificate_work(ccm, ccm_env, proxy, tmp_path):
    env = {
        "CCM_NAMESPACE": ccm_env["CCM_NAMESPACE"],
        "CCM_TEMPORAL_ADDRESS": proxy["mtls"],
        "CCM_TLS_SERVER_CA": str(proxy["ca.crt"]),
        "CCM_TLS_CLIENT_CERT": str(proxy["client.crt"]),
        "CCM_TLS_CLIENT_KEY": str(proxy["client.key"]),
        "CCM_TASK_QUEUE": f"tls-{uuid.uuid4().hex[:6]}",
        "CCM_HOME": str(tmp_path),
        "CCM_HEARTBEAT_FILE": str(tmp_path / "hb"),
    }
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        r = ccm("ping", "--note", "through nginx", env=env)
        assert r.exit_code == 0 and r.output.startswith("pong"), r.output
        # The same through the flags instead of the environment.
        flags = [
            "--address",
            proxy["mtls"],
            "--tls-ca",
            proxy["ca.crt"],
            "--tls-cert",
            proxy["client.crt"],
            "--tls-key",
            proxy["client.key"],
        ]
        r = ccm(*flags, "ping", env={"CCM_TASK_QUEUE": env["CCM_TASK_QUEUE"], "CCM_HOME": str(tmp_path)})
        assert r.exit_code == 0 and r.output.startswith("pong"), r.output
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert "cannot reach" not in (tmp_path / "worker.log").read_text()


def test_without_a_client_certificate_the_cli_is_refused_in_one_line(ccm, proxy):
    r = ccm(
        "chase",
        "status",
        "--state",
        "ITA",
        env={"CCM_TEMPORAL_ADDRESS": proxy["mtls"], "CCM_TLS_SERVER_CA": str(proxy["ca.crt"])},
    )
    assert r.exit_code == 1
    assert r.output.strip() == (
        f"Error: cannot reach Temporal at {proxy['mtls']}: refused with HTTP 400 Bad "
        "Request; the server may require a client certificate (CCM_TLS_CLIENT_CERT, "
        "CCM_TLS_CLIENT_KEY)"
    )


def test_a_worker_without_a_client_certificate_says_so_and_retries(proxy, tmp_path):
    env = {"CCM_TEMPORAL_ADDRESS": proxy["mtls"], "CCM_TLS_SERVER_CA": str(proxy["ca.crt"]), "CCM_HOME": str(tmp_path)}
    code, out = worker_retrying(env, tmp_path / "worker.out")
    assert code == 0 and f"cannot reach Temporal at {proxy['mtls']}" in out and "Traceback" not in out


def test_an_api_key_is_sent_and_a_wrong_one_refused(ccm, proxy, tmp_path):
    env = {"CCM_TEMPORAL_ADDRESS": proxy["api_key"], "CCM_TLS_SERVER_CA": str(proxy["ca.crt"])}
    ok = ccm("chase", "status", "--state", "ITA", "--year", "2010", env=env | {"CCM_API_KEY": API_KEY})
    assert "cannot reach" not in ok.output and "no chase for ITA in 2010" in ok.output, ok.output  # reached the server
    bad = ccm("chase", "status", "--state", "ITA", "--year", "2010", env=env | {"CCM_API_KEY": "wrong"})
    assert bad.exit_code == 1
    assert bad.output.strip() == (
        f"Error: cannot reach Temporal at {proxy['api_key']}: refused with HTTP 401 "
        "Unauthorized; check the API key (CCM_API_KEY)"
    )
