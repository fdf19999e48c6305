"""`ghtflow users add|passwd|token|list|calendar-link`: people who sign in to the dashboard
and the JSON API. Passwords are typed twice without echo, or read from standard input
(`--password-stdin`, for scripts), never taken as an option (it would stay in shell history).
"""

from __future__ import annotations

import sys
from enum import StrEnum

import typer

from cli.context import workspace
from cli.output import FORMAT_OPTION, Format, console, err_console, print_csv, print_json, table

app = typer.Typer(
    help="People who sign in: passwords, API tokens, calendar links.", no_args_is_help=True
)

LIST_COLUMNS = [
    "id",
    "email",
    "name",
    "role",
    "ght",
    "has_password",
    "active_tokens",
    "has_calendar_link",
]
PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="read the password from the first line of standard input"
)


class Role(StrEnum):
    agency = "agency"
    ght = "ght"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        from services.errors import InvalidInput

        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInput("no password on standard input (--password-stdin)")
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command()
def add(
    email: str = typer.Argument(..., help="the person's e-mail address, used to sign in"),
    role: Role = typer.Option(..., "--role", help="agency or ght"),
    ght: str | None = typer.Option(None, "--ght", help="GHT code, for --role ght (e.g. OCC-02)"),
    name: str = typer.Option("", "--name", help="name as shown in the dashboard"),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Create a person who can sign in (or update one), with a password."""
    from services.accounts import add_user
    from services.errors import InvalidInput

    if (role is Role.ght) != (ght is not None):  # said before the password is asked for
        raise InvalidInput("a GHT person needs --ght CODE; an agency person takes none")
    password = _password(password_stdin)  # a refused one rolls the whole change back
    account, created = add_user(
        workspace(), email, role.value, ght_code=ght, name=name, password=password
    )
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
    from services.accounts import set_password

    set_password(workspace(), email, _password(password_stdin))
    console.print(f"password of {email.strip().lower()} changed", markup=False)


@app.command()
def token(email: str = typer.Argument(..., help="the person's e-mail address")) -> None:
    """Issue an API token for this person and print it (only once: keep it)."""
    from services.accounts import issue_token

    issued = issue_token(workspace(), email)
    sys.stdout.write(issued + "\n")
    err_console.print(
        "This token is shown only once; send it as 'Authorization: Bearer TOKEN'.", markup=False
    )


@app.command("list")
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """List the people, whether they have a password, active tokens and a calendar link."""
    from services.users import list_users

    users = list_users(workspace())
    if fmt is Format.json:
        print_json(users)
        return
    rows = ([u[c] for c in LIST_COLUMNS] for u in users)
    if fmt is Format.csv:
        print_csv(LIST_COLUMNS, rows)
    else:
        console.print(table(f"{len(users)} people", LIST_COLUMNS, rows))


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
    from services.users import calendar_links

    for link in calendar_links(workspace(), email, base_url, renew=renew):
        sys.stdout.write(link["url"] + "\n")
