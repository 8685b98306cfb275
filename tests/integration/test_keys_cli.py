"""`ccm keys new` on its own: the key file, its mode and its passphrase."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from cli.main import cli
from domain.chase import Close
from services.errors import CommandError
from services.keystore import key_for, sign_update


def test_a_new_key_is_private_to_its_owner_and_its_passphrase_is_needed_to_sign(tmp_path, monkeypatch):
    monkeypatch.setenv("CCM_KEYS_DIR", str(tmp_path / "keys"))
    runner = CliRunner()
    r = runner.invoke(
        cli,
        ["keys", "new", "--as", "Michael Biontino@president", "--passphrase"],
        input="correct horse\ncorrect horse\n",
    )
    assert r.exit_code == 0, r.output
    pem = next((tmp_path / "keys").glob("*.pem"))
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert b"ENCRYPTED PRIVATE KEY" in pem.read_bytes()
    meta = json.loads(pem.with_suffix(".json").read_text())
    assert meta["office"] == "president" and meta["fingerprint"] in r.stdout

    cmd = Close(reason="r", actor="Michael Biontino", office="president")
    with pytest.raises(CommandError, match="protected by a passphrase: set CCM_KEY_PASSPHRASE"):
        key_for("president")
    monkeypatch.setenv("CCM_KEY_PASSPHRASE", "wrong")
    with pytest.raises(CommandError, match="wrong passphrase"):
        key_for("president")
    monkeypatch.setenv("CCM_KEY_PASSPHRASE", "correct horse")
    signed = sign_update("chase-2027-ITA", "waive", cmd, "waive-1")
    assert signed.signature.fingerprint == meta["fingerprint"] and signed.signature.update_id == "waive-1"
    # No key for the office claimed: the command goes unsigned (a worker may refuse it).
    assert sign_update("chase-2027-ITA", "waive", cmd.model_copy(update={"office": "isu"}), "w").signature is None


def test_a_key_needs_a_person_and_an_office(tmp_path, monkeypatch):
    monkeypatch.setenv("CCM_KEYS_DIR", str(tmp_path / "keys"))
    for holder, message in (("president", "give the person and the office"), ("Anna@nowhere", "nowhere")):
        r = CliRunner().invoke(cli, ["keys", "new", "--as", holder])
        assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "keys").exists()


def test_registering_a_file_that_is_no_key_is_one_line(tmp_path):
    bad = tmp_path / "key.json"
    bad.write_text("{not json")
    r = CliRunner().invoke(
        cli,
        [
            "keys",
            "register",
            str(bad),
            "--office",
            "president",
            "--from",
            "2027-01-01",
            "--until",
            "2027-12-31",
            "--admin-key",
            str(bad),
        ],
        env={"CCM_HOME": str(tmp_path)},
    )
    assert r.exit_code == 1 and "is not a key `ccm keys new` made" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_checkpoint_key_verification_would_not_accept_is_refused_and_nothing_is_logged(
    tmp_path, monkeypatch, worker_on
):
    from activities.database import open_event_log

    monkeypatch.setenv("CCM_KEYS_DIR", str(tmp_path / "keys"))
    runner = CliRunner()
    admin = runner.invoke(cli, ["keys", "new", "--as", "Administrator@isu"])
    stray = runner.invoke(cli, ["keys", "new", "--as", "Someone@isu"])  # never registered
    assert admin.exit_code == 0 and stray.exit_code == 0
    public = admin.stdout.splitlines()[1].rsplit(" ", 1)[1]
    pem = stray.stdout.splitlines()[0].split()[-1]
    env = worker_on({"CCM_HOME": str(tmp_path), "CCM_ADMIN_KEYS": public, "CCM_CHECKPOINT_KEY": pem})
    assert runner.invoke(cli, ["ping"], env=env).exit_code == 0
    # Asked for unsigned (this installation does not require signatures; the CLI would not
    # sign with a key the registry does not know): the worker refuses its own checkpoint key.
    (tmp_path / "no-keys").mkdir()
    result = runner.invoke(cli, ["audit", "checkpoint"], env=env | {"CCM_KEYS_DIR": str(tmp_path / "no-keys")})
    assert result.exit_code == 1 and "would not be accepted when verified" in result.stderr, result.output
    log = open_event_log(f"sqlite:///{tmp_path / 'eventlog.db'}", create=False)
    assert list(log.query(event_type="log.checkpoint")) == []
