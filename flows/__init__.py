"""Prefect flows (orchestration only) and the `iopdir` command line, the top layer."""
