"""The campaign pages (agency): list and create, launch, move a due date, close.

Every change is posted twice: the first post shows what will happen on a confirmation page
(nothing is written), whose form posts the same fields again with `confirme=oui`, which does
it through the same use cases as the CLI (`services.campaigns`). A GHT's person is refused
(403); an agency person acts on the campaigns of their region only (another region's is not
found, 404). Refusals are shown on the page with the CLI's one-line message.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from i18n import french_date
from services.accounts.access import require_agency
from services.accounts.credentials import Account
from services.campaigns.due import set_due
from services.campaigns.launch import LaunchResult, launch_campaign
from services.campaigns.store import (
    CampaignSpec,
    check_spec,
    close_campaign,
    create_campaign,
    show_campaign,
)
from services.clock import today
from services.errors import InvalidInput, NotFound
from services.views.campaigns import CampaignPage, campaign_page, campaigns_page
from services.workspace import Workspace
from states.campaigns import closed_refusal, due_problem, parse_offsets
from states.errors import Refusal
from web.pages.common import checked_form, signed_in, workspace
from web.refusals import refusal_status
from web.rendering import page
from web.security import flash

router = APIRouter()
CONFIRMED = "oui"
WHY_NOT_SENT = {"nobody": "personne à qui écrire", "refused": "adresse refusée"}
CANNOT = {"lancement": "be launched", "echeance": "change", "cloture": "be closed again"}


def _agency(account: Account) -> None:
    require_agency(account, "the campaigns page")


def _day(form: FormData, name: str, what: str) -> date | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{what} {raw!r} is not a date YYYY-MM-DD") from None


def _confirmed(form: FormData) -> bool:
    return str(form.get("confirme") or "") == CONFIRMED


def _fields(form: FormData) -> dict[str, str]:
    """The posted fields to post again from the confirmation page (the token aside)."""
    return {k: str(v) for k, v in form.multi_items() if k not in {"csrf_token", "confirme"}}


def _confirm(
    request: Request,
    account: Account,
    *,
    title: str,
    lines: list[str],
    action: str,
    back: str,
    form: FormData,
    button: str,
) -> Response:
    context = {
        "title": title,
        "lines": lines,
        "action": action,
        "back": back,
        "fields": _fields(form),
        "button": button,
        "confirmed": CONFIRMED,
    }
    return page(request, "confirmation.html", context, account=account)


# --- the list, and creating one -------------------------------------------------------------


def _list(
    request: Request,
    ws: Workspace,
    account: Account,
    *,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    data = campaigns_page(ws, account)
    context = {"data": data, "values": values or {}}
    return page(
        request, "campagnes.html", context, account=account, status_code=status_code, error=error
    )


@router.get("/campagnes")
async def campaigns(request: Request) -> Response:
    account = await signed_in(request)
    return await run_in_threadpool(_list, request, workspace(request), account)


def _spec(ws: Workspace, form: FormData) -> CampaignSpec:
    due = {}
    for doc_type in ws.workflows.types:
        day = _day(form, f"due_{doc_type}", f"due date of {doc_type}")
        if day is not None:
            due[doc_type] = day
    raw = str(form.get("reminders") or "").strip()
    try:
        reminders = parse_offsets(raw) if raw else None
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    spec = CampaignSpec(
        code=str(form.get("code") or ""),
        name=str(form.get("name") or ""),
        region=str(form.get("region") or ""),
        due=due,
        reminders=reminders,
    )
    return check_spec(ws, spec)


@router.post("/campagnes")
async def create(request: Request) -> Response:
    account = await signed_in(request)
    form = await checked_form(request)
    _agency(account)
    ws = workspace(request)
    try:
        spec = _spec(ws, form)
        if _confirmed(form):
            details = await run_in_threadpool(
                lambda: create_campaign(ws, spec, region_id=account.region_id)
            )
        else:
            await run_in_threadpool(_refuse_existing, ws, spec.code)
            return _confirm_creation(request, ws, account, spec, form)
    except Refusal as exc:
        status, message = refusal_status(exc), str(exc)
        values = _fields(form)
        return await run_in_threadpool(
            lambda: _list(request, ws, account, values=values, status_code=status, error=message)
        )
    flash(request, f"Campagne {details.code} créée : rien n'est envoyé avant son lancement.")
    return RedirectResponse(f"/campagnes/{details.code}", status_code=303)


def _refuse_existing(ws: Workspace, code: str) -> None:
    """Refused before the confirmation rather than after it: codes are unique."""
    try:
        show_campaign(ws, code)
    except NotFound:
        return
    raise InvalidInput(f"campaign {code} exists already")


def _confirm_creation(
    request: Request, ws: Workspace, account: Account, spec: CampaignSpec, form: FormData
) -> Response:
    lines = [f"Région : {spec.region}", f"Nom : {spec.name}"]
    lines += [
        f"{ws.workflows.type_label(t)} : échéance le {french_date(d)}" for t, d in spec.due.items()
    ]
    reminders = (
        ", ".join(str(o) for o in spec.reminders) + " jours avant chaque échéance"
        if spec.reminders
        else "ceux de chaque type de document"
    )
    lines.append(f"Rappels : {reminders}")
    lines.append("Rien n'est créé ni envoyé aux GHT avant le lancement de la campagne.")
    return _confirm(
        request,
        account,
        title=f"Créer la campagne {spec.code} ?",
        lines=lines,
        action="/campagnes",
        back="/campagnes",
        form=form,
        button="Confirmer la création",
    )


# --- one campaign, and its actions ----------------------------------------------------------


def _one(
    request: Request,
    ws: Workspace,
    account: Account,
    code: str,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    data = campaign_page(ws, account, code)
    return page(
        request,
        "campagne.html",
        {"data": data},
        account=account,
        status_code=status_code,
        error=error,
    )


@router.get("/campagnes/{code}")
async def campaign(request: Request, code: str) -> Response:
    account = await signed_in(request)
    return await run_in_threadpool(_one, request, workspace(request), account, code)


async def _act(request: Request, code: str, action: str) -> Response:
    """One change to a campaign: refused on the campaign's page, confirmed, or done."""
    account = await signed_in(request)
    form = await checked_form(request)
    _agency(account)
    ws = workspace(request)
    try:
        data = await run_in_threadpool(campaign_page, ws, account, code)
        refusal = closed_refusal(data.details.code, data.details.closed_on, CANNOT[action])
        if refusal:
            raise InvalidInput(refusal)
        if not _confirmed(form):
            return _confirm_action(request, ws, account, data, action, form)
        message = await run_in_threadpool(_do, ws, account, data, action, form)
    except Refusal as exc:
        status, text = refusal_status(exc), str(exc)
        if status == 404:
            raise  # another region's campaign: as one that does not exist
        return await run_in_threadpool(
            lambda: _one(request, ws, account, code, status_code=status, error=text)
        )
    flash(request, message)
    return RedirectResponse(f"/campagnes/{data.details.code}", status_code=303)


def _due_fields(ws: Workspace, form: FormData) -> tuple[str, date]:
    doc_type = str(form.get("doc_type") or "").strip()
    if doc_type not in ws.workflows.types:
        raise InvalidInput(f"unknown document type {doc_type!r}")
    day = _day(form, "due", "new due date")
    if day is None:
        raise InvalidInput("give the new due date")
    problem = due_problem(doc_type, day, today(), ws.workflows.types)
    if problem:
        raise InvalidInput(problem)
    return doc_type, day


def _confirm_action(
    request: Request,
    ws: Workspace,
    account: Account,
    data: CampaignPage,
    action: str,
    form: FormData,
) -> Response:
    """What the action will do, for the person to confirm (nothing is written)."""
    d = data.details
    base = f"/campagnes/{d.code}"
    as_of = _day(form, "as_of", "date")
    when = f"Date retenue : {french_date(as_of)}." if as_of else "Date retenue : aujourd'hui."
    if action == "lancement":
        lines = [
            f"{len(data.ghts)} GHT dans la région {d.region} : pour chacun, les documents que la "
            "campagne lui demande sont créés en préparation avec leur échéance, puis un e-mail "
            "lui liste ce qu'il doit et pour quand (copie à la direction de l'agence).",
            "Ce qui existe déjà n'est pas recréé et un e-mail déjà envoyé ne l'est pas à nouveau.",
            when,
        ]
        title, button = f"Lancer la campagne {d.code} ?", "Confirmer le lancement"
    elif action == "echeance":
        doc_type, day = _due_fields(ws, form)
        label = ws.workflows.type_label(doc_type)
        before = d.due.get(doc_type)
        owed = sum(1 for g in data.ghts for x in g.documents if x.doc_type == doc_type and x.owed)
        lines = [
            f"{label} : échéance "
            + (f"du {french_date(before)} déplacée au" if before else "fixée au")
            + f" {french_date(day)}.",
            f"{owed} document{'s' if owed > 1 else ''} de ce type non encore transmis "
            "prendr" + ("ont" if owed > 1 else "a") + " la nouvelle date ; chaque changement est "
            "inscrit dans son historique et les rappels suivent la nouvelle date.",
            when,
        ]
        title, button = f"Déplacer une échéance de {d.code} ?", "Confirmer la nouvelle échéance"
    elif action == "cloture":
        lines = [
            "La campagne ne pourra plus être lancée ni modifiée. Ses documents restent dus "
            "et les rappels continuent.",
            when,
        ]
        title, button = f"Clôturer la campagne {d.code} ?", "Confirmer la clôture"
    else:  # pragma: no cover - the routes name the actions
        raise InvalidInput(f"unknown action {action!r}")
    return _confirm(
        request,
        account,
        title=title,
        lines=lines,
        action=f"{base}/{action}",
        back=base,
        form=form,
        button=button,
    )


def _do(ws: Workspace, account: Account, data: CampaignPage, action: str, form: FormData) -> str:
    """Run the confirmed action; the French message to show afterwards."""
    code, region = data.details.code, account.region_id
    as_of = _day(form, "as_of", "date")
    if action == "lancement":
        return _launched(launch_campaign(ws, code, as_of=as_of, region_id=region))
    if action == "echeance":
        doc_type, day = _due_fields(ws, form)
        moved = set_due(ws, code, doc_type, day, as_of=as_of, actor=account.email, region_id=region)
        n = len(moved.moved)
        return (
            f"Échéance de « {ws.workflows.type_label(doc_type)} » fixée au {french_date(day)} : "
            f"{n} document{'s' if n > 1 else ''} déplacé{'s' if n > 1 else ''}."
        )
    closed = close_campaign(ws, code, as_of=as_of, region_id=region)
    assert closed.closed_on is not None
    return f"Campagne {code} clôturée le {french_date(closed.closed_on)}."


def _launched(result: LaunchResult) -> str:
    created, queued = result.created, result.mails_queued
    text = (
        f"Campagne {result.campaign} lancée : {created} document{'s' if created > 1 else ''} "
        f"créé{'s' if created > 1 else ''}, {queued} e-mail{'s' if queued > 1 else ''} "
        f"mis en file d'envoi."
    )
    missed = [f"{g.code} ({WHY_NOT_SENT[g.mail.value]})" for g in result.ghts if g.reason]
    if missed:
        text += " Sans e-mail : " + ", ".join(missed) + "."
    return text


@router.post("/campagnes/{code}/lancement")
async def launch(request: Request, code: str) -> Response:
    return await _act(request, code, "lancement")


@router.post("/campagnes/{code}/echeance")
async def move_due(request: Request, code: str) -> Response:
    return await _act(request, code, "echeance")


@router.post("/campagnes/{code}/cloture")
async def close(request: Request, code: str) -> Response:
    return await _act(request, code, "cloture")
