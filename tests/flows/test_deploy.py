"""prefect.yaml points at the real flow with a valid schedule."""

import importlib

import yaml
from prefect.client.schemas.schedules import CronSchedule

from tests.conftest import ROOT


def test_prefect_yaml_deploys_the_refresh_flow() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    [deployment] = config["deployments"]
    path, name = deployment["entrypoint"].split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert getattr(module, name).name == "refresh"
    [schedule] = deployment["schedules"]
    CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    assert deployment["work_pool"]["name"] == "iop-pool"
    # docs/operations.md exports IOPDIR_HOME and IOPDIR_DB for these templates.
    [step] = config["pull"]
    assert step["prefect.deployments.steps.set_working_directory"]["directory"] == "{{ $IOPDIR_HOME }}"
    assert deployment["parameters"]["db_path"] == "{{ $IOPDIR_DB }}"
