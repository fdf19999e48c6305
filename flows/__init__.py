"""Prefect flows: thin orchestration over `services/` (schedules, retries, batches, artifacts).

Importing Prefect costs more than a second: only commands that run a flow import this package.
"""
