"""One example per command, shown at the end of its `--help` (and checked by a test to
name the command it belongs to and to parse)."""

from __future__ import annotations

from domain.clock import geneva_today

_NEXT_YEAR = geneva_today().year + 1

EXAMPLES = {
    "config show": "ccm config show --output json",
    "db upgrade": "CCM_DATABASE_URL=postgresql://ccm@db/ccm_eventlog ccm db upgrade",
    "server start-dev": "ccm server start-dev --port 7233 --ui-port 8233",
    "worker": "ccm worker --metrics-port 9464",
    "codec-server": "CCM_CODEC_TOKEN=… ccm codec-server --port 8081",
    "health": "ccm health --max-age 60",
    "up": "ccm up --headless",
    "ping": "ccm ping --note 'after the upgrade'",
    "offices": "ccm offices --output csv",
    "completion": "ccm completion bash > ~/.ccm-complete.bash",
    "states list": "ccm states list --status signatory",
    "states show": "ccm states show Italy",
    "states targets": "ccm states targets --as-of 2017-09-04",
    "event add": "ccm event add --title 'Workshop on clearance' --kind workshop --host Lebanon --place Beirut "
    "--from 2027-03-01 --to 2027-03-02 --owner coordinator:clearance-and-rre --targets LBN",
    "event funding": "ccm event funding event-2027-03-01-workshop-on-clearance --funder 'European Union' "
    "--status granted",
    "event outcome": "ccm event outcome event-2027-03-01-workshop-on-clearance --file outcome.md",
    "event cancel": "ccm event cancel event-2027-03-01-workshop-on-clearance --reason 'postponed to 2028'",
    "event list": "ccm event list --theme universalization",
    "event ics": "ccm event ics event-2027-03-01-workshop-on-clearance > workshop.ics",
    "coalition set": "ccm coalition set --target LBN --lead NOR --donors DEU,NLD --stakeholders 'LMAC; operators' "
    "--status active",
    "coalition list": "ccm coalition list",
    "coordinators list": "ccm coordinators list --on 2016-11-04",
    "coordinators set": "ccm coordinators set --term 12MSP --theme universalization --states MWI,PER "
    "--source 'https://www.clusterconvention.org/universalization/'",
    "import votes": "ccm import votes --file ga-voting-data.csv --resolution A/RES/70/54",
    "universalization watch": "ccm universalization watch",
    "universalization target": "ccm universalization target --state Myanmar --category administrative",
    "universalization outreach": "ccm universalization outreach --state MMR --kind letter --on 2026-11-30 "
    "--note 'The President wrote to the Head of Mission'",
    "universalization letter": "ccm universalization letter --state MMR --language en --preview --out letter.pdf",
    "universalization close": "ccm universalization close --state MMR --reason 'not before the 15MSP'",
    "universalization list": "ccm universalization list --all",
    "universalization rebuild": "ccm universalization rebuild --state MMR --reason 'its history no longer replays'",
    "states legislation": "ccm states legislation --state ITA --status adopted --source article7 --as-of 2016-06-01",
    "report legislation": "ccm report legislation --as-of 2016-11-04 --summary",
    "report publish-themes": "ccm report publish-themes --theme universalization --as-of 2016-11-04",
    "report theme": "ccm report theme --theme universalization --language fr --out universalization.md",
    "action-plan": "ccm action-plan --on 2016-11-04",
    "audit log": "ccm audit log --subject ITA --type 'chase.*' --since 2027-01-01",
    "audit verify": "ccm audit verify --file log-2027.jsonl",
    "audit export": "ccm audit export --since 2027-01-01 --out log-2027.jsonl",
    "audit history": "ccm audit history chase-2027-ITA",
    "chase rebuild": "ccm chase rebuild --state Italy --year 2027 --reason 'its history no longer replays'",
    "chase start": "ccm chase start --state Italy --year 2027 --amount 38486 --msp-date 2027-09-04",
    "chase start-all": "ccm chase start-all --year 2027 --budget 500000 --dry-run",
    "chase receive": "ccm chase receive --state ITA --amount 38486 --reference UBS-2027-0412 --budget-line 7c",
    "chase reverse-receipt": "ccm chase reverse-receipt --state ITA --reference UBS-2027-0412 --reason 'booked twice'",
    "chase correct-due": "ccm chase correct-due --state ITA --amount 38000 --reason 'scale revised'",
    "chase report-payment": "ccm chase report-payment --state NZL --date 2027-05-18 --reference NZ-7781",
    "chase pledge": "ccm chase pledge --state ITA --expected-date 2027-07-01 --note 'being processed'",
    "chase set-msp-date": "ccm chase set-msp-date --state ITA --date 2027-09-11",
    "chase escalate": "ccm chase escalate --year 2027 --all-unpaid --as 'Michael Biontino@president'",
    "chase waive": "ccm chase waive --state SMR --reason 'exceptional circumstances' --as president",
    "chase cancel": "ccm chase cancel --state SMR --reason 'started in error' --as president",
    "chase status": "ccm chase status --year 2027 --output csv",
    "chase schedule": "ccm chase schedule --day 01-15 --budget-file budget.csv --msp-day 09-04",
    "demo": "ccm demo --keep",
    "doctor": "ccm doctor --attempts 5",
    "meeting schedule": "ccm meeting schedule --date 2016-12-07 --venue 'Permanent Mission of Germany' "
    "--previous 2016-11-04",
    "meeting reschedule": "ccm meeting reschedule --meeting 2016-12-07 --date 2016-12-08 --venue 'Palais des Nations'",
    "meeting cancel": "ccm meeting cancel --meeting 2016-12-07 --reason 'no quorum'",
    "meeting propose-item": "ccm meeting propose-item --meeting 2016-12-07 --title 'Country Coalitions' --as DEU",
    "meeting attendance": "ccm meeting attendance --meeting 2016-12-07 --present DEU,NZL,ICRC",
    "meeting agenda-adopted": "ccm meeting agenda-adopted --meeting 2016-11-04 --file agenda.txt",
    "meeting set-next": "ccm meeting set-next --meeting 2016-12-07 --date 2017-01-18",
    "meeting minutes circulate": "ccm meeting minutes circulate --meeting 2016-12-07 --file minutes.md",
    "meeting minutes approve": "ccm meeting minutes approve --meeting 2016-12-07 --at-meeting 2017-01-18 "
    "--as 'Michael Biontino@president'",
    "meeting status": "ccm meeting status --meeting 2016-12-07 --output json",
    "meeting rebuild": "ccm meeting rebuild --meeting 2016-11-04 --reason 'its history no longer replays'",
    "meeting agenda": "ccm meeting agenda --meeting 2016-12-07",
    "meeting ics": "ccm meeting ics --meeting 2016-12-07 --out cc-2016-12-07.ics",
    "task add": "ccm task add --owner NOR --text 'Feedback on the Lebanon workshop' --next-meeting",
    "task list": "ccm task list --owner NOR --overdue",
    "task done": "ccm task done action-meeting-cc-2016-11-04-3 --note 'plan presented' --as NOR",
    # a new due date must lie ahead: the example's is next January's
    "task extend": f"ccm task extend action-meeting-cc-2016-11-04-3 --due {_NEXT_YEAR}-01-20 --reason 'capitals'",
    "task reassign": "ccm task reassign action-meeting-cc-2016-11-04-3 --owner Zambia",
    "task cancel": "ccm task cancel action-meeting-cc-2016-11-04-3 --reason 'merged into item 2'",
    "task rebuild": "ccm task rebuild action-meeting-cc-2016-11-04-3 --reason 'its history no longer replays'",
    "plan start": "ccm plan start --theme victim-assistance --meeting 2016-11-04 --plan-due 2016-12-07",
    "plan submit": "ccm plan submit --theme victim-assistance --file note.md --summary '…' --as 'Silvia Cattaneo@ITA'",
    "plan comment": "ccm plan comment --theme victim-assistance --text 'Why these countries?' --as ICRC",
    "plan approve-final": "ccm plan approve-final --theme victim-assistance --as 'Michael Biontino@president'",
    "plan submit-plan": "ccm plan submit-plan --theme victim-assistance --file plan.yaml --as CHL",
    "plan approve": "ccm plan approve --theme victim-assistance --as president",
    "plan request-changes": "ccm plan request-changes --theme victim-assistance --comments 'dates?' --as president",
    "plan set-due": "ccm plan set-due --theme victim-assistance --date 2017-01-18 --as isu",
    "plan withdraw": "ccm plan withdraw --theme country-coalitions --reason 'merged' --as president",
    "plan status": "ccm plan status --msp 7MSP",
    "plan rebuild": "ccm plan rebuild --theme victim-assistance --msp 7MSP --reason 'its history no longer replays'",
    "report arrears": "ccm report arrears --year 2017 --older-than 1",
    "report finances": "ccm report finances --year 2016 --as-of 2016-11-04 --since 2016-09-27",
    "report contributions": "ccm report contributions --year 2016 --as-of 2016-11-04 --output csv --out status.csv",
    "report publish": "ccm report publish --year 2016 --as-of 2016-11-04",
    "outbox list": "ccm outbox list",
    "obligations start": "ccm obligations start --kind art7-annual --year 2016",
    "obligations confirm-overdue": "ccm obligations confirm-overdue --state NOR --kind art7-annual --year 2025 "
    "--reason 'the reports of 2025 are all recorded'",
    "obligations rebuild": "ccm obligations rebuild --state NOR --kind art7-annual --year 2016 "
    "--reason 'its history no longer replays'",
    "obligations fulfil": "ccm obligations fulfil --state NOR --kind art7-annual --year 2016 --date 2017-04-28 "
    "--reference A7-NOR-2016",
    "obligations request-extension": "ccm obligations request-extension --state LBN --kind art4-clearance "
    "--new-due 2026-05-01 --meeting 2020-11-25 --submitted 2020-02-03 "
    "--reason 'contamination'",
    "obligations decide-extension": "ccm obligations decide-extension --state LBN --kind art4-clearance "
    "--msp 2RC --meeting 2020-11-25 --granted "
    "--decision 'The Conference decided to grant the request'",
    "obligations override-due": "ccm obligations override-due --state FJI --kind art7-initial --due 2016-02-28 "
    "--reason 'counted from deposit'",
    "obligations exempt": "ccm obligations exempt --state DEU --kind dap-va-focal-point --reason 'no victims'",
    "obligations list": "ccm obligations list --overdue --kind art7-annual",
    "import obligations": "ccm import obligations --file reports-2016.csv",
    "import contributions": "ccm import contributions --year 2016 --file ledger-2016.csv",
    "import letters": "ccm import letters --year 2016 --file letters-2016.csv",
    "import expenditure": "ccm import expenditure --file expenditure-2016.csv",
    "budget set": "ccm budget set --year 2016 --file budget-2016.csv --decision '1RC, Dubrovnik, 2015' "
    "--approved-on 2015-09-11 --carry-over 150000",
    "budget show": "ccm budget show --year 2016",
    "bank import": "ccm bank import camt053-2027-03.xml --as 'Sheila Mweemba@isu'",
    "bank status": "ccm bank status --unmatched --output csv",
    "bank statements": "ccm bank statements --output json",
    "bank match": "ccm bank match UBS-2027-0412 --state DEU --year 2027 --chf 95.00",
    "report obligations": "ccm report obligations --as-of 2016-11-04 --output md",
    "states record": "ccm states record --state 'Sri Lanka' --event accession --deposited 2018-03-01",
    "outbox retry": "ccm outbox retry --all",
    "data list": "ccm data list --output json",
    "data add-scale": "ccm data add-scale scale-2028-2030.csv --period 2028-2030 --source 'A/RES/82/…'",
    "data add-holidays": "ccm data add-holidays unog-2029.csv --source 'UNOG official holidays 2029'",
    "data checked-registry": "ccm data checked-registry --as-of 2027-02-01 --source 'UNTC MTDSG XXVI-6'",
    "letters preview": "ccm letters preview --state ITA --year 2027 --letter call --language fr --out call.pdf",
    "letters contacts": "ccm letters contacts --missing",
    "letters held": "ccm letters held --year 2027",
    "keys new": "ccm keys new --as 'Michael Biontino@president' --passphrase",
    "keys register": "ccm keys register ~/.config/ccm/keys/AbCd.json --office president --from 2027-01-01 "
    "--until 2027-12-31 --admin-key admin.pem",
    "keys revoke": "ccm keys revoke SHA256:AbCd… --reason 'laptop lost' --admin-key admin.pem",
    "keys list": "ccm keys list",
    "audit checkpoint": "ccm audit checkpoint --out checkpoint-2027-06-30.json",
    "audit schedule-checkpoints": "ccm audit schedule-checkpoints --hour 2",
}


def add_examples(group, path: tuple[str, ...] = ()) -> None:
    """Put each command's example in its help epilog (click keeps the lines as written)."""
    import click

    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            add_examples(command, path + (name,))
        elif (example := EXAMPLES.get(" ".join(path + (name,)))) is not None:
            command.epilog = f"\b\nExample:\n  {example}"
