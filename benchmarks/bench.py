"""crm_batch 性能基准 (issue 7): the full weekly job against the I/O floor and a naive baseline.

    python benchmarks/bench.py                          small and large, 3 and 1 runs
    python benchmarks/bench.py --sizes small --repeat 1
    python benchmarks/bench.py --sizes large --week 2026-11-23

Registers come from the project's own generator (crm_batch.sample) and are
cached in benchmarks/cache/<size>/. Each measurement runs in a fresh process
(benchmarks/measure.py) that reports its own peak RSS, so every figure belongs
to one measurement. The code is copied once at the start (crm_batch/, templates/,
rules.toml) and every run uses that copy, so edits made while the benchmark runs
do not mix versions. The table goes to stdout and to benchmarks/results-<date>.md.
A missed target is reported, never an error: the exit code is 1 only when a
measurement could not run.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from measure import capture_report

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "cache"
MEASURE = HERE / "measure.py"
PARAMS_FILE = "params.json"
# What the weekly job runs from: copied at the start, and what "uncommitted changes" looks at.
CODE_PATHS = ("crm_batch", "templates", "rules.toml")

SEED = 7
TODAY = dt.date(2026, 11, 23)
PRESET = "real_estate"
DEFAULT_WEEK = "2026-11-23"


@dataclass(frozen=True)
class Size:
    """A register size: how many customers the generator draws, and how many runs by default."""

    name: str
    customers: int
    contacts_per_customer: float
    repeat: int


SIZES = {s.name: s for s in (Size("small", 10_000, 5.0, 3), Size("large", 100_000, 5.0, 1))}

# The targets of issue 7 (2-core machine, 24 GiB).
SMALL_MAX_S = 5.0
LARGE_MAX_S = 60.0
LARGE_MAX_FLOOR_RATIO = 1.5
LARGE_MAX_RSS_MIB = 2048.0
MIN_BASELINE_RATIO = 3.0

PHASES = ("读取 read", "写出 write")  # what the floor and the baseline report of themselves
MEASUREMENTS = {"full": "完整任务 full", "floor": "I/O 下限 floor", "baseline": "朴素基线 baseline"}
STAGES = {"startup": "启动 startup", "read": "读取 read", "rules": "规则 rules", "actions": "行动 actions",
          "penalties": "罚款 penalties", "write": "写出 write", "exit": "收尾与退出"}
# The CLI's progress lines, by how they begin, and the stage each one opens.
STAGE_OF_LINE = (("读取", "read"), ("整理客户与跟进记录", "read"), ("检查资料完整性", "rules"),
                 ("计算意向等级", "rules"), ("检查流失预警", "rules"), ("安排本周行动", "actions"),
                 ("稽核上周", "penalties"), ("写入工作簿", "write"), ("完成", "exit"))


class BenchError(Exception):
    """A measurement could not run (the job failed, a child crashed)."""


def say(message: str) -> None:
    print(message, flush=True)


# ------------------------------------------------------------------ registers


def generator_params(size: Size) -> dict[str, Any]:
    return {"customers": size.customers, "contacts_per_customer": size.contacts_per_customer, "preset": PRESET,
            "seed": SEED, "today": TODAY.isoformat(), "messy": True}


def snapshot_code(into: Path) -> Path:
    """A copy of the code the job runs (the package, templates, team rules), taken once.

    Its modules are compiled once, as Python caches them (__pycache__) on a user's machine at the
    first run; otherwise, where PYTHONDONTWRITEBYTECODE is set, every run would compile them again
    (~0.1 s per process) while the floor's libraries come precompiled.
    """
    for name in CODE_PATHS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            shutil.copy2(source, into / name)
    compileall.compile_dir(into / "crm_batch", quiet=1)
    return into


def ensure_registers(size: Size, regenerate: bool, code: Path) -> Path:
    """The cached registers of a size, generated with crm_batch.sample when missing or made differently."""
    folder = CACHE / size.name
    params = generator_params(size)
    stamp = folder / PARAMS_FILE
    if not regenerate and stamp.is_file():
        kept = json.loads(stamp.read_text("utf-8"))
        files = kept.pop("files", [])
        if kept == params and files and all((folder / name).is_file() for name in files):
            return folder
    say(f"生成 {size.name} 登记表（{size.customers:,} 位客户）到 {folder} …")
    began = time.perf_counter()
    if str(code) not in sys.path:
        sys.path.insert(0, str(code))
    from crm_batch.sample import generate

    shutil.rmtree(folder, ignore_errors=True)
    paths = generate(folder, customers=size.customers, contacts_per_customer=size.contacts_per_customer,
                     preset=PRESET, seed=SEED, today=TODAY, messy=True)
    stamp.write_text(json.dumps({**params, "files": [p.name for p in paths]}, ensure_ascii=False, indent=2), "utf-8")
    say(f"  用时 {time.perf_counter() - began:.1f} 秒")
    return folder


# ------------------------------------------------------------------ measurements


@dataclass
class Run:
    """One measurement: wall time (setup excluded), peak RSS and what the child reported."""

    wall_s: float
    rss_mib: float | None
    data: dict[str, Any]


def run_child(kind: str, args: Sequence[str]) -> Run:
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        result = Path(tmp) / "result.json"
        command = [sys.executable, str(MEASURE), kind, "--result", str(result), *args]
        launched_at, began = time.time(), time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", errors="replace")
        wall, returned_at = time.perf_counter() - began, time.time()
        if done.returncode != 0 or not result.is_file():
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-20:])
            raise BenchError(f"{MEASUREMENTS[kind]} 运行失败（退出码 {done.returncode}）：\n{tail}")
        data = json.loads(result.read_text("utf-8"))
    data |= {"launched_at": launched_at, "returned_at": returned_at}
    rss = data.get("peak_rss_kib")
    return Run(wall - data.get("setup_s", 0.0), rss / 1024 if rss is not None else None, data)


def run_full(inputs: Path, week: str, code: Path, capture_to: Path | None) -> Run:
    """The weekly job into a fresh output folder; its report captured as plain cells when asked."""
    with tempfile.TemporaryDirectory(prefix="crm-bench-out-") as out:
        run = run_child("full", ["--inputs", str(inputs), "--out", out, "--week", week, "--root", str(code)])
        if capture_to is not None:
            reports = sorted(Path(out).glob("*.xlsx"))
            if len(reports) != 1:
                raise BenchError(f"完整任务应写出一个工作簿，实际在 {out} 找到 {len(reports)} 个")
            with capture_to.open("wb") as fh:
                pickle.dump(capture_report(reports[0]), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return run


def run_plain(kind: str, inputs: Path, report: Path) -> Run:
    with tempfile.TemporaryDirectory(prefix="crm-bench-out-") as out:
        return run_child(kind, ["--inputs", str(inputs), "--out", str(Path(out) / "out.xlsx"),
                                "--report", str(report)])


@dataclass
class SizeResult:
    size: Size
    runs: dict[str, list[Run]]
    shapes: list[tuple[str, int, int]]  # the report's sheets: name, rows, columns

    def wall(self, kind: str) -> float:
        return statistics.median(r.wall_s for r in self.runs[kind])

    def rss(self, kind: str) -> float | None:
        values = [r.rss_mib for r in self.runs[kind] if r.rss_mib is not None]
        return statistics.median(values) if values else None


def measure_size(size: Size, repeat: int, week: str, regenerate: bool, code: Path) -> SizeResult:
    inputs = ensure_registers(size, regenerate, code)
    runs: dict[str, list[Run]] = {kind: [] for kind in MEASUREMENTS}
    with tempfile.TemporaryDirectory(prefix="crm-bench-cells-") as tmp:
        cells = Path(tmp) / "report.pickle"
        for attempt in range(1, repeat + 1):  # interleaved, so a slow spell of the machine hits all three
            for kind in MEASUREMENTS:
                if kind == "full":
                    run = run_full(inputs, week, code, cells if attempt == 1 else None)
                else:
                    run = run_plain(kind, inputs, cells)
                runs[kind].append(run)
                rss = f"{run.rss_mib:,.0f} MiB" if run.rss_mib is not None else "—"
                say(f"  {size.name} · {MEASUREMENTS[kind]} · 第 {attempt}/{repeat} 次：{run.wall_s:.1f} 秒，{rss}")
        with cells.open("rb") as fh:
            shapes = [(name, len(rows), max(map(len, rows), default=0)) for name, rows in pickle.load(fh)]
    return SizeResult(size, runs, shapes)


# ------------------------------------------------------------------ the full job's stages


def stage_split(run: Run) -> dict[tuple[str, str], float]:
    """Seconds per (stage, step) of one full run, from the times its progress lines were printed.

    Start-up runs from the process launch to the first progress line; the exit from
    the final 完成 line until the process has ended. Probe timings are added as
    (stage, "其中 …") rows: parts of their stage, not extra time.
    """
    data = run.data
    starts: list[tuple[str, str, float]] = []
    for at, line in data["events"]:
        for prefix, stage in STAGE_OF_LINE:
            if line.startswith(prefix):
                starts.append((stage, line.removesuffix("…").split("（")[0].strip(), at))
                break
    if not starts:
        raise BenchError("完整任务没有打印任何阶段（读取 …、写入工作簿 …），无法分阶段计时")
    split = {("startup", ""): data["started_at"] - data["launched_at"] + starts[0][2]}
    ends = [at for _, _, at in starts[1:]] + [data["ended_s"]]
    for (stage, step, at), end in zip(starts, ends, strict=True):
        split[(stage, step)] = split.get((stage, step), 0.0) + end - at
    exit_step = next(((s, step) for s, step, _ in starts if s == "exit"), ("exit", ""))
    split[exit_step] = split.get(exit_step, 0.0) + data["returned_at"] - data["ended_at"]
    for probe in data.get("probes", []):
        split[(probe["stage"], f"其中 {probe['label']}")] = probe["seconds"]
    return split


def median_split(runs: list[Run]) -> dict[tuple[str, str], float]:
    splits = [stage_split(r) for r in runs]
    keys = list(dict.fromkeys(k for s in splits for k in s))
    return {k: statistics.median(s[k] for s in splits if k in s) for k in keys}


def stage_totals(split: dict[tuple[str, str], float]) -> dict[str, float]:
    totals = dict.fromkeys(STAGES, 0.0)
    for (stage, step), seconds in split.items():
        if not step.startswith("其中"):
            totals[stage] += seconds
    return totals


# ------------------------------------------------------------------ the table


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """A plain-text table; widths count a CJK character as two columns."""
    widths = [max(display_width(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - display_width(cell))
            out.append(pad + cell if i in right else cell + pad)
        return "  ".join(out).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def verdict(passed: bool) -> str:
    return "达标" if passed else "未达标"


def target_rows(result: SizeResult) -> list[list[str]]:
    """The ratios, and each of the issue's targets beside its number."""
    full, floor, baseline = result.wall("full"), result.wall("floor"), result.wall("baseline")
    rss = result.rss("full")
    name = result.size.name
    floor_ratio, baseline_ratio = full / floor, baseline / full
    rows = []
    if name == "large":
        rows.append([name, "完整/下限 full/floor", f"{floor_ratio:.2f}×", f"≤ {LARGE_MAX_FLOOR_RATIO}×",
                     verdict(floor_ratio <= LARGE_MAX_FLOOR_RATIO)])
        rows.append([name, "完整任务用时", f"{full:.1f} 秒", f"< {LARGE_MAX_S:.0f} 秒", verdict(full < LARGE_MAX_S)])
        rows.append([name, "完整任务峰值内存", f"{rss:,.0f} MiB" if rss is not None else "—",
                     f"< {LARGE_MAX_RSS_MIB:,.0f} MiB（2 GiB）", verdict(rss is not None and rss < LARGE_MAX_RSS_MIB)])
    else:
        rows.append([name, "完整/下限 full/floor", f"{floor_ratio:.2f}×", "（目标只针对 large）", "—"])
        if name == "small":
            rows.append([name, "完整任务用时", f"{full:.1f} 秒", f"< {SMALL_MAX_S:.0f} 秒",
                         verdict(full < SMALL_MAX_S)])
    rows.append([name, "基线/完整 baseline/full", f"{baseline_ratio:.2f}×", f"≥ {MIN_BASELINE_RATIO:.0f}×",
                 verdict(baseline_ratio >= MIN_BASELINE_RATIO)])
    return rows


def split_rows(results: list[SizeResult]) -> list[list[str]]:
    """Stages with their steps and probes under them; one column per size, seconds and share of the total."""
    splits = [median_split(r.runs["full"]) for r in results]
    totals = [stage_totals(s) for s in splits]
    grand = [sum(t.values()) for t in totals]

    def cells(values: list[float | None], share: bool) -> list[str]:
        out = []
        for value, whole in zip(values, grand, strict=True):
            if value is None:
                out.append("—")
            else:
                out.append(f"{value:.2f}" + (f"（{value / whole:.0%}）" if share and whole else ""))
        return out

    rows = []
    for stage, label in STAGES.items():
        rows.append([label, *cells([t[stage] for t in totals], share=True)])
        steps = list(dict.fromkeys(k for s in splits for k in s if k[0] == stage and k[1]))
        plain = [k for k in steps if not k[1].startswith("其中")]
        for key in (plain if len(plain) > 1 else []) + [k for k in steps if k[1].startswith("其中")]:
            rows.append(["  " + key[1], *cells([s.get(key) for s in splits], share=False)])
    rows.append(["合计（= 完整任务用时）", *cells(grand, share=False)])
    return rows


def machine_lines() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        memory = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024**3:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        memory = "未知"

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "未安装"

    packages = "；".join(f"{p} {version(p)}" for p in ("pandas", "xlsxwriter", "python-calamine", "fastexcel",
                                                        "openpyxl"))
    try:
        load = "，开始时负载 " + " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except (OSError, AttributeError):  # Windows
        load = ""
    return [f"机器：{os.cpu_count()} 核（{cpu}），内存 {memory}；{platform.system()} {platform.release()}{load}",
            f"Python {platform.python_version()}；{packages}"]


def git_state() -> str:
    """The commit, and whether the code the job runs differs from it (the benchmark's own files aside)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS)
    except (OSError, subprocess.CalledProcessError):
        return "未知（不是 git 仓库）"
    return commit + ("（crm_batch 有未提交的修改）" if dirty else "")


def fmt_mib(value: float | None) -> str:
    return f"{value:,.0f}" if value is not None else "—"


def measurement_rows(results: list[SizeResult]) -> list[list[str]]:
    rows = []
    for r in results:
        size = r.size
        data = f"{size.customers:,} 客户 / ~{size.customers * size.contacts_per_customer:,.0f} 跟进"
        for kind, label in MEASUREMENTS.items():
            rows.append([size.name, data, label, str(len(r.runs[kind])), f"{r.wall(kind):.2f}", fmt_mib(r.rss(kind))])
    return rows


def phase_rows(results: list[SizeResult]) -> list[list[str]]:
    """The floor's and the baseline's own read / write split."""
    rows = []
    for r in results:
        for kind in ("floor", "baseline"):
            runs = r.runs[kind]
            medians = [statistics.median(run.data["phases"][phase] for run in runs) for phase in PHASES]
            rows.append([r.size.name, MEASUREMENTS[kind], *(f"{m:.2f}" for m in medians)])
    return rows


def report(results: list[SizeResult], week: str, started: dt.datetime, code_state: str, machine: list[str]) -> str:
    sizes = [r.size.name for r in results]
    readers = sorted({run.data.get("reader", "?") for r in results for run in r.runs["floor"]})
    lines = [
        f"crm_batch 性能基准 · {started:%Y-%m-%d %H:%M}",
        *machine,
        f"代码：{code_state}；开始时复制一份，全部运行都用这份",
        f"计划周：{week}；登记表：crm_batch.sample（seed {SEED}，today {TODAY}，{PRESET}，messy）",
        f"每项为多次运行的中位数，每次都在新进程中；I/O 下限读 Excel 用 {'、'.join(readers)}",
        "",
        "测量结果",
        *render(["规模", "数据", "测量", "次数", "用时（秒）", "峰值内存（MiB）"], measurement_rows(results),
                right=(3, 4, 5)),
        "",
        "比值与目标（issue 7）",
        *render(["规模", "指标", "数值", "目标", "结果"], [row for r in results for row in target_rows(r)]),
        "",
        "完整任务分阶段用时（秒，中位数；括号内为占比）",
        *render(["阶段", *sizes], split_rows(results), right=range(1, len(sizes) + 1)),
        "",
        "I/O 下限与朴素基线的读写拆分（秒，中位数；读取含导入，解释器启动另计）",
        *render(["规模", "测量", "读取", "写出"], phase_rows(results), right=(2, 3)),
        "",
        "报表工作表（行 × 列，含表头行）",
        *(f"  {r.size.name}：" + "；".join(f"{name} {rows}×{cols}" for name, rows, cols in r.shapes)
          for r in results),
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ command line


def parse_sizes(text: str) -> list[Size]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SIZES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"未知的规模 {'、'.join(unknown) or text!r}，可选：{','.join(SIZES)}")
    return [SIZES[n] for n in dict.fromkeys(names)]


def parse_positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，收到 {text!r}")
    return int(text)


def parse_week(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 2026-11-23，收到 {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python benchmarks/bench.py", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_sizes, default=list(SIZES.values()),
                        help=f"逗号分隔的规模：{','.join(SIZES)}（默认全部）")
    defaults = "，".join(f"{s.name} {s.repeat}" for s in SIZES.values())
    parser.add_argument("--repeat", type=parse_positive, help=f"每项测量运行几次取中位数（默认 {defaults}）")
    parser.add_argument("--week", type=parse_week, default=DEFAULT_WEEK, help=f"计划周里的一天（默认 {DEFAULT_WEEK}）")
    parser.add_argument("--regenerate", action="store_true", help="重新生成缓存的登记表")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = dt.datetime.now()
    code_state, machine = git_state(), machine_lines()  # before the runs load the machine
    try:
        with tempfile.TemporaryDirectory(prefix="crm-bench-code-") as tmp:
            code = snapshot_code(Path(tmp))
            results = [measure_size(size, args.repeat or size.repeat, args.week, args.regenerate, code)
                       for size in args.sizes]
    except BenchError as exc:
        print(f"错误：{exc}", file=sys.stderr, flush=True)
        return 1
    text = report(results, args.week, started, code_state, machine)
    out = HERE / f"results-{started:%Y-%m-%d}.md"
    command = " ".join(["python benchmarks/bench.py", *(argv if argv is not None else sys.argv[1:])])
    out.write_text(f"# crm_batch 性能基准 {started:%Y-%m-%d}\n\n`{command}`\n\n```text\n{text}```\n", "utf-8")
    say("")
    say(text)
    say(f"已写入 {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
