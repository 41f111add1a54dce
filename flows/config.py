"""Configuration in one place: defaults, then a TOML file, then `IOPDIR_*` environment variables.

The file is `$IOPDIR_CONFIG`, else `iopdir.toml` in the working directory, if present:

    db = "/data/iop.duckdb"
    sources = ["samhsa_directory", "findtreatment", "ny_omh", "program_pages"]
    contact = "https://example.org/iop-directory-crawler"   # goes into the user agent

    [throttle]
    download_delay = 2.0
    autothrottle_max_delay = 60
    concurrent_requests_per_domain = 1

    [thresholds]           # also read by pipeline.thresholds.load_thresholds
    iop_min_adult = 9
    iop_min_adolescent = 6
    php_min = 20

    [guard]                # when a source is held instead of retiring listings (docs/reliability.md)
    max_gone_share = 0.10
    max_reject_rate = 0.05
    reject_rate_margin = 0.02
    min_seen_share = 0.80
    min_rows = 5

    accept_drop = []       # sources whose drop `iopdir run` takes on purpose (like --accept-drop)

Environment variables override the file: `IOPDIR_DB`, `IOPDIR_SOURCES='["ny_omh"]'`,
`IOPDIR_CONTACT`, `IOPDIR_THROTTLE__DOWNLOAD_DELAY=3`, `IOPDIR_THRESHOLDS__PHP_MIN=20`,
`IOPDIR_GUARD__MAX_GONE_SHARE=0.2`, `IOPDIR_ACCEPT_DROP='["samhsa_su"]'`. Command line options
override both (`--accept-drop` adds to `accept_drop`).
"""

import os
from pathlib import Path

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from flows.crawl import DEFAULT_SPIDERS
from pipeline.store.guard import GuardLimits

CONFIG_ENV = "IOPDIR_CONFIG"
DEFAULT_CONFIG = "iopdir.toml"
PROJECT_URL = "https://github.com/iop-directory/iop-directory"


def config_path() -> Path | None:
    """The configuration file in effect, if any."""
    path = Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    return path if path.is_file() else None


class Throttle(BaseModel):
    """How gently live crawls go (replayed crawls have no server to spare)."""

    download_delay: float = Field(1.0, ge=0)
    autothrottle_max_delay: float = Field(30.0, gt=0)
    concurrent_requests_per_domain: int = Field(2, ge=1, le=16)


class ThresholdValues(BaseModel):
    """Weekly-hour floors; see `pipeline.thresholds.Thresholds`."""

    iop_min_adult: float = 9.0
    iop_min_adolescent: float = 6.0
    php_min: float = 20.0


class Settings(BaseSettings):
    """Everything a deployment may want to set, with the project's defaults."""

    model_config = SettingsConfigDict(env_prefix="IOPDIR_", env_nested_delimiter="__", extra="forbid")

    db: str = "iop.duckdb"
    sources: list[str] = Field(default_factory=lambda: list(DEFAULT_SPIDERS))
    contact: str = PROJECT_URL
    throttle: Throttle = Field(default_factory=Throttle)
    thresholds: ThresholdValues = Field(default_factory=ThresholdValues)
    guard: GuardLimits = Field(default_factory=GuardLimits)
    #: Sources whose drop past the guard's limits `iopdir run` takes on purpose.
    accept_drop: list[str] = Field(default_factory=list)

    @field_validator("contact")
    @classmethod
    def _contact_is_reachable(cls, value: str) -> str:
        if not value.startswith(("https://", "http://", "mailto:")):
            raise ValueError("contact must be a URL or mailto: address site owners can reach")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then environment, then the TOML file, then defaults."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_path()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def user_agent(self) -> str:
        """The user agent live crawls send: who we are and how to reach us."""
        return f"iop-directory/0.1 (+{self.contact}; open data research crawler)"

    def crawl_settings(self, replay: bool) -> dict[str, str]:
        """Scrapy settings for the crawl subprocesses; throttling only matters for live crawls."""
        settings = {"USER_AGENT": self.user_agent}
        if not replay:
            settings |= {
                "DOWNLOAD_DELAY": str(self.throttle.download_delay),
                "AUTOTHROTTLE_MAX_DELAY": str(self.throttle.autothrottle_max_delay),
                "CONCURRENT_REQUESTS_PER_DOMAIN": str(self.throttle.concurrent_requests_per_domain),
            }
        return settings


def load_settings() -> Settings:
    """The settings in effect (raises pydantic.ValidationError naming the bad value)."""
    return Settings()
