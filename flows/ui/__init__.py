"""`iopdir ui`: the maintainers' review report served locally, to filter flags and record decisions.

`app` holds the Starlette application (pages rendered from `pipeline/outputs/report`'s templates).
"""
