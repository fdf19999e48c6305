"""`ghtflow users add|passwd|token|remove|list|calendar-link`: people who sign in to the
dashboard and the JSON API. Passwords are typed twice without echo, or read from standard input
(`--password-stdin`, for scripts), never taken as an option (it would stay in shell history).
A new password, and `remove`, end the person's web sessions; `remove` keeps the person in the
history but withdraws every access (password, sessions, API tokens, calendar link).
"""

from __future__ import annotations

import sys
from enum import StrEnum

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    WIDE_OPTION,
    Format,
    console,
    err_console,
    plural,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)

app = typer.Typer(
    help="People who sign in: passwords, API tokens, calendar links.", no_args_is_help=True
)

LIST_COLUMNS = [
    "id",
    "email",
    "name",
    "side",
    "ght",
    "has_password",
    "active_tokens",
    "tokens_expire_on",
    "has_calendar_link",
    "removed_on",
]
PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="read the password from the first line of standard input"
)


class PersonSide(StrEnum):
    """The side a person acts for (the word `fire` and the workflows use)."""

    agency = "agency"
    ght = "ght"


def _password(from_stdin: bool) -> str:
    """The password from standard input (`--password-stdin`) or typed twice at the terminal;
    without a terminal (a script, cron) nobody can type it: said at once, rather than a prompt
    that waits or reads whatever the pipe holds."""
    from services.errors import InvalidInput

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInput("no password on standard input (--password-stdin)")
        return password
    if not sys.stdin.isatty():
        raise InvalidInput(
            "no terminal to type the password at: pipe it on standard input with "
            '--password-stdin (echo "$PASSWORD" | ghtflow users ... --password-stdin)'
        )
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command()
def add(
    email: str = typer.Argument(..., help="the person's e-mail address, used to sign in"),
    side: PersonSide = typer.Option(..., "--side", help="agency or ght: who the person acts for"),
    ght: str | None = typer.Option(None, "--ght", help="GHT code, for --side ght (e.g. OCC-02)"),
    name: str = typer.Option("", "--name", help="name as shown in the dashboard"),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Create a person who can sign in (or update one), with a password."""
    from services.accounts.credentials import add_user, check_new_user

    ws = workspace()
    # said before the password is asked for (add_user checks them again)
    check_new_user(ws, email, side.value, ght_code=ght, name=name)
    password = _password(password_stdin)  # a refused one rolls the whole change back
    account, created = add_user(ws, email, side.value, ght_code=ght, name=name, password=password)
    where = f" for {account.ght_code}" if account.ght_code else ""
    console.print(
        f"{'created' if created else 'updated'} {account.side} person {account.email}{where}",
        markup=False,
    )


@app.command()
def passwd(
    email: str = typer.Argument(..., help="the person's e-mail address"),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Set a person's password."""
    from services.accounts.credentials import check_password_change, set_password

    ws = workspace()
    check_password_change(ws, email)  # an unknown or removed address, before the prompt
    set_password(ws, email, _password(password_stdin))
    console.print(f"password of {email.strip().lower()} changed", markup=False)


@app.command()
def token(
    email: str = typer.Argument(..., help="the person's e-mail address"),
    days: int = typer.Option(
        365, "--days", help="days before the new token expires (default 365, at most 730)"
    ),
    revoke: bool = typer.Option(
        False, "--revoke", help="revoke every token of this person instead of issuing one"
    ),
) -> None:
    """Issue an API token for this person and print it (only once: keep it), or revoke theirs."""
    from services.accounts.credentials import issue_token, revoke_tokens

    if revoke:
        count = revoke_tokens(workspace(), email)
        console.print(
            f"revoked {plural(count, 'token')} of {email.strip().lower()}",
            markup=False,
        )
        return
    issued = issue_token(workspace(), email, days=days)
    sys.stdout.write(issued + "\n")
    err_console.print(
        f"This token is shown only once and expires in {days} days; "
        "send it as 'Authorization: Bearer TOKEN'.",
        markup=False,
    )


@app.command()
def remove(email: str = typer.Argument(..., help="the person's e-mail address")) -> None:
    """Withdraw every access of a person (password, sessions, API tokens, calendar link); the
    person stays in the history. `users add` gives access again."""
    from services.accounts.credentials import remove_user

    count = remove_user(workspace(), email)
    console.print(
        f"removed {email.strip().lower()}: no sign-in, session, calendar link or API token any "
        f"more ({count} revoked); the history keeps the address",
        markup=False,
    )


@app.command("list")
def list_(wide: bool = WIDE_OPTION, fmt: Format = FORMAT_OPTION) -> None:
    """List the people, whether they have a password, active tokens and a calendar link."""
    from services.accounts.people import list_users

    users = list_users(workspace())
    if fmt is Format.json:
        print_json(users)
    elif fmt is Format.csv:
        print_csv(LIST_COLUMNS, ([_cell(u[c]) for c in LIST_COLUMNS] for u in users))
    else:
        columns: list[str] = ["email", "for", text("name"), text("access")]
        columns += ["id", "tokens expire on"] if wide else []
        rows = (
            [u["email"], u["ght"] or u["side"], u["name"], _access(u)]
            + ([u["id"], "\n".join(map(str, u["tokens_expire_on"]))] if wide else [])
            for u in users
        )
        print_table(table(plural(len(users), "person", "people"), columns, rows))


def _cell(value: object) -> object:
    """A list (token expiry dates) as one cell of a CSV."""
    return " ".join(map(str, value)) if isinstance(value, list) else value


def _access(user: dict[str, object]) -> str:
    """`password, 2 API tokens, calendar link`, or `removed on 2018-01-05`."""
    if user["removed_on"]:
        return f"removed on {user['removed_on']}"
    tokens = user["active_tokens"]
    parts = ["password"] if user["has_password"] else ["no password"]
    if isinstance(tokens, int) and tokens:
        parts.append(plural(tokens, "API token"))
    if user["has_calendar_link"]:
        parts.append("calendar link")
    return ", ".join(parts)


@app.command("calendar-link")
def calendar_link(
    email: str = typer.Argument(..., help="the person's e-mail address"),
    base_url: str = typer.Option(
        "http://127.0.0.1:8000", "--base-url", help="where the dashboard is reached"
    ),
    renew: bool = typer.Option(
        False, "--renew", help="a new secret: links given before stop working"
    ),
) -> None:
    """Print the person's calendar subscription link(s), one per GHT they may see."""
    from services.accounts.people import calendar_links

    for link in calendar_links(workspace(), email, base_url, renew=renew):
        sys.stdout.write(link["url"] + "\n")
