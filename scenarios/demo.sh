#!/usr/bin/env bash
# `make demo`: the Occitanie situation of 13 October 2017, then two documents played through
# their lifecycles with the same commands a user types. Everything goes to a fresh ./var/demo.
set -euo pipefail
cd "$(dirname "$0")/.."

export GHTFLOW_HOME="${GHTFLOW_HOME:-var/demo}"
export COLUMNS="${COLUMNS:-120}"
unset GHTFLOW_DATABASE_URL GHTFLOW_FILES_DIR
GHTFLOW=".venv/bin/ghtflow"
OFFICER="instructeur@ars-occitanie.example.org"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[2m$ ghtflow %s\033[0m\n' "$*"; "$GHTFLOW" "$@"; }
id_of() {  # id of the document of a type for a GHT (JSON output read with the venv's Python)
  "$GHTFLOW" documents list --ght "$1" --type "$2" --format json |
    .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])'
}

rm -rf "$GHTFLOW_HOME"
mkdir -p "$GHTFLOW_HOME/inbox"
step "A fresh work directory: $GHTFLOW_HOME (SQLite database, stored files)"
run db upgrade
run load --demo scenarios/occitanie-2017.yaml

step "The regional picture on 13 October 2017"
run report bilan --as-of 2017-10-13

# --- registry: what each GHT still owes under the role matrix ---
step "Registry: GHT OCC-01 with its members, and the conventions each GHT still owes"
run ghts show OCC-01
run compliance

step "PMSP of GHT Lot (OCC-02): submitted, conformity requested, resubmitted, approved"
PMSP=$(id_of OCC-02 pmsp)
printf '%%PDF-1.4\nPMSP GHT du Lot, version 1\n%%%%EOF\n' > "$GHTFLOW_HOME/inbox/pmsp-lot-v1.pdf"
printf '%%PDF-1.4\nPMSP GHT du Lot, version 2 (volet biologie et projet de soins)\n%%%%EOF\n' > "$GHTFLOW_HOME/inbox/pmsp-lot-v2.pdf"
run documents fire "$PMSP" submit --actor direction@occ-02.example.org \
  --file "$GHTFLOW_HOME/inbox/pmsp-lot-v1.pdf" --as-of 2017-10-16
run documents fire "$PMSP" approve --actor direction@occ-02.example.org --as-of 2017-10-20 ||
  echo "   (refused as expected: approving is the agency's decision)"
run documents fire "$PMSP" request_conformity --actor "$OFFICER" \
  --motive biology_pharmacy_imaging --motive shared_care_project \
  --note "Préciser le projet de biologie et le projet de soins partagé." \
  --respond-by 2017-12-01 --as-of 2017-10-30
run documents fire "$PMSP" resubmit --actor direction@occ-02.example.org \
  --file "$GHTFLOW_HOME/inbox/pmsp-lot-v2.pdf" --as-of 2017-11-24
run documents fire "$PMSP" approve --actor "$OFFICER" --as-of 2017-12-08
run documents show "$PMSP"

step "CHU convention of GHT Ouest-Audois (OCC-03, CHU de Toulouse): signed, submitted, approved"
CONV=$(id_of OCC-03 chu_convention)
printf '%%PDF-1.4\nConvention CHU de Toulouse / GHT Ouest-Audois, signée\n%%%%EOF\n' > "$GHTFLOW_HOME/inbox/convention-occ03.pdf"
run documents fire "$CONV" sign --actor direction@occ-03.example.org --as-of 2017-11-06
run documents fire "$CONV" submit --actor direction@occ-03.example.org \
  --file "$GHTFLOW_HOME/inbox/convention-occ03.pdf" --as-of 2017-11-08
run documents fire "$CONV" approve --actor "$OFFICER" --as-of 2017-12-12
run documents show "$CONV"

step "The regional picture on 31 December 2017, and the audit trail"
run report bilan --as-of 2017-12-31
run audit verify

# --- a second region and a second procedure, as data: ARS Guyane's 2018 call for projects
# e-parcours (SNACs), whose applicants are coordination structures, not GHTs ----------------
step "ARS Guyane beside Occitanie: the 2018 e-parcours call (SNACs), a procedure that is a folder"
GUY_OFFICER="esante@ars-guyane.example.org"
run load --demo scenarios/guyane-2018.yaml
run procedures check procedures/snacs-2018
run campaigns launch GUY-AAP-2018 --as-of 2018-05-16
SNACS=$(id_of PTA-973 snacs_application)
run documents fire "$SNACS" start_review --actor "$GUY_OFFICER" --as-of 2018-05-17
run documents fire "$SNACS" select --actor "$GUY_OFFICER" --as-of 2018-05-17 ||
  printf '   (refused: the agency assesses every selection criterion first)\n'
run documents fire "$SNACS" assess --actor "$GUY_OFFICER" --as-of 2018-05-22 \
  --criterion versatility --met
run documents fire "$SNACS" assess --actor "$GUY_OFFICER" --as-of 2018-05-22 \
  --criterion territorial_actors --met --note "Libéraux (URPS), CH de Cayenne, EHPAD et MAIA signataires."
run documents fire "$SNACS" assess --actor "$GUY_OFFICER" --as-of 2018-05-22 \
  --criterion usage_targets --met
run documents fire "$SNACS" assess --actor "$GUY_OFFICER" --as-of 2018-05-22 \
  --criterion pta_missions --met
run documents fire "$SNACS" select --actor "$GUY_OFFICER" --as-of 2018-06-05
run documents show "$SNACS"

# --- e-mail and deadlines: sweeps as of 1 December 2017 and 2 January 2018, delivery
# to a local mail sink on a free port, messages filed in $GHTFLOW_HOME/maildir ---------------
step "Deadline sweeps and e-mail: reminders on 1 December 2017, escalations on 2 January 2018"
export PREFECT_HOME="$GHTFLOW_HOME/prefect"   # no Prefect profile of yours: the sweeps run here
SINK_PORT=$(.venv/bin/python -c 'from notifications.sink import free_port; print(free_port())')
"$GHTFLOW" mail-sink --port "$SINK_PORT" --maildir "$GHTFLOW_HOME/maildir" &
SINK_PID=$!
trap 'kill "$SINK_PID" 2>/dev/null || true' EXIT
export GHTFLOW_SMTP_PORT="$SINK_PORT"
run sweep --as-of 2017-12-01
run sweep --as-of 2018-01-02
run outbox send
kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true
trap - EXIT
MAILS=$(find "$GHTFLOW_HOME/maildir/new" -type f | wc -l)
printf '\n%s e-mails landed in %s/maildir (one file each in new/).\n' "$MAILS" "$GHTFLOW_HOME"
printf 'Open them with: mutt -f %s/maildir   (or any text editor)\n' "$GHTFLOW_HOME"
printf 'For example, the conformity request sent to GHT Lot:\n\n'
.venv/bin/python - "$GHTFLOW_HOME/maildir" <<'PY'
import email, mailbox, sys
from email.policy import default
for message in mailbox.Maildir(sys.argv[1], factory=None):
    mail = email.message_from_bytes(message.as_bytes(), policy=default)
    if "conformité" in mail["Subject"] and "OCC-02" in mail["Subject"]:
        for name in ("From", "To", "Cc", "Subject", "Message-ID"):
            print(f"  {name}: {str(mail[name]).strip()}")
        print("\n  " + mail.get_body(("plain",)).get_content().replace("\n", "\n  "))
        break
PY
# --- Word generation ----------------------------------------------------------------
step "Word documents: the 8 CHU conventions with Toulouse and the 4 conformity letters"
DOCS="$GHTFLOW_HOME/documents"
# CHU conventions of the GHTs whose reference CHU is Toulouse (their support is not a CHU)
TOULOUSE=$("$GHTFLOW" documents list --type chu_convention --format json | .venv/bin/python -c '
import json, sys
toulouse = {"OCC-02", "OCC-03", "OCC-04", "OCC-05", "OCC-06", "OCC-07", "OCC-11", "OCC-13"}
print(" ".join(str(d["id"]) for d in json.load(sys.stdin) if d["ght"] in toulouse))')
# PMSPs waiting for conformity: `generate` writes the letter of their latest request
LETTERS=$("$GHTFLOW" documents list --type pmsp --state conformity_requested --format json |
  .venv/bin/python -c 'import json,sys; print(" ".join(str(d["id"]) for d in json.load(sys.stdin)))')
# shellcheck disable=SC2086  # the id lists are meant to split into arguments
run generate $TOULOUSE $LETTERS --out "$DOCS"
cat <<TXT
   The Word files are in $DOCS (each also stored under its SHA-256 in $GHTFLOW_HOME/files).
   Every convention of a type at once (a Prefect flow run when PREFECT_API_URL is set):
     ghtflow generate --type chu_convention --all --out $DOCS
   With LibreOffice installed ('make pdf-tools'), add --pdf for PDF copies.
TXT

step "Done. Try it yourself:"
cat <<TXT
  export GHTFLOW_HOME=$GHTFLOW_HOME
  .venv/bin/ghtflow documents list --ght OCC-04
  .venv/bin/ghtflow documents show $PMSP --format json
  .venv/bin/ghtflow states diagram pmsp
  .venv/bin/ghtflow outbox list --format json
TXT
# --- web dashboard: where to see all this in a browser ------------------------------
step "The web dashboard on these data"
cat <<TXT
  make serve        # or: GHTFLOW_HOME=$GHTFLOW_HOME .venv/bin/ghtflow serve --port 8000
  then open http://127.0.0.1:8000/ and sign in with the demo password ghtflow-demo as
    the agency's case officer:   $OFFICER
    a GHT director (GHT Lot):    direction@occ-02.example.org   (each GHT: direction@occ-NN.example.org)
TXT
