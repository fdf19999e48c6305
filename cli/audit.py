"""`ghtflow audit verify|checkpoint|rechain|rekey`: the keyed history and its checkpoints."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from cli.context import workspace
from cli.output import Shape, console, err_console, plural, print_json

app = typer.Typer(help="Audit trail.", no_args_is_help=True)


@app.command()
def verify(
    against: list[Path] = typer.Option(
        [],
        "--against",
        help="a checkpoint file kept elsewhere (e.g. the agency's copy); repeatable",
    ),
    fmt: Shape = typer.Option(
        Shape.table,
        "--format",
        "-f",
        help="table (one line), or json: {intact, problem, events, documents, versions, …}",
    ),
) -> None:
    """Exit 0 when the history holds (chain, HMACs, documents, file hashes, checkpoints);
    exit 1 naming the first thing that does not."""
    from services.audit.chain import verify_chain

    report = verify_chain(workspace(), against)
    if fmt is Shape.json:  # the verdict as data, for monitoring; exit status the same
        print_json({"intact": report.intact, **asdict(report)})
        if report.problem is not None:
            raise typer.Exit(1)
        return
    if report.problem is None:
        console.print(report.summary(), markup=False, soft_wrap=True)
        return
    err_console.print(f"error: {report.problem}", markup=False, soft_wrap=True)
    raise typer.Exit(1)


@app.command()
def checkpoint(
    file: Path | None = typer.Option(
        None, "--file", help="append-only checkpoint file; default HOME/audit-checkpoints.jsonl"
    ),
) -> None:
    """Verify the history, append its head (position, hash, time UTC, HMAC) to the
    checkpoint file and print that line: keep copies of it outside this machine."""
    from services.audit.chain import write_checkpoint

    console.print(write_checkpoint(workspace(), file).line(), markup=False, soft_wrap=True)


@app.command()
def rechain() -> None:
    """Once after upgrading from per-document chains (`db upgrade` does it): check the former
    hashes and chain the whole history under the audit key."""
    from services.audit.chain import rechain_migrated

    ws = workspace()
    count = rechain_migrated(ws)
    if count is None:
        console.print(f"nothing to re-chain: the history is chained under key {ws.audit_key.id}")
    else:
        console.print(
            f"re-chained {plural(count, 'event')} under the audit key (id {ws.audit_key.id})"
        )


@app.command()
def rekey(
    new_key_file: Path = typer.Option(
        ..., "--new-key-file", help="file holding the new key (keep it as secret as the old one)"
    ),
) -> None:
    """Verify the history under the current key, re-chain it under the new one and write a
    checkpoint; checkpoints of the old key are then reported as earlier ones."""
    from services.audit.chain import rekey as rekey_history

    ws = workspace()
    done = rekey_history(ws, new_key_file)
    console.print(
        f"re-chained {done.events} events under the new audit key (id {ws.audit_key.id}); "
        f"checkpoint {done.checkpoint.seq} written",
        markup=False,
    )
    if done.key_file is not None:
        console.print(f"{done.key_file} now holds the new key", markup=False)
    else:
        console.print(
            "set GHTFLOW_AUDIT_KEY to the new key before the next change is recorded",
            markup=False,
        )
