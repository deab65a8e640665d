"""`logyard retention run` and `logyard restore` on bad input: one clear line, the exit code."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.unit.retention._data import day_events, open_store

from logyard.cli._main import main
from logyard.errors import ConfigError
from logyard.retention import DirTarget, open_target


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    open_store(data / "logs.duckdb", [day_events("mes", date(2020, 1, 1), 2)]).close()
    return data


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["retention", "run", "--system", "erp=3"],
         "Error: --system: 'erp' is not a system; use one of internet-shop, shop-api, crm, "
         "crm-api, mes, mes-api\n"),
        (["retention", "run", "--older-than-days", "0"],
         "Error: --older-than-days: 0 keeps nothing; pass 1 or more\n"),
        (["retention", "run", "--to", "ftp://host/x"],
         "Error: --to: 'ftp://host/x': only s3:// URLs and directories are supported; write "
         "s3://bucket/prefix or a directory path\n"),
        (["restore", "--system", "mes", "--from", "2020-13-01", "--to", "2020-01-02"],
         "Error: --from: '2020-13-01' is not a day; write YYYY-MM-DD\n"),
        (["restore", "--system", "mes", "--from", "2020-01-02", "--to", "2020-01-01"],
         "Error: --to: 2020-01-01 is before --from 2020-01-02; swap them\n"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(
    argv: list[str], message: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each usage error is one line naming the option and the fix, exit 2."""
    assert (2, "", message) == run([*argv, "--data-dir", str(data_dir)], capsys)


def test_a_data_dir_without_a_store_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty directory is refused before anything is created in it."""
    code, _, err = run(["retention", "run", "--data-dir", str(tmp_path)], capsys)
    expected = (2, f"Error: --data-dir: {tmp_path} holds no store ({tmp_path}/logs.duckdb); "
                "pass the data dir\n", [])  # fmt: skip
    assert expected == (code, err, list(tmp_path.iterdir()))


def test_restore_with_nothing_archived_exits_1(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No archive for the days: a runtime error naming where it looked."""
    code, _, err = run(
        ["restore", "--system", "mes", "--from", "2020-01-01", "--to", "2020-01-01",
         "--data-dir", str(data_dir)],
        capsys,
    )  # fmt: skip
    expected = (1, f"Error: restore: no archived partition of mes from 2020-01-01 to "
                f"2020-01-01 in {data_dir}/archive; check --from-archive, --system and the "
                "days\n")  # fmt: skip
    assert expected == (code, err)


def test_dry_run_prints_the_plan(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A dry run says what would be archived where, exit 0, and leaves no archive."""
    code, out, err = run(["retention", "run", "--dry-run", "--data-dir", str(data_dir)], capsys)
    expected = (
        0,
        f"dry run: 1 partition(s), 2 event(s) would be archived to {data_dir}/archive\n",
        "retention: [1/1] mes 2020-01-01: 2 event(s): would archive\n",
        False,
    )
    assert expected == (
        code,
        out,
        err.splitlines(keepends=True)[-1],
        (data_dir / "archive").exists(),
    )


def test_a_key_cannot_leave_the_archive_directory(tmp_path: Path) -> None:
    """A directory target refuses keys that climb out of it."""
    from logyard.errors import StoreError

    with pytest.raises(StoreError, match="leaves the archive directory"):
        DirTarget(tmp_path).exists("../elsewhere")


def test_an_s3_url_without_a_bucket_is_refused() -> None:
    """``s3://`` alone names no bucket."""
    with pytest.raises(
        ConfigError, match="--to: 's3://' names no bucket; write s3://bucket/prefix"
    ):
        open_target("s3://")
