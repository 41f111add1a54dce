"""Scheduling the refresh flow: a served deployment (`iopdir serve`) or a work-pool one (`prefect.yaml`).

`iopdir serve --cron "0 3 * * 1"` registers the `refresh/weekly-refresh` deployment with its cron
schedule on the Prefect API the environment points at (`PREFECT_API_URL`) and then runs the
scheduled flow runs in this process until stopped. Step by step: docs/operations.md.
"""

from collections.abc import Sequence
from uuid import UUID

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.refresh import refresh

DEPLOYMENT_NAME = "weekly-refresh"
DEFAULT_CRON = "0 3 * * 1"  # Mondays 03:00, before maintainers start the week


def refresh_deployment(
    cron: str = DEFAULT_CRON,
    db_path: str = "iop.duckdb",
    spiders: Sequence[str] | None = None,
    replay_dir: str | None = None,
    thresholds_path: str | None = None,
    name: str = DEPLOYMENT_NAME,
    timezone: str | None = None,
    extra: dict[str, object] | None = None,
) -> RunnerDeployment:
    """The refresh flow as a deployment with a cron schedule and its parameters (`extra`: more of them)."""
    parameters: dict[str, object] = {"db_path": db_path, **(extra or {})}
    if spiders:
        parameters["spiders"] = list(spiders)
    if replay_dir:
        parameters["replay_dir"] = replay_dir
    if thresholds_path:
        parameters["thresholds_path"] = thresholds_path
    return refresh.to_deployment(
        name=name,
        schedule=Cron(cron, timezone=timezone),
        parameters=parameters,
        description="Crawl, normalize, load, link and flag every source into the DuckDB file.",
        tags=["iop-directory"],
    )


def register(deployment: RunnerDeployment) -> UUID:
    """Create or update the deployment (and its schedule) on the Prefect API; returns its id."""
    return deployment.apply()


def serve_forever(deployment: RunnerDeployment) -> None:
    """Register the deployment and run its scheduled flow runs in this process until stopped."""
    from prefect import serve

    # Keep the schedule active if this process restarts (a container being replaced, say).
    serve(deployment, pause_on_shutdown=False)
