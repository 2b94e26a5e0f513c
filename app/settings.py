"""Service settings, from the environment (``GUANXI_*``, ``NEO4J_*``) or the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal, get_args

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph import backends
from graph.backend import Backend
from graph.backends import BackendConfig

BackendName = Literal["sqlite", "neo4j"]   # the registry's names, spelled out for the settings' schema
assert set(get_args(BackendName)) == set(backends.BACKENDS), "app.settings.BackendName: keep it to the registry"

ROLES = ("viewer", "editor", "admin")
# The URI schemes of Neo4j's Bolt protocol the driver takes: one server, or routing in a cluster, each plain, TLS
# (+s) or TLS with a self-signed certificate (+ssc).
NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


class Settings(BaseSettings):
    # populate_by_name: Settings(neo4j_uri=...) works too (it used to be ignored silently: only the
    # aliases were accepted).
    model_config = SettingsConfigDict(env_prefix="GUANXI_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path("guanxi-data")
    neo4j_uri: str | None = Field(default=None, validation_alias=AliasChoices("NEO4J_URI", "GUANXI_NEO4J_URI"))
    neo4j_user: str = Field(default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "GUANXI_NEO4J_USER"))
    neo4j_password: str = Field(default="", validation_alias=AliasChoices("NEO4J_PASSWORD",
                                                                          "GUANXI_NEO4J_PASSWORD"))
    neo4j_database: str = Field(default="neo4j", validation_alias=AliasChoices("NEO4J_DATABASE",
                                                                               "GUANXI_NEO4J_DATABASE"))
    # Seconds to wait for a Neo4j connection, and to keep retrying a transaction that failed on a lost
    # connection or a leader switch, before answering 503: short, so an unreachable database fails
    # fast instead of holding requests for the driver's default half a minute.
    neo4j_connection_timeout: float = Field(default=3.0, gt=0, le=300, validation_alias=AliasChoices(
        "NEO4J_CONNECTION_TIMEOUT", "GUANXI_NEO4J_CONNECTION_TIMEOUT"))
    neo4j_retry_time: float = Field(default=2.0, ge=0, le=300, validation_alias=AliasChoices(
        "NEO4J_RETRY_TIME", "GUANXI_NEO4J_RETRY_TIME"))
    # Comma-separated "role:secret" pairs, for deployments that hand keys in through the environment.
    api_keys: str = ""
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    # All request headers together, in bytes (431 above it); `guanxi serve` also bounds what the HTTP
    # parser reads before the app sees anything.
    max_header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    # Heavy requests (analytics, maps, imports, exports: app/limits.py): how many run at once, how many
    # may wait, how long one waits before a 503, and how many seconds of work one may take (then 422).
    heavy_concurrency: int = Field(default=2, ge=1, le=64)
    heavy_queue: int = Field(default=64, ge=0, le=10_000)
    heavy_wait_seconds: float = Field(default=30.0, gt=0, le=3600)
    work_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Which registered backend (graph.backends.BACKENDS) keeps the maps; unset: neo4j when NEO4J_URI
    # is set, else the embedded sqlite store.
    backend: BackendName | None = None
    # Whether a backend whose policy is to migrate on start may do so (the embedded store does, so that
    # `guanxi serve` just works; Neo4j deployments migrate once, explicitly: `guanxi migrate`).
    auto_migrate: bool = True

    @property
    def backend_name(self) -> str:
        return self.backend or ("neo4j" if self.neo4j_uri else "sqlite")

    @field_validator("neo4j_uri")
    @classmethod
    def _neo4j_uri_scheme(cls, value: str | None) -> str | None:
        """A Bolt URI, said in one line naming NEO4J_URI (not, later, the driver's "URI scheme '' is not
        supported" or, for http://, a missing module of its preview HTTP driver)."""
        if not value:
            return value
        scheme, found, rest = value.partition("://")
        if found and scheme.lower() in NEO4J_SCHEMES:
            return value
        if found and scheme.lower() in ("http", "https"):
            host = rest.split("/")[0].rpartition(":")[0] or rest.split("/")[0] or "localhost"
            raise ValueError(f"must be the address of Neo4j's Bolt port, e.g. bolt://{host}:7687, not its HTTP "
                             "address")
        example = "bolt://localhost:7687" if found else f"bolt://{value}"
        raise ValueError("must be a Bolt URI (" + ", ".join(f"{s}://" for s in NEO4J_SCHEMES)
                         + f" then host:port), e.g. {example}")

    @field_validator("api_keys")
    @classmethod
    def _keys_well_formed(cls, value: str) -> str:
        roles: dict[str, str] = {}
        for pair in filter(None, (p.strip() for p in value.split(","))):
            role, _, secret = pair.partition(":")
            if role not in ROLES or len(secret) < 16:
                raise ValueError("GUANXI_API_KEYS must be role:secret pairs, roles viewer|editor|admin, "
                                 "secrets of at least 16 characters")
            # The same secret twice would be one key with the last role given (an admin key made a viewer
            # without a word): refused, the secret not repeated in the message.
            if secret in roles:
                raise ValueError(f"GUANXI_API_KEYS gives one secret twice (as {roles[secret]} and as {role}): "
                                 "give each key its own secret")
            roles[secret] = role
        return value

    def env_keys(self) -> Mapping[str, str]:
        """secret → role for keys given in the environment (every request with a key reads them)."""
        return _env_keys(self.api_keys)


@lru_cache(maxsize=4)
def _env_keys(api_keys: str) -> Mapping[str, str]:
    """``GUANXI_API_KEYS`` as secret → role, worked out once per value, read-only."""
    pairs = (p.strip().partition(":") for p in api_keys.split(",") if p.strip())
    return MappingProxyType({secret: role for role, _, secret in pairs})


def make_backend(settings: Settings, *, read_only: bool = False) -> Backend:
    """The configured backend from the registry in :mod:`graph.backends` (``read_only``: the embedded store
    opened only to be read, as the source of a copy)."""
    config = BackendConfig(data_dir=settings.data_dir, neo4j_uri=settings.neo4j_uri,
                           neo4j_user=settings.neo4j_user, neo4j_password=settings.neo4j_password,
                           neo4j_database=settings.neo4j_database,
                           neo4j_connection_timeout=settings.neo4j_connection_timeout,
                           neo4j_retry_time=settings.neo4j_retry_time, read_only=read_only)
    return backends.make_backend(settings.backend_name, config)
