"""Statements in the dialects real banks write, made by the tests from what their public
samples and the standards show (the files themselves are not shipped):

- camt.053 and camt.054 in versions .02, .04 and .08 (each validated against its ISO 20022
  XSD), with batch entries: in .02 a transaction's amount sits in `AmtDtls/TxAmt/Amt`, from
  .04 on in `Amt`; a Swiss BVR/QR batch credit repeats the package id as every
  transaction's `AcctSvcrRef` and carries a 27-digit QR reference (`Prtry` QRR);
- MT940 as ING writes it (a header before `:20:`, the same `:20:MPBZ` every day, `NONREF`
  and no bank reference, a summary `:86:` after `:62F:`, `-XXX`), ABN AMRO (`:20:ABN AMRO
  BANK NV` every day, amounts such as `500,`, one statement over two messages with
  `:62M:`/`:60M:`), Rabobank (`:940:`, the account with its currency, zero-padded
  amounts, the counterparty's account and name in `:61:`, one `:86:` a line), PostFinance
  (SWIFT blocks, `//NONREF` and the bank's reference on the supplementary line) and
  mBank (a Polish IBAN, the bank's reference `MB…` after `//`, `:64:`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from tests.statements import IBAN, Line, moved


@dataclass
class Batch:
    """One booked entry holding several transactions (`NtryDtls/Btch`)."""

    ref: str
    day: date
    lines: list[Line] = field(default_factory=list)
    package_id: bool = False  # Swiss BVR/QR: the package id is every transaction's AcctSvcrRef

    @property
    def amount(self) -> Decimal:
        return sum((Decimal(line.amount) for line in self.lines), Decimal("0.00"))


def _money(value) -> str:
    return f"{Decimal(value):.2f}"


def _tx(line: Line, version: str, ref: str) -> str:
    amount = f'<Amt Ccy="{line.currency}">{_money(line.amount)}</Amt>'
    if version == "02":
        amounts = f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>"
    else:
        amounts = f"{amount}<CdtDbtInd>{'CRDT' if line.credit else 'DBIT'}</CdtDbtInd>"
    name = f"<Nm>{escape(line.debtor)}</Nm>"
    parties = (
        ""
        if not line.debtor
        else (
            f"<RltdPties><Dbtr>{name}</Dbtr></RltdPties>"
            if version in ("02", "04")
            else f"<RltdPties><Dbtr><Pty>{name}</Pty></Dbtr></RltdPties>"
        )
    )
    kind = "<Cd>SCOR</Cd>" if line.reference.startswith("RF") else "<Prtry>QRR</Prtry>"
    remittance = (
        "<RmtInf>"
        + (f"<Ustrd>{escape(line.text)}</Ustrd>" if line.text else "")
        + (
            f"<Strd><CdtrRefInf><Tp><CdOrPrtry>{kind}</CdOrPrtry></Tp><Ref>{line.reference}</Ref></CdtrRefInf></Strd>"
            if line.reference
            else ""
        )
        + "</RmtInf>"
        if line.text or line.reference
        else ""
    )
    refs = (
        f"<Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
        if ref
        else ("<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>")
    )
    return f"<TxDtls>{refs}{amounts}{parties}{remittance}</TxDtls>"


def _ntry(item: Line | Batch, version: str) -> str:
    if isinstance(item, Batch):
        credit, reversal, currency = True, False, item.lines[0].currency
        amount, day, ref = item.amount, item.day, item.ref
        details = f"<Btch><NbOfTxs>{len(item.lines)}</NbOfTxs></Btch>" + "".join(
            _tx(line, version, item.ref if item.package_id else line.ref) for line in item.lines
        )
    else:
        credit, reversal, currency = item.credit, item.reversal, item.currency
        amount, day, ref = Decimal(item.amount), item.day, item.ref
        details = _tx(item, version, "")
    status = "<Sts>BOOK</Sts>" if version in ("02", "04") else "<Sts><Cd>BOOK</Cd></Sts>"
    return (
        f'<Ntry><Amt Ccy="{currency}">{_money(amount)}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd>'
        + ("<RvslInd>true</RvslInd>" if reversal else "")
        + f"{status}<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        + (f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else "")
        + "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        + f"<NtryDtls>{details}</NtryDtls></Ntry>"
    )


def _lines(items) -> list[Line]:
    return [line for item in items for line in (item.lines if isinstance(item, Batch) else [item])]


def camt(
    kind: str,
    version: str,
    items: list[Line | Batch],
    statement_id: str = "STMT-1",
    opening: Decimal = Decimal("0.00"),
    account: str = IBAN,
) -> bytes:
    """A camt.053 statement (with its balances) or camt.054 notification, version .02/.04/.08."""
    day = max((i.day for i in items), default=date(2027, 3, 1))
    closing = opening + moved(_lines(items))

    def bal(code: str, value: Decimal) -> str:
        return (
            f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="CHF">{_money(abs(value))}</Amt>'
            f"<CdtDbtInd>{'DBIT' if value < 0 else 'CRDT'}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
        )

    statement = kind == "camt.053"
    root, report = ("BkToCstmrStmt", "Stmt") if statement else ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
    balances = bal("OPBD", opening) + bal("CLBD", closing) if statement else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{kind}.001.'
        f'{version}"><{root}><GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>'
        f"<{report}><Id>{statement_id}</Id><CreDtTm>{day}T18:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>{account}</IBAN></Id></Acct>{balances}"
        + "".join(_ntry(i, version) for i in items)
        + f"</{report}></{root}></Document>\n"
    ).encode("utf-8")


# --- MT940 -------------------------------------------------------------------------------------
def _comma(value, pad: int = 0, whole: bool = False) -> str:
    text = f"{abs(Decimal(value)):.2f}"
    if whole and text.endswith(".00"):
        text = text[:-2]  # ABN AMRO and PostFinance write 500, for 500.00
    units, cents = text.split(".")
    return f"{units.zfill(pad)},{cents}"


def _mark(line: Line) -> str:
    return ("RD" if line.reversal else "C") if line.credit else ("RC" if line.reversal else "D")


def _details(line: Line) -> str:
    return " ".join(t for t in (line.text, line.reference, line.debtor) if t) or "NONE"


def _balance(tag: str, value: Decimal, day: date, pad: int = 0, whole: bool = False) -> str:
    return f"{tag}{'D' if value < 0 else 'C'}{day:%y%m%d}CHF{_comma(value, pad, whole)}"


def mt940_ing(lines: list[Line], account: str = "0001234567", opening: Decimal = Decimal("0.00")) -> bytes:
    day = max(line.day for line in lines)
    rows = [
        "0000 01INGBNL2AXXXX00001",
        "0000 01INGBNL2AXXXX00001",
        "940 00",
        ":20:MPBZ",
        f":25:{account}",
        ":28C:000",
        _balance(":60F:", opening, day),
    ]
    for line in lines:  # no entry date, NONREF and no bank reference, a tab in the text
        rows += [f":61:{line.day:%y%m%d}{_mark(line)}{_comma(line.amount)}NOV NONREF", f":86: {_details(line)}\tGIRO"]
    closing = opening + moved(lines)
    credits = sum((Decimal(x.amount) for x in lines if x.credit), Decimal(0))
    debits = sum((Decimal(x.amount) for x in lines if not x.credit), Decimal(0))
    rows += [
        _balance(":62F:", closing, day),
        f":86:D{sum(not x.credit for x in lines):06d}C{sum(x.credit for x in lines):06d}"
        f"D{_comma(debits)}C{_comma(credits)}",
        "-XXX",
    ]
    return ("\n".join(rows) + "\n").encode("latin-1")


def mt940_abnamro(lines: list[Line], account: str = "517852257", opening: Decimal = Decimal("0.00")) -> bytes:
    """One statement over two messages: the first closes with `:62M:`, the second opens with
    `:60M:` and closes with `:62F:`."""
    half = max(1, len(lines) // 2)
    parts, messages, balance = [lines[:half], lines[half:]], [], opening
    for n, part in enumerate(parts, start=1):
        day = max((x.day for x in part), default=lines[-1].day)
        rows = [
            "ABNANL2A",
            "940",
            "ABNANL2A",
            ":20:ABN AMRO BANK NV",
            f":25:{account}",
            f":28{'C' if n > 1 else ''}:19321/{n}",
            _balance(":60F:" if n == 1 else ":60M:", balance, day, whole=True),
        ]
        for line in part:
            rows += [
                f":61:{line.day:%y%m%d}{line.day:%m%d}{_mark(line)}{_comma(line.amount, whole=True)}N196NONREF",
                f":86:GIRO   428428 {_details(line)}",
            ]
        balance += moved(part)
        rows += [_balance(":62M:" if n == 1 else ":62F:", balance, day, whole=True), "-"]
        messages.append("\n".join(rows))
    return ("\n".join(messages) + "\n").encode("latin-1")


def mt940_rabobank(lines: list[Line], account: str = "1291.99.348", opening: Decimal = Decimal("0.00")) -> bytes:
    day = max(line.day for line in lines)
    rows = [
        ":940:",
        f":20:940A{day:%y%m%d}",
        f":25:{account}CHF",
        ":28:00000/00",
        _balance(":60F:", opening, day, pad=12),
    ]
    for line in lines:
        counterparty = f"{'0121470966':<16}{(line.debtor or 'W.P. Jansen')[:32]:<32}"
        rows.append(f":61:{line.day:%y%m%d}{_mark(line)}{_comma(line.amount, pad=12)}N044{counterparty}")
        details = _details(line)
        rows += [f":86:{details[i : i + 64]:<64}" for i in range(0, len(details), 64)]
    rows.append(_balance(":62F:", opening + moved(lines), day, pad=12))
    return ("\n".join(rows) + "\n").encode("latin-1")


def mt940_postfinance(lines: list[Line], account: str = "123456789", opening: Decimal = Decimal("0.00")) -> bytes:
    """SWIFT blocks; `//NONREF` after the amount and the bank's own number on the
    supplementary line; one statement over two messages."""

    def block(body: list[str]) -> str:
        return (
            "{1:F01POFICHBEAXXX0000000000}{2:I940XXXXXXXXXXXXN}{3:{108:140407CH00000000}}{4:\n"
            + "\n".join(body)
            + "\n-}"
        )

    half = max(1, len(lines) // 2)
    parts, messages, balance = [lines[:half], lines[half:]], [], opening
    for n, part in enumerate(parts, start=1):
        day = max((x.day for x in part), default=lines[-1].day)
        rows = [
            f":20:2014040708285{926 + n}",
            f":25:{account}",
            f":28C:999/{n}",
            _balance(":60F:" if n == 1 else ":60M:", balance, day, whole=True),
        ]
        for m, line in enumerate(part, start=1):
            number = f"{line.day:%Y%m%d}0076021{n:02d}{m:04d}{int(Decimal(line.amount) * 100):08d}000012"
            rows += [
                f":61:{line.day:%y%m%d}{line.day:%m%d}{_mark(line)}{_comma(line.amount, whole=True)}FMSC01916//NONREF",
                number,
                f":86:GIRO AUS ONLINE-SIC {_details(line)}",
            ]
        balance += moved(part)
        rows.append(_balance(":62M:" if n == 1 else ":62F:", balance, day, whole=True))
        messages.append(block(rows))
    return ("".join(messages) + "{5:{MAC:00000000}{CHK:000000000000}}\n").encode("latin-1")


def mt940_mbank(
    lines: list[Line], account: str = "PL29114010810000267002001002", opening: Decimal = Decimal("0.00")
) -> bytes:
    day = max(line.day for line in lines)
    rows = ["", f":20:ST{day:%y%m%d}CYC/1", f":25:{account}", ":28C:1/1", _balance(":60F:", opening, day)]
    for m, line in enumerate(lines, start=1):
        rows += [
            f":61:{line.day:%y%m%d}{line.day:%m%d}{_mark(line)}N{_comma(line.amount)}NTRFNONREF//"
            f"MB{line.day:%y%m%d}{12000 + m:06d}",
            "911-TRANSAKCJA IPH",
            f":86:911 TRANSAKCJA COLLECT; TYT.: {_details(line)}; TNR: 1791710738641{m:02d}.000001",
        ]
    closing = opening + moved(lines)
    rows += [_balance(":62F:", closing, day), _balance(":64:", closing, day), "-"]
    return ("\n".join(rows) + "\n").encode("latin-1")


MT940_DIALECTS = {
    "ING": mt940_ing,
    "ABN AMRO": mt940_abnamro,
    "Rabobank": mt940_rabobank,
    "PostFinance": mt940_postfinance,
    "mBank": mt940_mbank,
}
