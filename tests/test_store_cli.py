"""``callqa store import|info|migrate`` through click, on generated calls (no models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from qa.cli_store import store as store_group
from store import SCHEMA_VERSION, default_url, open_store
from store.migrations import migrate
from tests.test_store import make_call, write_run


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(store_group, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_into_the_run_folder_by_default(tmp_path):
    run = write_run(tmp_path / "run", [make_call(n) for n in range(3)])
    code, out, err = invoke("import", str(run))
    assert code == 0, out + err
    assert out.startswith("3 calls imported into sqlite:///") and "0 files skipped" in out and not err
    assert (run / "callqa.db").exists()
    code, out, _ = invoke("import", str(run))  # again: replaced, not added
    again = open_store(default_url(run))
    assert code == 0 and again.counts()["calls"] == 3
    again.close()


def test_import_names_every_skipped_file_and_exits_3(store_url, tmp_path):
    run = write_run(tmp_path / "run", [make_call(1), make_call(2)])
    (run / "calls" / "half.json").write_text('{"call_id": "x"')
    (run / "calls" / "other.json").write_text(json.dumps(make_call(3) | {"schema_version": 99}))
    code, out, err = invoke("import", str(run), "--store", store_url)
    assert code == 3
    assert "2 calls imported" in out and "2 files skipped" in out
    skipped = sorted(line.split(":", 1)[0].strip() for line in err.splitlines())
    assert skipped == ["skipped half.json", "skipped other.json"]
    assert "JSONDecodeError" in err and "schema version" in err


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["import", "{tmp}"], 1, "has no calls/ folder"),
        (["info"], 2, "give OUT (an output folder) or --store URL"),
        (["info", "{tmp}"], 1, "has no callqa.db"),
        (["migrate", "{tmp}"], 1, "has no callqa.db"),
        (["info", "--store", "postgresql://qa:s3cret@127.0.0.1:9/qa"], 1, "[store.open] cannot open the store"),
        (["import", "{tmp}", "--store", "oracle://qa@db/qa"], 1, "use sqlite:///FILE or postgresql://"),
    ],
)
def test_errors_are_messages_with_exit_codes(tmp_path, args, code, says):
    result = CliRunner().invoke(store_group, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == code, result.output
    assert says in result.output and "s3cret" not in result.output and "Traceback" not in result.output


def test_info_shows_schema_rows_and_runs(store_url):
    store = open_store(store_url)
    try:
        for n in range(2):
            store.save_call(make_call(n), run_id="night-1")
        store.start_run("night-1", {"started_at": "2026-11-26T01:00:00+00:00", "holder": {"host": "qa", "pid": 7}})
        store.finish_run("night-1", {"ok": 2, "failed": 0, "skipped": 5})
        store.start_run("night-2", {"started_at": "2026-11-27T01:00:00+00:00", "holder": {"host": "qa", "pid": 8}})
    finally:
        store.close()
    code, out, _ = invoke("info", "--store", store_url)
    assert code == 0, out
    lines = out.splitlines()
    assert f"schema version {SCHEMA_VERSION}" in lines
    assert any(line.split() == ["calls", "2", "rows"] for line in lines)
    assert any(line.split() == ["findings", "6", "rows"] for line in lines)
    runs = [line.strip() for line in lines if line.strip().startswith("run ")]
    assert runs[0].startswith("run night-2 started 2026-11-27") and "did not finish" in runs[0]
    assert runs[1].endswith("finished: 2 ok, 0 failed, 5 skipped")


def test_info_of_an_output_folder(tmp_path):
    open_store(default_url(tmp_path)).close()
    code, out, _ = invoke("info", str(tmp_path))
    assert code == 0 and f"store  {default_url(tmp_path)}" in out


def test_migrate_brings_an_old_store_up_to_date_once(tmp_path):
    url = default_url(tmp_path)
    engine = create_engine(url)
    with engine.begin() as conn:
        migrate(conn, upto=1)
    engine.dispose()
    code, out, _ = invoke("migrate", str(tmp_path))
    assert code == 0 and out.strip().endswith(f"schema version 1 → {SCHEMA_VERSION}")
    code, out, _ = invoke("migrate", "--store", url)
    assert code == 0 and out.strip().endswith(f"schema version {SCHEMA_VERSION}, nothing to do")


def test_migrate_refuses_a_newer_store(tmp_path):
    url = default_url(tmp_path)
    open_store(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("insert into schema_info (version, migrated_at) values (99, 'later')"))
    engine.dispose()
    code, out, err = invoke("migrate", str(tmp_path))
    assert code == 1 and "[store.schema]" in out + err and "upgrade callqa" in out + err


def test_the_cli_module_imports_no_database_code():
    import subprocess
    import sys

    code = "import sys, qa.cli_store; print('sqlalchemy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path.cwd())
    assert done.stdout.strip() == "False"  # `callqa --help` stays fast
