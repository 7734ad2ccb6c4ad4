"""The ledger shared by several clerks: every examination numbered once, one acceptance under any
concurrency, the same behaviour on SQLite and on a real PostgreSQL server, moving a ledger across."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers.ledger_race import KEY, RECEIVED, race, synthetic
from helpers.postgres import dump

from lingong_docs.core.errors import IntakeError
from lingong_docs.intake.ledger import Ledger, schema
from lingong_docs.intake.service import Options, _receive

USCC_A, USCC_B = "91110105MA01ABCD39", "91350100M000100Y43"
ROOT = Path(__file__).resolve().parent.parent


def errors(receipt) -> list[str]:
    return sorted(f.code for f in receipt.findings if f.severity == "error")


def receive(ledger: Ledger, ex, folder: Path | None = None):
    return _receive(ex, ledger, Options(as_of=RECEIVED, receipt_dir=folder))


def test_every_examination_is_recorded_with_a_number_no_folder_reissues(ledger_location, tmp_path):
    # the issue's experiment: one package to folder 1, again to folder 1, again to folder 2, another to folder 3
    with Ledger(ledger_location, KEY) as ledger:
        first = receive(ledger, synthetic("a", USCC_A), tmp_path / "1")
        again = receive(ledger, synthetic("a", USCC_A), tmp_path / "1")
        elsewhere = receive(ledger, synthetic("a", USCC_A), tmp_path / "2")
        other = receive(ledger, synthetic("b", USCC_B, shift_hours=12), tmp_path / "3")
        rejected = synthetic("c", USCC_B, rows=0)
        rejected.add("signature-missing", count=1, fields="封面盖章（seal_cover）")
        refused = receive(ledger, rejected, tmp_path / "3")
        numbers = [r.receipt_no for r in (first, again, elsewhere, other, refused)]
        assert numbers == [f"SL20260310-{n:04d}" for n in range(1, 6)]
        assert [r.verdict for r in (first, again, elsewhere, other, refused)] == ["accepted", "rejected", "rejected",
                                                                                   "accepted", "rejected"]
        assert errors(again) == errors(elsewhere) == ["duplicate-package"]
        recorded = ledger.examinations()
        assert [(e["receipt_no"], e["verdict"], e["errors"]) for e in recorded] == [
            (numbers[0], "accepted", ""), (numbers[1], "rejected", "duplicate-package"),
            (numbers[2], "rejected", "duplicate-package"), (numbers[3], "accepted", ""),
            (numbers[4], "rejected", "signature-missing")]
        status = ledger.status()
        assert (status.examinations, status.packages, status.accepted, status.rows) == (5, 3, 2, 100)
        assert status.last_receipt == numbers[-1] and status.schema_version == schema.SCHEMA_VERSION
    files = sorted(p.name for p in tmp_path.rglob("SL*.json"))
    assert files == sorted(f"{n}.json" for n in numbers)          # one file per number, none twice


def test_two_connections_never_issue_the_same_number(ledger_location, tmp_path):
    # two clerks' computers on one ledger, each with its own (empty) receipt folder
    with Ledger(ledger_location, KEY) as one, Ledger(ledger_location, KEY) as two:
        numbers = [receive(book, synthetic(f"{i:x}", USCC_A, rows=0), tmp_path / book_name).receipt_no
                   for i in range(6) for book, book_name in ((one, "one"), (two, "two"))]
    assert len(set(numbers)) == 12 and numbers[-1] == "SL20260310-0012"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_racing_on_one_package_give_one_acceptance(backend, tmp_path, request):
    from helpers.postgres import fresh_location

    location = fresh_location(backend, request.getfixturevalue("pg_server") if backend == "postgresql" else None,
                              tmp_path)
    with Ledger(location, KEY):
        pass                                       # created once; the racers only open it
    clerks = 5
    rounds = [[synthetic(f"{k + 1:x}", USCC_A, shift_hours=24 * 400 * k)] * clerks for k in range(3)]
    results = race(location, rounds, [tmp_path / f"clerk{i}" for i in range(clerks)])
    for outcome in results:
        verdicts = sorted((verdict, tuple(codes)) for _no, verdict, codes in outcome)
        assert verdicts == [("accepted", ())] + [("rejected", ("duplicate-package",))] * (clerks - 1), outcome
    numbers = [no for outcome in results for no, _v, _c in outcome]
    assert len(set(numbers)) == len(numbers) == 3 * clerks
    with Ledger(location, KEY) as ledger:
        assert sorted(e["receipt_no"] for e in ledger.examinations()) == sorted(numbers)
        assert ledger.status().accepted == 3 and ledger.status().rows == 3 * 50
    files = sorted(p.stem for p in tmp_path.rglob("SL*.json"))
    assert files == sorted(numbers)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_racing_with_the_same_rows_give_one_acceptance(backend, tmp_path, request):
    from helpers.postgres import fresh_location

    location = fresh_location(backend, request.getfixturevalue("pg_server") if backend == "postgresql" else None,
                              tmp_path)
    clerks = 4
    # four different files (markets) of one agency claiming the same 50 rows; then four agencies the same people
    same_rows = [synthetic(f"{i + 1:x}", USCC_A) for i in range(clerks)]
    same_people = [synthetic(f"{i + 11:x}", other, shift_hours=24 * 400)
                   for i, other in enumerate([USCC_A, USCC_B, "91110000MA0000000X", "91110000MA0000001X"])]
    rows_round, people_round = race(location, [same_rows, same_people], [tmp_path / f"c{i}" for i in range(clerks)])
    assert sorted(v for _n, v, _c in rows_round) == ["accepted"] + ["rejected"] * (clerks - 1)
    assert all(c == ["duplicate-rows"] for _n, v, c in rows_round if v == "rejected"), rows_round
    assert sorted(v for _n, v, _c in people_round) == ["accepted"] + ["rejected"] * (clerks - 1)
    assert all("cross-agency-overlap" in c or "duplicate-rows" in c for _n, v, c in people_round if v == "rejected")


def _asking(ex, amount: str):
    """``ex`` asking for an employment subsidy of ``amount`` 元."""
    ex.exact = {"operating_subsidy": "0.00", "employment_subsidy": amount, "total": amount}
    return ex


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_racing_past_the_agency_cap_give_one_acceptance(backend, tmp_path, request):
    from decimal import Decimal

    from helpers.postgres import fresh_location

    location = fresh_location(backend, request.getfixturevalue("pg_server") if backend == "postgresql" else None,
                              tmp_path)
    with Ledger(location, KEY):
        pass
    # in each round two clerks accept two markets of one agency at once, 30万 each: 60万 is over the 50万 cap
    agencies = [USCC_A, USCC_B, "91110000MA0000000X"]
    rounds = [[_asking(synthetic(f"{2 * k + i + 21:x}", agency, shift_hours=24 * 400 * (2 * k + i)), "300000.00")
               for i in range(2)] for k, agency in enumerate(agencies)]
    results = race(location, rounds, [tmp_path / "clerk1", tmp_path / "clerk2"])
    for outcome in results:
        assert sorted((v, tuple(c)) for _n, v, c in outcome) == [("accepted", ()),
                                                                 ("rejected", ("agency-cap-exceeded",))], outcome
    with Ledger(location, KEY) as ledger:
        assert {ledger.employment_claimed(a, 2025) for a in agencies} == {Decimal("300000.00")}


# ---- the answer to COMMIT lost (a proxy between intake and the real server cuts the connection) ----

@pytest.mark.parametrize("cut", ["after", "before", "after-unreachable"])
def test_a_lost_commit_never_leaves_a_record_without_its_receipt(pg_server, tmp_path, cut):
    from helpers.cutting_proxy import CuttingProxy
    from pgserver import SUPERUSER

    name = "commit_" + cut.replace("-", "_")
    direct = pg_server.create_database(name)
    with Ledger(direct, KEY):
        pass                                            # created before the proxy starts cutting
    proxy = CuttingProxy(pg_server.port)
    folder = tmp_path / "回执"
    failed = None
    try:
        with Ledger(proxy.url(name, SUPERUSER), KEY) as ledger:
            # after: committed, answer lost; before: cut before the COMMIT; unreachable: answer lost, no reconnecting
            proxy.arm("before" if cut == "before" else "after", refuse=cut == "after-unreachable")
            try:
                receipt = receive(ledger, synthetic("d", USCC_A), folder)
                assert receipt.verdict == "accepted"
                again = receive(ledger, synthetic("d", USCC_A), folder)   # the run goes on, on a new connection
                assert errors(again) == ["duplicate-package"]
            except IntakeError as e:
                failed = e
    finally:
        proxy.close()
    assert proxy.cut.is_set()
    with Ledger(direct, KEY) as ledger:
        recorded = sorted(e["receipt_no"] for e in ledger.examinations())
    files = sorted(p.stem for p in folder.glob("SL*.json"))
    assert files == recorded               # every record has its receipt, every receipt its record
    assert len(recorded) == {"after": 2, "before": 0, "after-unreachable": 1}[cut]
    expected = {"after": None, "before": "ledger-server-lost", "after-unreachable": "ledger-commit-unknown"}[cut]
    assert (failed.code if failed else None) == expected
    if failed is not None and recorded:
        assert recorded[0] in failed.message and "已保留" in failed.message


def test_wrong_key_is_refused_before_anything_is_written(ledger_location, tmp_path):
    with Ledger(ledger_location, KEY) as ledger:
        receive(ledger, synthetic("a", USCC_A))
    before = dump(ledger_location)
    with pytest.raises(IntakeError) as e:
        Ledger(ledger_location, b"another-key-of-sufficient-length")
    assert e.value.code == "ledger-key-wrong"
    with Ledger(ledger_location, KEY) as ledger:
        assert ledger.status().examinations == 1
    if isinstance(ledger_location, str):
        assert dump(ledger_location) == before


def test_a_newer_ledger_is_refused(ledger_location):
    with Ledger(ledger_location, KEY) as ledger:
        ledger.db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(schema.SCHEMA_VERSION + 1),))
    with pytest.raises(IntakeError) as e:
        Ledger(ledger_location, KEY)
    assert e.value.code == "ledger-schema-newer"


def test_migrations_are_numbered_in_order():
    assert [m.version for m in schema.MIGRATIONS] == list(range(1, schema.SCHEMA_VERSION + 1))


def test_ledger_holds_no_id_number_on_either_backend(ledger_location):
    with Ledger(ledger_location, KEY) as ledger:
        receive(ledger, synthetic("a", USCC_A))
    raw = dump(ledger_location)
    assert raw
    for n in (0, 7, 49):
        ident = f"11010519900101{n:04d}"
        assert ident.encode() not in raw and ident.encode("utf-16-le") not in raw


# ---- moving an SQLite ledger into PostgreSQL -------------------------------------------------------

def _filled(location) -> None:
    with Ledger(location, KEY) as ledger:
        receive(ledger, synthetic("a", USCC_A))
        receive(ledger, synthetic("a", USCC_A))                       # a duplicate
        receive(ledger, synthetic("b", USCC_B, shift_hours=12))
        rejected = synthetic("c", USCC_B, rows=3)
        rejected.add("signature-missing", count=1, fields="封面盖章（seal_cover）")
        receive(ledger, rejected)
        receive(ledger, synthetic("c", USCC_B, rows=3, shift_hours=24 * 300))  # re-examined: history kept


def test_export_import_moves_every_row_and_checks_counts_and_digests(tmp_path, pg_server):
    import lingong_docs as lg
    from lingong_docs.intake.ledger.transfer import digests

    source = tmp_path / "old.sqlite"
    _filled(source)
    with lg.open_ledger(source, key=KEY) as old:
        exported = lg.ledger_export(old, tmp_path / "export.jsonl")
        want = {t: d.to_dict() for t, d in digests(old).items()}
    assert (tmp_path / "export.jsonl").stat().st_mode & 0o777 == 0o600
    assert exported.tables == want and want["rows"]["count"] == 103 and want["package_history"]["count"] == 1
    target = pg_server.create_database("moved")
    with lg.open_ledger(target, key=KEY) as new:
        imported = lg.ledger_import(new, tmp_path / "export.jsonl")
        assert imported.verified and imported.tables == want
        assert {t: d.to_dict() for t, d in digests(new).items()} == want
        after = receive(new, synthetic("a", USCC_A))                 # the moved ledger still knows the package
        assert errors(after) == ["duplicate-package"] and after.receipt_no == "SL20260310-0006"
        assert lg.ledger_status(new).examinations == 6
        with pytest.raises(IntakeError) as e:                         # a second import: the target is not empty
            lg.ledger_import(new, tmp_path / "export.jsonl")
        assert e.value.code == "ledger-import-not-empty"


def test_a_changed_export_file_is_refused_and_nothing_imported(tmp_path, pg_server):
    import lingong_docs as lg

    source = tmp_path / "old.sqlite"
    _filled(source)
    with lg.open_ledger(source, key=KEY) as old:
        lg.ledger_export(old, tmp_path / "export.jsonl")
    lines = (tmp_path / "export.jsonl").read_text(encoding="utf-8").splitlines()
    changed = [line.replace('"accepted"', '"rejected"', 1) if line.startswith('["packages"') else line
               for line in lines]
    (tmp_path / "changed.jsonl").write_text("\n".join(changed) + "\n", encoding="utf-8")
    (tmp_path / "cut.jsonl").write_text("\n".join(lines[:-3]) + "\n", encoding="utf-8")
    target = pg_server.create_database("refused")
    with lg.open_ledger(target, key=KEY) as new:
        for name in ("changed.jsonl", "cut.jsonl"):
            with pytest.raises(IntakeError) as e:
                lg.ledger_import(new, tmp_path / name)
            assert e.value.code == "ledger-export-invalid", name
        assert lg.ledger_status(new).examinations == 0 and lg.ledger_status(new).packages == 0


def test_import_with_another_key_is_refused(tmp_path, pg_server):
    import lingong_docs as lg

    source = tmp_path / "old.sqlite"
    _filled(source)
    with lg.open_ledger(source, key=KEY) as old:
        lg.ledger_export(old, tmp_path / "export.jsonl")
    with lg.open_ledger(pg_server.create_database("otherkey"), key=b"another-key-of-sufficient-length") as new:
        with pytest.raises(IntakeError) as e:
            lg.ledger_import(new, tmp_path / "export.jsonl")
        assert e.value.code == "ledger-import-key"


# ---- the bureau's role: the README's GRANTs are enough to receive, not to change the schema ----------

def _readme_grants() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sql\n(-- 受理台账.*?)```", readme, re.S)
    assert block, "README has no ```sql block of the ledger's roles"
    return block.group(1)


def test_a_clerk_role_with_the_readme_grants_can_receive(pg_server, tmp_path):
    pg_server.sql("DROP DATABASE IF EXISTS lingong WITH (FORCE)")
    pg_server.sql("DROP ROLE IF EXISTS lingong_clerk")
    pg_server.sql("DROP ROLE IF EXISTS lingong_owner")
    script = _readme_grants().replace("'********'", "NULL")
    code = "\n".join(ln for ln in script.splitlines() if not ln.strip().startswith("--"))
    for statement in [s.strip() for s in code.split(";") if s.strip()]:
        target_db = "lingong" if "SCHEMA" in statement else "postgres"
        pg_server.sql(statement, database=target_db)
    owner, clerk = pg_server.url("lingong", user="lingong_owner"), pg_server.url("lingong", user="lingong_clerk")
    with Ledger(owner, KEY) as ledger:                             # `ledger init` by the owner
        assert ledger.status().schema_version == schema.SCHEMA_VERSION
    with Ledger(clerk, KEY) as ledger:
        first = receive(ledger, synthetic("a", USCC_A), tmp_path)
        second = receive(ledger, synthetic("a", USCC_A), tmp_path)
        assert first.verdict == "accepted" and errors(second) == ["duplicate-package"]
        with pytest.raises(IntakeError) as e:
            ledger.db.execute("DROP TABLE rows")
        assert e.value.code == "ledger-permission"


# ---- the command group ------------------------------------------------------------------------------

def test_ledger_command_group_on_postgresql(pg_server, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from lingong_docs.cli import main

    url = pg_server.create_database("cli")
    monkeypatch.setenv("LINGONG_LEDGER_KEY", KEY.decode())
    monkeypatch.setenv("LINGONG_LEDGER", url)                        # the default ledger: the server
    runner = CliRunner()
    init = runner.invoke(main, ["ledger", "init", "--format", "json"])
    assert init.exit_code == 0, init.output
    data = json.loads(init.output)
    assert data["backend"] == "postgresql" and data["schema_version"] == schema.SCHEMA_VERSION
    assert len(data["migrated"]) == schema.SCHEMA_VERSION and data["where"] == url
    with Ledger(url, KEY) as ledger:
        receive(ledger, synthetic("a", USCC_A))
    status = runner.invoke(main, ["ledger", "status"])
    assert status.exit_code == 0 and "PostgreSQL" in status.output and "SL20260310-0001" in status.output
    export = runner.invoke(main, ["ledger", "export", "-o", str(tmp_path / "e.jsonl")])
    assert export.exit_code == 0, export.output
    moved = runner.invoke(main, ["ledger", "import", str(tmp_path / "e.jsonl"), "--ledger", str(tmp_path / "n.sqlite"),
                                 "--format", "json"])
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.output)["verified"] is True
    wrong = runner.invoke(main, ["ledger", "status"], env={"LINGONG_LEDGER_KEY": "another-key-of-sufficient-length"})
    assert wrong.exit_code == 2 and "密钥" in wrong.output


def test_an_unreachable_server_is_said_in_chinese(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from helpers.postgres import free_port

    from lingong_docs.cli import main

    monkeypatch.setenv("LINGONG_LEDGER_KEY", KEY.decode())
    url = f"postgresql://lingong:secret-password@127.0.0.1:{free_port()}/nothing"
    result = CliRunner().invoke(main, ["ledger", "status", "--ledger", url])
    assert result.exit_code == 2 and "无法连接受理台账数据库" in result.output
    assert "secret-password" not in result.output and "Traceback" not in result.output


def test_serve_uses_the_shared_ledger(pg_server, tmp_path):
    # a clerk records at the command line's ledger; the server started with --ledger URL lists it
    from helpers.browser import Client, running_server

    url = pg_server.create_database("served")
    with Ledger(url, KEY) as ledger:
        receive(ledger, synthetic("a", USCC_A))
    with running_server(tmp_path / "ws", "--role", "bureau", "--ledger", url,
                        env={"LINGONG_LEDGER_KEY": KEY.decode()}) as server:
        status, body = Client(server.url).get("/bureau/ledger?format=json")
    assert status == 200, body[:300]
    listed = json.loads(body)["packages"]
    assert [(p["receipt_no"], p["verdict"], p["uscc"]) for p in listed] == [("SL20260310-0001", "accepted", USCC_A)]
