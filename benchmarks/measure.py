"""One measurement in a fresh process, reported as JSON: run by bench.py, not by hand.

    python benchmarks/measure.py full     --result R.json --inputs DIR --out DIR --week 2026-11-23 [--root DIR]
    python benchmarks/measure.py floor    --result R.json --inputs DIR --out FILE --report CELLS.pickle
    python benchmarks/measure.py baseline --result R.json --inputs DIR --out FILE --report CELLS.pickle

Every measurement writes, at exit, its peak RSS (``ru_maxrss`` of this
process plus its children's: the full job's worker processes) and its
timeline: absolute start and end, and the offsets of the events inside.
``setup_s`` is work that only prepares the measurement (loading the report's
cells for the floor and the baseline); bench.py subtracts it from the wall time.
Imports are lazy, so the floor does not pay for pandas.
"""

from __future__ import annotations

import time

STARTED_AT = time.time()  # before any other import: bench.py counts interpreter start-up from here
STARTED = time.perf_counter()

import argparse  # noqa: E402 - the clocks above must start first
import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REGISTER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # what the generator and Chinese teams write
# The real writer's options: register text stays text.
WORKERS = 1  # crm_batch.parallel.PROCESSES - 1: the full job's worker process, when it starts one
WRITER_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


# A report as plain cells: (sheet name, rows), a blank cell is None.
ReportCells = list[tuple[str, list[list[Any]]]]


def since_start() -> float:
    return time.perf_counter() - STARTED


# ------------------------------------------------------------------ full job


class LineClock(io.TextIOBase):
    """Stands in for stdout: notes when each printed line was complete, and keeps the text."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *complete, self._pending = self._pending.split("\n")
        now = since_start()
        self.lines.extend((now, line) for line in complete)
        return len(text)


class Probes:
    """Time named project functions, wrapped as their module finishes loading: the job imports its
    modules in its own order (the CLI starts its worker processes before pandas loads), as under run.py."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.stages: dict[str, str] = {}
        self._wanted: dict[str, list[tuple[str | None, str, str, str]]] = {}

    def _timed(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - began
                self.calls[label] = self.calls.get(label, 0) + 1

        return timed

    def function(self, module: str, name: str, label: str, stage: str) -> None:
        """Wrap ``module.name`` before anything imports it by name."""
        self._wanted.setdefault(module, []).append((None, name, label, stage))

    def method(self, module: str, cls: str, name: str, label: str, stage: str) -> None:
        self._wanted.setdefault(module, []).append((cls, name, label, stage))

    def _wrap(self, module: ModuleType) -> None:
        for cls, name, label, stage in self._wanted.get(module.__name__, []):
            owner = getattr(module, cls, None) if cls else module
            original = getattr(owner, name, None)
            if original is None:
                continue  # renamed or moved: the probe reports nothing rather than failing the benchmark
            self.stages[label] = stage
            setattr(owner, name, self._timed(label, original))

    def install(self) -> None:
        """Wrap each probed module's functions right after it is first executed."""
        probes = self

        class Finder(importlib.abc.MetaPathFinder):
            def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
                if name not in probes._wanted:
                    return None
                spec = importlib.machinery.PathFinder.find_spec(name, path, target)
                if spec is not None and spec.loader is not None:
                    execute = spec.loader.exec_module

                    def exec_module(module: ModuleType) -> None:
                        execute(module)
                        probes._wrap(module)

                    spec.loader.exec_module = exec_module  # type: ignore[method-assign]
                return spec

        sys.meta_path.insert(0, Finder())


def measure_full(inputs: Path, out: Path, week: str, root: Path) -> dict[str, Any]:
    """The weekly job exactly as run.py runs it (cli.main), its printed stages timed as they appear.

    ``root`` holds the crm_batch package and templates/ (bench.py passes a snapshot of the checkout).
    """
    sys.path.insert(0, str(root))
    probes = Probes()
    probes.function("crm_batch.ingest.files", "load_sheet", "解析文件 load_sheet（主进程部分）", "read")
    probes.function("crm_batch.report.sheets", "weekly_tables", "整理报表 weekly_tables", "write")
    probes.function("crm_batch.report.workbook", "write_workbook", "写工作簿 write_workbook", "write")
    probes.method("crm_batch.history", "History", "save", "保存历史 History.save", "write")
    probes.install()
    from crm_batch.cli import main

    clock = LineClock()
    real_stdout, sys.stdout = sys.stdout, clock
    try:
        code = main([str(inputs), "--out", str(out), "--week", week], base_dir=root, parallel=True)  # as run.py
    finally:
        sys.stdout = real_stdout
    if code != 0:
        raise SystemExit(f"crm_batch exited with {code}:\n" + "\n".join(line for _, line in clock.lines))
    return {
        "events": [[at, line.strip()] for at, line in clock.lines if line.strip()],
        "probes": [{"label": label, "stage": probes.stages[label], "seconds": seconds, "calls": probes.calls[label]}
                   for label, seconds in probes.seconds.items()],
    }


# ------------------------------------------------------------------ floor and baseline


def register_files(inputs: Path) -> list[Path]:
    return sorted(p for p in inputs.rglob("*") if p.is_file() and p.suffix.lower() in REGISTER_SUFFIXES)


def decode(raw: bytes) -> tuple[str, str]:
    for encoding in CSV_ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SystemExit("CSV in none of " + ", ".join(CSV_ENCODINGS))


def excel_reader() -> str:
    """python-calamine when installed, else fastexcel (the project's own reader)."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return "fastexcel"
    return "python-calamine"


def read_plain(files: list[Path], reader: str) -> int:
    """Read every sheet of every file as the fastest plain reader gives it; return the rows read.

    Each sheet is dropped once read: the floor's memory is the report's, not the registers' as Python lists.
    """
    import csv

    rows = 0
    for path in files:
        if path.suffix.lower() == ".csv":
            text, _ = decode(path.read_bytes())
            rows += len(list(csv.reader(io.StringIO(text))))
        elif reader == "python-calamine":
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(path))
            rows += sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)
        else:
            import fastexcel

            book = fastexcel.read_excel(str(path))
            rows += sum(book.load_sheet(name, header_row=None, dtypes="string").height for name in book.sheet_names)
    return rows


def write_plain(out: Path, report: ReportCells) -> None:
    """The report's cells, row by row with write_row: no formats, widths, filters or rules.

    The default (in-memory) mode: on these sheets it is faster than constant_memory.
    """
    import xlsxwriter

    book = xlsxwriter.Workbook(str(out), WRITER_OPTIONS)
    for name, rows in report:
        sheet = book.add_worksheet(name)
        for row, values in enumerate(rows):
            sheet.write_row(row, 0, values)
    book.close()


def load_report(path: Path) -> ReportCells:
    with path.open("rb") as fh:
        return pickle.load(fh)


def measure_floor(inputs: Path, out: Path, report_path: Path) -> dict[str, Any]:
    """I/O floor: read the registers plainly, write a workbook of the report's cells plainly."""
    began = since_start()
    report = load_report(report_path)
    setup = since_start() - began
    reader = excel_reader()
    rows = read_plain(register_files(inputs), reader)
    read_done = since_start()
    write_plain(out, report)
    return {"setup_s": setup, "reader": reader, "rows_read": rows,
            "phases": {"读取 read": read_done - began - setup, "写出 write": since_start() - read_done}}


def measure_baseline(inputs: Path, out: Path, report_path: Path) -> dict[str, Any]:
    """Naive baseline: pandas.read_excel / read_csv in, DataFrame.to_excel with openpyxl out."""
    began = since_start()
    import pandas as pd

    imported = since_start()
    report = load_report(report_path)
    frames = [(name, pd.DataFrame(rows)) for name, rows in report]
    setup = since_start() - imported
    held: list[Any] = []
    for path in register_files(inputs):
        if path.suffix.lower() == ".csv":
            _, encoding = decode(path.read_bytes())
            held.append(pd.read_csv(path, header=None, encoding=encoding, dtype="string"))
        else:
            held.extend(pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").values())
    read_done = since_start()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in frames:
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    del held
    return {"setup_s": setup,
            "phases": {"读取 read": read_done - began - setup, "写出 write": since_start() - read_done}}


# ------------------------------------------------------------------ capture (used by bench.py)


def _rows_with_blanks(rows: Iterator[Any]) -> list[list[Any]]:
    return [[None if value == "" else value for value in row] for row in rows]


def capture_report(path: Path) -> ReportCells:
    """A written report read back as plain cells: the sheets, shapes and values the floor must write."""
    if excel_reader() == "python-calamine":
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        return [(name, _rows_with_blanks(book.get_sheet_by_name(name).to_python(skip_empty_area=False)))
                for name in book.sheet_names]
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return [(sheet.title, _rows_with_blanks(sheet.iter_rows(values_only=True))) for sheet in workbook]
    finally:
        workbook.close()


# ------------------------------------------------------------------ entry point


def peak_rss_kib() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    # The job's worker process (crm_batch.parallel) is a child: its peak is added to ours. That is an
    # upper bound on what both held at once, never an under-count.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak = own + WORKERS * child
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS counts bytes, Linux KiB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="measure.py", description="One benchmark measurement (used by bench.py).")
    parser.add_argument("kind", choices=["full", "floor", "baseline"])
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON result")
    parser.add_argument("--inputs", type=Path, required=True, help="folder of registers")
    parser.add_argument("--out", type=Path, required=True, help="output folder (full) or workbook (others)")
    parser.add_argument("--week", default="2026-11-23")
    parser.add_argument("--report", type=Path, help="report cells pickled by bench.py (floor, baseline)")
    parser.add_argument("--root", type=Path, default=ROOT, help="where crm_batch and templates/ are (full)")
    args = parser.parse_args(argv)
    if args.kind != "full" and args.report is None:
        parser.error(f"{args.kind} needs --report")

    if args.kind == "full":
        result = measure_full(args.inputs, args.out, args.week, args.root)
    elif args.kind == "floor":
        result = measure_floor(args.inputs, args.out, args.report)
    else:
        result = measure_baseline(args.inputs, args.out, args.report)
    result |= {"kind": args.kind, "started_at": STARTED_AT, "ended_s": since_start(), "ended_at": time.time(),
               "peak_rss_kib": peak_rss_kib()}
    args.result.write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
