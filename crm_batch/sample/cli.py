"""python -m crm_batch.sample: options in, generate() called, the files listed."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from crm_batch.sample import PRESETS, generate


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
    """CLI: python -m crm_batch.sample [--out DIR] [--customers N] [--contacts-per-customer X] [--preset real_estate|auto_dealer] [--seed N] [--today YYYY-MM-DD] [--clean]"""  # noqa: E501
    parser = argparse.ArgumentParser(
        prog="python -m crm_batch.sample",
        description="生成示例客户登记表：客户登记表.xlsx、意向客户管理卡.xlsx、跟进日志.csv。"
                    "同一种子、同一天生成的内容完全相同；默认带有真实登记表里常见的错漏和"
                    "不规范写法。",
    )
    parser.add_argument("--out", type=Path, default=Path("sample_data"), metavar="DIR",
                        help="输出文件夹（默认 sample_data）")
    parser.add_argument("--customers", type=_positive_int, default=200, metavar="N",
                        help="客户总数，三个文件合计（默认 200）")
    parser.add_argument("--contacts-per-customer", type=_non_negative_float, default=5.0,
                        metavar="X",
                        help="平均每个客户的跟进次数（默认 5）")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="real_estate",
                        help="行业预设：real_estate 房地产（默认），auto_dealer 汽车4S店")
    parser.add_argument("--seed", type=int, default=7, metavar="N", help="随机种子（默认 7）")
    parser.add_argument("--today", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                        help="把哪一天当作“今天”，格式 YYYY-MM-DD（默认今天）")
    parser.add_argument("--clean", action="store_true",
                        help="生成规范整洁的数据：单行标准表头、标准写法、不加入错漏")
    args = parser.parse_args(argv)
    try:
        paths = generate(args.out, customers=args.customers,
                         contacts_per_customer=args.contacts_per_customer, preset=args.preset,
                         seed=args.seed, today=args.today, messy=not args.clean)
    except OSError as exc:
        print(f"无法写入示例登记表到 {args.out}：{exc.strerror or exc}。"
              "请关闭已打开的文件，或用 --out 换一个文件夹。", file=sys.stderr)
        return 2
    style = "规范数据" if args.clean else "含常见错漏"
    print(f"已生成 {len(paths)} 个示例登记表（{PRESETS[args.preset].label}，"
          f"{args.customers} 个客户，{style}）：")
    for path in paths:
        print(f"  {path}")
    return 0
