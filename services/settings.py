"""Configuration, read once from the environment (prefix `CCM_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, computed_field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("ccm", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCM_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="data directory")
    temporal_address: str = Field("127.0.0.1:7233", description="Temporal frontend host:port")
    namespace: str = "default"
    task_queue: str = "ccm"
    build_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$",
        description="the worker runs as this version of the deployment (Worker Versioning): runs start pinned "
        "to the current version and move to the next only when they continue as new",
    )
    deployment_name: str = Field(
        "ccm",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="the Worker Deployment the workers' versions belong to",
    )
    database_url_override: str | None = Field(None, alias="CCM_DATABASE_URL")
    actor: str = Field("", description="the person acting, as `person@office` or an office")
    msp: str = Field("7MSP", description="the Meeting of States Parties the current Presidency prepares")
    heartbeat_file: Path | None = None
    # A chase sleeps for months between letters: a worker keeps this many runs in memory
    # (about 0.25-0.35 MiB each, measured) and replays the others from history when they
    # wake. 400, not 500, since the PDF letters: 1,000 chases open then fit in 300 MiB.
    worker_cache: int = Field(400, ge=10, le=100_000, description="workflow runs a worker keeps in memory")
    # Workflow tasks a worker runs at once: the others wait on the server's queue, so that a
    # burst of commands is worked through in turn, each task short, rather than all of them
    # started together and each starved. 20, not the SDK's 100: a worker's workflows run on
    # one Python thread in any case, and with 20 a burst of 300 chases ran 8.4-9.2 a second
    # against 7.5-7.8 with 100 (docs/BENCHMARKS.md, 7 December 2026).
    workflow_task_slots: int = Field(
        20, ge=1, le=1_000, description="workflow tasks a worker runs at once (the SDK's default: 100)"
    )
    metrics_interval: float = Field(
        30,
        ge=1,
        le=3600,
        description="seconds between two readings of the metrics' "
        "gauges (outbox, chases by stage, obligations overdue)",
    )

    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "isu@clusterconvention.org"
    bank_iban: str | None = Field(None, description="the ISU trust fund's account, printed on calls and reminders")
    # The letterhead and who signs: the President's letters carry the President's name,
    # the others the ISU Director's. A title left empty is the office's, in each language.
    isu_name: str = Field("Implementation Support Unit, Convention on Cluster Munitions", max_length=200)
    isu_address: str = Field(
        "Maison de la Paix, Chemin Eugène-Rigot 2C | 1202 Geneva, Switzerland",
        max_length=400,
        description="lines separated by |",
    )
    logo: Path | None = Field(None, description="an image printed on the letterhead (PNG, JPEG or SVG)")
    president_name: str = Field("", max_length=200)
    president_title: str = Field("", max_length=200)
    director_name: str = Field("", max_length=200)
    director_title: str = Field("", max_length=200)
    # What a receipt pays above everything due, where the payer names no line: a credit
    # carried to the next year, or a voluntary contribution to a voluntary line (`--excess`).
    excess: Literal["credit", "voluntary"] = Field(
        "credit", description="an overpayment is a credit carried to next year, or a voluntary contribution"
    )
    # Whom a year bills when membership begins or ends within it (domain.cycle).
    membership_rule: Literal["any-day", "1-january"] = Field(
        "any-day", description="bill States in force on any day of the year, or only those in force on 1 January"
    )

    # The root of trust: the ISU administrators' Ed25519 public keys (base64, comma
    # separated). Only keys they register speak for an office.
    admin_keys: str = Field("", max_length=2_000, description="administrators' public keys, base64, comma separated")
    require_signatures: bool = Field(False, description="refuse commands not signed by a registered key")
    checkpoint_key: Path | None = Field(None, description="the ISU's key file that signs checkpoints of the log")

    # Group commit: milliseconds the worker's log waits, once an append leads, for others to
    # share its transaction (0: it takes those that queued while the last one was written).
    log_group_ms: float = Field(0, ge=0, le=50, description="the event log's group-commit window, in ms")

    # A test setting: seconds each append to the event log waits (commands pile up as on a
    # loaded machine; `tests/faults/test_concurrent_commands.py`). 0 in any deployment.
    test_append_delay: float = Field(0, ge=0, le=5)

    tls_server_ca: Path | None = None
    tls_client_cert: Path | None = None
    tls_client_key: Path | None = None
    api_key: SecretStr | None = None
    encryption_keys: SecretStr | None = Field(None, description="id=base64key[,…]: AES-GCM payload encryption")
    codec_token: SecretStr | None = None
    ui_origin: str = "http://localhost:8233"

    @field_validator("temporal_address")
    @classmethod
    def _address(cls, value: str) -> str:
        import re

        host = r"(\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+)"  # a name, an IPv4 address, or [an IPv6 one]
        if not re.fullmatch(host + r":\d{1,5}", value.strip()) or not 0 < int(value.rsplit(":", 1)[1]) < 65536:
            raise ValueError(f"{value!r} is not HOST:PORT (a port from 1 to 65535)")
        return value.strip()

    @field_validator("home", mode="before")
    @classmethod
    def _home(cls, value):
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty: name a folder, or unset it for the default data directory")
        return value

    @field_validator("bank_iban")
    @classmethod
    def _iban(cls, value: str | None) -> str | None:
        from domain.bank import validate_iban

        return validate_iban(value) if value else None

    @field_validator("isu_name", "isu_address", "president_name", "president_title", "director_name", "director_title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError("must be one line (separate address lines with |)")
        from activities.fonts import surely_drawn

        if not surely_drawn(value):  # printed on letters: a character no letter font has is refused here
            from activities.letters import undrawable

            if why := undrawable(value):
                raise ValueError(f"letters could not print it: {why}")
        return value.strip()

    @field_validator("checkpoint_key", mode="before")
    @classmethod
    def _no_key(cls, value):
        """The compose passes `CCM_CHECKPOINT_KEY=` when none is set: no key, not the folder `.`."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("logo")
    @classmethod
    def _logo(cls, value: Path | None) -> Path | None:
        if value is None:
            return value
        if not value.is_file():
            raise ValueError(f"{value} is not a file")
        with value.open("rb") as f:
            head = f.read(512)
        # PNG, JPEG, GIF, or SVG: what the letterhead can draw; anything else would vanish.
        if not (
            head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or b"<svg" in head.lower()
        ):
            raise ValueError(f"{value} is not an image (PNG, JPEG, GIF or SVG)")
        return value

    @field_validator("admin_keys")
    @classmethod
    def _admin_keys(cls, value: str) -> str:
        from domain.refusal import Refusal  # not domain.process: every command validates its settings
        from domain.signatures import admin_keys

        try:
            admin_keys(value)
        except Refusal as e:
            raise ValueError(str(e)) from None
        return value

    @property
    def admin_keyring(self) -> dict[str, bytes]:
        from domain.signatures import admin_keys

        return admin_keys(self.admin_keys)

    @property
    def letterhead(self):
        from activities.letters import Letterhead

        lines = tuple(x.strip() for x in self.isu_address.split("|") if x.strip())
        return Letterhead(
            name=self.isu_name,
            address=lines,
            logo=self.logo,
            president_name=self.president_name,
            president_title=self.president_title,
            director_name=self.director_name,
            director_title=self.director_title,
        )

    @computed_field
    @property
    def database_url(self) -> str:
        return self.database_url_override or f"sqlite:///{self.home / 'eventlog.db'}"

    @property
    def heartbeat(self) -> Path:
        """Touched by a running worker; `ccm health` reads it (containers set a local path)."""
        return self.heartbeat_file or self.home / "worker.heartbeat"

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def contacts_file(self) -> Path:
        return self.home / "contacts.csv"

    def shown(self) -> dict[str, str]:
        """The effective values, secrets and database passwords masked."""
        from sqlalchemy.engine import make_url

        values = self.model_dump(exclude={"database_url_override"})
        values["database_url"] = make_url(self.database_url).render_as_string(hide_password=True)
        return {k: "" if v is None else str(v) for k, v in values.items()}
