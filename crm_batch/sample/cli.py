"""python -m crm_batch.sample: options in, generate() called, the files listed."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from crm_batch.sample.generator import PROFILES, generate
from crm_batch.sample.office_log import OfficeLogSize
from crm_batch.sample.vocab import PRESETS

_LOG = OfficeLogSize()


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，收到 {text!r}")
    return int(text)


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"应为不小于 0 的数，收到 {text!r}")
    return value


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期格式应为 YYYY-MM-DD（例如 2026-11-26），收到 {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    """CLI: python -m crm_batch.sample [--out DIR] [--profile standard|other_office|office_log] [--customers N] [--contacts-per-customer X] [--preset real_estate|auto_dealer] [--seed N] [--header-seed N] [--today YYYY-MM-DD] [--clean] [--agents N] [--rows N] [--days N] [--log-end YYYY-MM-DD]"""  # noqa: E501
    parser = argparse.ArgumentParser(
        prog="python -m crm_batch.sample",
        description="生成示例客户登记表：客户登记表.xlsx、意向客户管理卡.xlsx、跟进日志.csv。"
                    "同一种子、同一天生成的内容完全相同；默认带有真实登记表里常见的错漏和"
                    "不规范写法。",
    )
    parser.add_argument("--out", type=Path, default=Path("sample_data"), metavar="DIR",
                        help="输出文件夹（默认 sample_data）")
    parser.add_argument("--profile", choices=PROFILES, default="standard",
                        help="standard 三个登记表（默认）；other_office 同样的数据、另一家售楼处的表头写法；"
                             "office_log 一家售楼处的真实跟进日志（跟进日志.xlsx）")
    parser.add_argument("--customers", type=_positive_int, default=None, metavar="N",
                        help=f"客户总数，三个文件合计（默认 200；office_log 默认 {_LOG.customers}）")
    parser.add_argument("--contacts-per-customer", type=_non_negative_float, default=None,
                        metavar="X",
                        help="平均每个客户的跟进次数（默认 5）")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="real_estate",
                        help="行业预设：real_estate 房地产（默认），auto_dealer 汽车4S店")
    parser.add_argument("--seed", type=int, default=7, metavar="N", help="随机种子（默认 7）")
    parser.add_argument("--header-seed", type=int, default=None, metavar="N",
                        help="other_office：挑选表头写法的随机种子（默认同 --seed）")
    parser.add_argument("--today", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                        help="把哪一天当作“今天”，格式 YYYY-MM-DD（默认今天）")
    parser.add_argument("--clean", action="store_true",
                        help="生成规范整洁的数据：单行标准表头、标准写法、不加入错漏")
    log = parser.add_argument_group("office_log 的规模")
    log.add_argument("--agents", type=_positive_int, metavar="N",
                     help=f"置业顾问人数（默认 {_LOG.agents}）")
    log.add_argument("--rows", type=_positive_int, metavar="N", help=f"日志行数（默认 {_LOG.rows}）")
    log.add_argument("--days", type=_positive_int, metavar="N",
                     help=f"日志覆盖的天数（默认 {_LOG.days}，约三个月）")
    log.add_argument("--log-end", type=_iso_date, metavar="YYYY-MM-DD",
                     help="日志的最后一天，可早于今天（默认今天）")
    args = parser.parse_args(argv)
    log_options = {"--agents": args.agents, "--rows": args.rows, "--days": args.days,
                   "--log-end": args.log_end}
    if args.profile != "office_log" and any(v is not None for v in log_options.values()):
        parser.error(f"{'、'.join(k for k, v in log_options.items() if v is not None)} "
                     "只能和 --profile office_log 一起用")
    if args.header_seed is not None and args.profile != "other_office":
        parser.error("--header-seed 只能和 --profile other_office 一起用")
    if args.profile == "office_log" and (args.clean or args.contacts_per_customer is not None):
        parser.error("--profile office_log 照真实日志生成：不能用 --clean，跟进条数请用 --rows 指定")
    try:
        paths = generate(args.out, customers=args.customers,
                         contacts_per_customer=args.contacts_per_customer, preset=args.preset,
                         seed=args.seed, today=args.today, messy=not args.clean,
                         profile=args.profile, header_seed=args.header_seed, agents=args.agents,
                         rows=args.rows, days=args.days, log_end=args.log_end)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"无法写入示例登记表到 {args.out}：{exc.strerror or exc}。"
              "请关闭已打开的文件，或用 --out 换一个文件夹。", file=sys.stderr)
        return 2
    if args.profile == "office_log":
        what = f"售楼处跟进日志，{args.rows or _LOG.rows} 行"
        customers = args.customers or _LOG.customers
    else:
        what = "规范数据" if args.clean else "含常见错漏"
        what = f"另一家售楼处的表头，{what}" if args.profile == "other_office" else what
        customers = args.customers or 200
    print(f"已生成 {len(paths)} 个示例登记表（{PRESETS[args.preset].label}，"
          f"{customers} 个客户，{what}）：")
    for path in paths:
        print(f"  {path}")
    return 0
