"""Command line: options → pipeline.run() → report. The only place that prints or exits.

Exit codes: 0 done (data problems are in the report), 1 ``--check`` found
data problems, 2 could not run (a problem the user can fix, said in Chinese),
3 a bug: its traceback goes to a crash report (错误报告), never to the screen.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from crm_batch.calendar import PlanWeek
from crm_batch.errors import CrmBatchError, NoInput
from crm_batch.ingest.inputs import discover, find_reports
from crm_batch.parallel import executor_for, processes_for
from crm_batch.rules_config import PRESETS, load_rules

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED, EXIT_BUG = 0, 1, 2, 3
CHECK_LIST_LIMIT = 50


class _ChineseFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 - argparse's signature
        super().add_usage(usage, actions, groups, prefix="用法：")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILED, f"参数有误：{message}\n运行 crm-batch --help 查看用法。\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="crm-batch",
        add_help=False,
        formatter_class=_ChineseFormatter,
        description=(
            "客户维护周报：读取团队的客户登记表（Excel/CSV），校验资料、整理客户与跟进记录，\n"
            "生成一份中文工作簿（本周行动、罚款、合规等），交给各位经纪人。"
        ),
        epilog=(
            "示例：\n"
            "  python run.py                       处理 input 文件夹（为空时用 sample_data 示例）\n"
            "  python run.py 登记表.xlsx --week 2026-11-23\n"
            "  python run.py input --check         只检查数据问题，不生成报告\n"
            "\n退出码：0 完成；1 检查模式发现数据问题；2 无法运行（原因见提示）；3 程序出错（见错误报告）。"
        ),
    )
    inputs = parser.add_argument_group("输入")
    inputs.add_argument("paths", nargs="*", metavar="路径",
                        help="登记表文件或文件夹（.xlsx .xlsm .xls .csv），可写多个；不写则用 input 文件夹")
    options = parser.add_argument_group("选项")
    options.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    options.add_argument("--week", metavar="日期", type=_parse_week,
                         help="计划周里的任意一天，如 2026-11-23；报告按该日所在的周一至周日，行动从该日起安排"
                              "（默认：周一至周四运行时为本周、从今天起，周五至周日运行时为下周；"
                              "从哪天起算下周见规则 actions.next_week_from）")
    options.add_argument("--out", metavar="文件夹", type=Path, help="报告输出文件夹（默认 output）")
    options.add_argument("--rules", metavar="文件", type=Path,
                         help="团队规则文件 rules.toml（默认使用 run.py 旁边的 rules.toml，如有）")
    options.add_argument("--preset", choices=PRESETS, metavar="预设",
                         help="内置规则预设：real_estate 房地产（默认）或 auto_dealer 汽车4S店")
    options.add_argument("--per-agent", action="store_true",
                         help="另为每位经纪人生成一个只含其本人客户的工作簿（output/经纪人/姓名.xlsx）")
    options.add_argument("--check", action="store_true",
                         help="只检查：显示列映射和数据问题，不生成报告；发现问题时退出码为 1")
    options.add_argument("--processes", choices=("auto", "1", "2"), default="auto", metavar="进程数",
                         help="同时使用几个进程：auto 按登记表大小自动选择（默认），1 只用一个进程，2 另开一个工作进程")
    return parser


def _parse_week(text: str) -> dt.date:
    found = re.fullmatch(r"\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*", text)
    if found:
        try:
            return dt.date(*map(int, found.groups()))
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"“{text}”不是日期，请写成 2026-11-23 这样的格式")


def default_inputs(base_dir: Path) -> list[Path]:
    """``input/`` when it holds registers; the bundled ``sample_data/`` only when ``input/`` is empty.

    Files in ``input/`` that are not registers are an error, not a reason to report on the samples.
    """
    inbox = base_dir / "input"
    if inbox.is_dir() and discover([inbox]):
        return [inbox]
    if inbox.is_dir() and any(p.is_file() and p.name != "README.txt" for p in inbox.rglob("*")):
        raise NoInput([str(inbox)], [p.name for p in find_reports([inbox])])
    return [base_dir / "sample_data"]


def _say(message: str) -> None:
    print(message, flush=True)


def main(argv: Sequence[str] | None = None, base_dir: Path | None = None, *, parallel: bool = False) -> int:
    """Run the weekly job from the command line; return the exit code.

    ``parallel``: the caller is an entry point whose script has an ``if __name__ == "__main__"``
    guard (run.py, ``python -m crm_batch``, the ``crm-batch`` command), so worker processes may be
    started when the register is large enough. A spawned worker imports the caller's script, and an
    unguarded one would run the whole job again in it; other callers stay in one process unless
    they ask for workers with ``--processes 2``.
    """
    for stream in (sys.stdout, sys.stderr):  # register text a console's code page lacks (GBK on Windows) is shown
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    base_dir = base_dir or Path.cwd()
    if not parallel and args.processes == "auto":
        args.processes = "1"
    try:
        return _run(args, base_dir)
    except CrmBatchError as exc:
        print(f"错误：{exc}", file=sys.stderr, flush=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("已中断，没有生成报告。", file=sys.stderr, flush=True)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a bug: the manager gets one sentence, the maintainer the report
        from crm_batch.crash import crash_message, format_crash_report, write_crash_report

        said = list(sys.argv[1:] if argv is None else argv)
        names: list[Path] = []
        with contextlib.suppress(Exception):
            names = discover([Path(p) for p in args.paths] if args.paths else default_inputs(base_dir))
        report = write_crash_report(args.out or base_dir / "output", exc, said, names)
        if report is None:  # no folder would take it: the window is all there is to send
            print(format_crash_report(exc, said, names), file=sys.stderr, flush=True)
        print(crash_message(report), file=sys.stderr, flush=True)
        return EXIT_BUG


def _run(args: argparse.Namespace, base_dir: Path) -> int:
    started = time.perf_counter()
    team_rules = args.rules or (base_dir / "rules.toml" if (base_dir / "rules.toml").is_file() else None)
    inputs = list(args.paths) if args.paths else default_inputs(base_dir)
    inputs = [Path(p) for p in inputs]
    if not discover(inputs) and (reports := find_reports(inputs)):
        raise NoInput([str(p) for p in inputs], [p.name for p in reports])
    # A worker starts before pandas is loaded here (checking the rules loads it), so both load it at once.
    with executor_for(processes_for(_size_of(inputs), args.processes)) as executor:
        rules = load_rules(args.preset, team_rules)
        from crm_batch import pipeline
        from crm_batch.history import FILE_NAME as HISTORY_FILE
        from crm_batch.history import History

        today = pipeline.today()
        week = (PlanWeek.containing(args.week) if args.week
                else PlanWeek.for_run(today, rules["actions"]["next_week_from"]))
        _say(f"客户维护周报 · 计划周 {week.describe()} · 规则：{rules.preset_label}")
        if not args.week:
            _say(f"  {week.why(today)}。")
        _say("输入：" + "、".join(str(p) for p in inputs))
        out_dir = args.out or base_dir / "output"
        # --check writes nothing, history included; otherwise earlier weeks decide repeat fines and grade drops.
        history = None if args.check else History(out_dir / HISTORY_FILE, warn=lambda m: _say("  注意：" + m))
        prior = history.prior(week.label) if history else None
        # The manager's 主管确认 come back from the reports in the output folder and any copied into input/.
        decided_in = [] if args.check else find_reports(inputs) + _reports_in(out_dir)
        result = pipeline.run(inputs, week, rules, progress=lambda m: _say("  " + m),
                              template_dirs=[base_dir / "templates"], prior=prior, executor=executor,
                              run_day=today, decision_files=decided_in)
    register = result.register
    problems = register.findings.frame()
    if register.missing:
        _say("")
        _say("！！登记表缺少必要的列，下面的报告（尤其是行动和罚款）不可靠：")
        for sentence in register.missing:
            _say("  · " + sentence)

    if args.check:
        _print_check(register.mapping, problems)
        _say(f"检查完成：客户 {len(register.customers)} 位，跟进记录 {len(register.contacts)} 条，"
             f"数据问题 {len(problems)} 条。")
        return EXIT_PROBLEMS if len(problems) else EXIT_OK

    from crm_batch.publish import publish

    _say("  写入工作簿 …")
    published = publish(result, out_dir, history=history, per_agent=args.per_agent)
    path = published.report
    if path != published.wanted:
        _say(f"  注意：{published.wanted.name} 正被打开（可能在 Excel 里），新报告写成了 {path.name}。")
    if published.interrupted:
        print(f"已中断：报告已生成（{path.resolve()}），但{published.interrupted}。", file=sys.stderr, flush=True)
        return EXIT_FAILED
    if args.per_agent:
        _say(f"  已为 {len(published.agent_books)} 位经纪人各生成一个工作簿：{published.agent_folder}")
        for agent, reason in published.agent_failures.items():
            _say(f"  注意：经纪人“{agent}”的工作簿没有生成：{reason}")
    elapsed = time.perf_counter() - started
    _say("")
    _say(f"完成（用时 {elapsed:.1f} 秒）：客户 {len(register.customers)} 位，跟进记录 {len(register.contacts)} 条，"
         f"数据问题 {len(problems)} 条（见“数据问题”工作表）。")
    _print_plan(result)
    risk = result.profiles["risk"]
    if risk.notna().any():
        flagged, high = int(risk.notna().sum()), int(risk.eq("高").sum())
        _say(f"流失预警 {flagged} 位客户，其中高风险 {high} 位（见“流失预警”工作表）。")
    _say_audit(result)
    _say(f"报告：{path.resolve()}")
    return EXIT_OK


def _print_plan(result) -> None:  # noqa: ANN001 - a WeeklyResult
    """本周行动 in one line, 待安排 in another when something did not fit, and the drafts' signature."""
    from crm_batch.report.sheets import sender_notice

    actions, waiting = result.actions, result.waiting
    _say(f"本周行动 {len(actions)} 条，每位经纪人每天最多 {result.rules['actions']['capacity']} 位客户"
         f"（见“本周行动”工作表）。")
    if len(waiting):
        busy = waiting.groupby("agent").size().sort_values(ascending=False)
        names = "、".join(f"{a} {n} 位" for a, n in busy.head(3).items())
        _say(f"排不下的 {len(waiting)} 位客户列在“待安排”：{names}{'等' if len(busy) > 3 else ''}。")
    notice = sender_notice(result.rules)
    if notice:
        _say(f"注意：{notice}。")


def _reports_in(folder: Path) -> list[Path]:
    """The workbooks in the output folder, where the reports are (not its subfolders: the agents' workbooks).

    Which of them are reports, and changed since read, is decided when reading them (decisions.py).
    """
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.xlsx") if p.is_file() and not p.name.startswith(("~$", ".~")))


def _say_audit(result) -> None:  # noqa: ANN001 - pipeline.WeeklyResult, imported late
    """The audit in a few lines: the days covered, what was charged and confirmed, what cannot be audited."""
    from crm_batch.report.audit import fine_totals, pending_by_duty

    _say(f"稽核周 {result.week.audit.describe()}：稽核 {result.coverage.days_said()}。")
    _say(f"  罚款：{fine_totals(result.fines)}（见“罚款明细”工作表）。")
    for headline, pending in pending_by_duty(result).items():
        if pending:
            _say(f"  {headline}，{pending} 条列为待核实，不罚款（见总览）。")
    book = result.decisions
    if len(book.read):
        counts = "、".join(f"{k} {v}" for k, v in book.counts().items())
        _say(f"  读回主管确认 {len(book.read)} 条（{counts}）。")
    if len(book.problems):
        _say(f"  注意：{len(book.problems)} 条主管确认没有采用或有疑问，见总览“主管确认未能采用”。")


def command() -> int:
    """The ``crm-batch`` command (and ``python -m crm_batch``)."""
    return main(parallel=True)


def _size_of(inputs: list[Path]) -> int:
    """Bytes of the register files: whether worker processes pay for themselves."""
    total = 0
    for path in discover(inputs):
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


def _given(value: object) -> bool:
    import pandas as pd

    return value is not None and not pd.isna(value) and value != ""


def _print_check(mapping, problems) -> None:  # noqa: ANN001 - DataFrames
    _say("")
    _say("列映射（原表头 → 字段）：")
    for (file, sheet, role), group in mapping.groupby(["文件", "工作表", "用途"], sort=False):
        _say(f"  {file} / {sheet}（{role}，表头在第 {group['表头行'].iloc[0]} 行）")
        header = group["原表头"]
        used = group["对应字段"] != "（忽略）"
        how = group["识别方式"].where(group["识别方式"].isin(["关键词", "按内容"]), "")
        how = ("（" + how + "）").where(how != "", "")
        _say("    " + "；".join(f"{h} → {f}{w}" for h, f, w in zip(header[used], group["对应字段"][used], how[used],
                                                                     strict=True)))
        if (~used).any():
            ignored = zip(header[~used], group["说明"][~used], strict=True)
            _say("    忽略：" + "；".join(f"{h}（{n}）" for h, n in ignored))
    _say("")
    if problems.empty:
        _say("没有发现数据问题。")
        return
    _say(f"数据问题（共 {len(problems)} 条，显示前 {min(len(problems), CHECK_LIST_LIMIT)} 条）：")
    for row in problems.head(CHECK_LIST_LIMIT).itertuples(index=False):
        where = f"{row.文件}" + (f" / {row.工作表}" if _given(row.工作表) else "")
        where += f" 第 {row.行号} 行" if _given(row.行号) else ""
        value = f"“{row.原值}”" if _given(row.原值) else ""
        field = row.字段 if _given(row.字段) else ""
        _say(f"  {where} {field}{value}：{row.问题} → {row.处理}")
    counts = problems["问题"].str.replace(r"（.*$", "", regex=True).value_counts()
    _say("按问题统计：" + "；".join(f"{k} {v} 条" for k, v in counts.head(10).items()))

