"""Findings (数据问题): every data problem is a row, never an exception or a print.

A finding has a stable slug, the source location (file, sheet, Excel row),
the field, the raw value, and a Chinese message and action built from the
template of its slug. Findings are collected as DataFrames so a check over a
500,000-row sheet yields its findings with column operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

COLUMNS = ["文件", "工作表", "行号", "字段", "原值", "问题", "处理", "代码"]


@dataclass(frozen=True)
class Template:
    problem: str
    action: str


# {detail} is filled per row; {field} with the field's Chinese name.
TEMPLATES: dict[str, Template] = {
    "file-unreadable": Template("文件无法读取：{detail}", "跳过该文件，其余文件照常处理"),
    "file-no-register": Template("文件里没有客户档案或跟进记录", "跳过该文件，其余文件照常处理"),
    "sheet-unrecognised": Template("工作表的用途无法识别（{detail}）", "跳过该工作表，未作猜测"),
    "sheet-no-rows": Template("工作表只有表头，没有数据行", "跳过该工作表"),
    "essential-missing": Template(
        "没有找到{detail}", "请在 rules.toml 的 [headers_extra] 里写明这一列的表头，然后重新运行"),
    "header-duplicate": Template("两列都对应“{field}”（{detail}）", "以第一列为准，其空白处用另一列补上"),
    "header-weaker": Template("两列都对应同一项（{detail}）", "只读表头更明确的那一列，另一列未读入"),
    "header-contradicted": Template(
        "表头与内容不符：{detail}", "该列未读入；若确是这一项，请核对内容，或在 rules.toml 的 [headers_extra] 里写明"),
    "header-contradicted-kept": Template("表头与内容不符：{detail}", "按团队设置照常读入，请核对这一列"),
    "column-unread": Template("这一列没有读入：{detail}",
                              "如需读入，请在 rules.toml 的 [headers_extra] 里写明这一列是哪一项"),
    "column-unlabelled": Template("这一列有数据但没有表头（可能是合并单元格的右半边）", "未读入；请给这一列写上表头"),
    "columns-unread-more": Template("另有 {detail} 列有数据但没有读入", "每一列都列在“列映射”里"),
    "footer-row": Template("表尾说明行，不是客户", "跳过该行"),
    "header-repeated": Template("表格中间的标题行或重复的表头", "跳过该行"),
    "row-shifted": Template("整行疑似错位一列（{detail}）", "该行未采用，请核对原表后改正"),
    "row-no-identity": Template("该行没有客户编号、姓名或电话", "该行未采用"),
    "excel-error": Template("{field}是 Excel 错误值（公式出错）", "该项留空"),
    "formula-no-result": Template(
        "{field}是公式，文件里没有保存它的计算结果（多见于系统导出的表）",
        "按公式原文读入；请在 Excel 里打开这个文件、保存一次（会算出结果）再放入"),
    "date-invalid": Template("{field}无法识别为日期", "该日期留空"),
    "date-year-inferred": Template("{field}没有写年份", "按报告日期补全为 {detail}"),
    "date-out-of-range": Template("{field}超出合理年份范围（{detail}）", "该日期留空"),
    "date-lunar": Template("{field}是农历写法", "不按公历日期使用，该日期留空"),
    "birthday-invalid": Template(
        "{field}无法识别为公历或农历日期", "不安排{field}祝福；请写成 1980-03-08 或 农历八月十五"
    ),
    "phone-invalid": Template("电话号码无效", "电话留空，改按姓名+经纪人识别客户"),
    "phone-missing": Template("电话写的是文字而不是号码", "电话留空，改按姓名+经纪人识别客户"),
    "phone-multiple": Template("一个单元格里写了多个号码", "取第一个为主号码，其余记为备用号码：{detail}"),
    "phone-no-area-code": Template("固定电话没有区号", "按原号码保留"),
    "name-phone-glued": Template("姓名里夹带了电话号码", "拆分为姓名和电话 {detail}"),
    "value-unknown": Template("{field}的写法无法识别", "该项留空"),
    "grade-unknown": Template("{field}无法识别（可用等级：{detail}）", "该项留空"),
    "number-invalid": Template("{field}不是数字", "该项留空"),
    "number-out-of-range": Template("{field}超出合理范围", "该项留空"),
    "customer-duplicate": Template("同一客户重复登记（与{detail}相同）", "合并为一位客户，空白项用重复行补上"),
    "customer-handed-over": Template("{detail}", "按最新的经纪人归属；若不是交接而是登记错误，请改正原表"),
    "ownership-conflict": Template("同一电话已登记在其他经纪人名下（{detail}）", "按最早登记归属，本行不计入该经纪人"),
    "contact-unlinked": Template("跟进记录找不到对应客户（{detail}）", "未计入任何客户，请补登客户或改正姓名/电话"),
    "contact-no-date": Template("跟进记录没有有效日期", "保留该记录，但不计入按日期的统计"),
}


def _fill(template: str, field: str, detail: pd.Series | str) -> pd.Series | str:
    text = template.replace("{field}", field)
    if "{detail}" not in text:
        return text
    head, tail = text.split("{detail}", 1)
    if isinstance(detail, pd.Series):
        return head + detail.astype("string").fillna("") + tail
    return f"{head}{detail}{tail}"


# One problem repeated on many rows (a two-phone cell copied onto all 40 follow-ups of a customer) is one
# row of 数据问题 listing its rows; this many are listed, then "等".
ROWS_LISTED = 20
_SAME_PROBLEM = ["文件", "工作表", "字段", "原值", "问题", "处理", "代码"]


class Findings:
    """Collects finding rows; ``frame()`` gives them as one DataFrame in COLUMNS order (and ``_rows``: every
    Excel row of the row's problem, comma-separated, for code that needs them all).

    The same value with the same problem on several rows of a sheet is one row, its first row
    number in 行号 and every row named in 问题, so a manager fixes it in one pass.
    """

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []
        self._frame: pd.DataFrame | None = None

    def add(
        self,
        slug: str,
        *,
        file: str,
        sheet: str = "",
        row: int | None = None,
        field: str = "",
        raw: str = "",
        detail: str = "",
    ) -> None:
        """Record one finding."""
        self.add_rows(
            slug,
            file=file,
            sheet=sheet,
            rows=pd.Series([row], dtype="Int64"),
            field=field,
            raw=pd.Series([raw], dtype="string"),
            detail=detail,
        )

    def add_rows(
        self,
        slug: str,
        *,
        file: str,
        sheet: str,
        rows: pd.Series,
        field: str,
        raw: pd.Series,
        detail: pd.Series | str = "",
    ) -> None:
        """Record one finding per element of ``rows`` (Excel row numbers), vectorised."""
        if len(rows) == 0:
            return
        template = TEMPLATES[slug]
        index = rows.index
        if isinstance(detail, pd.Series):
            detail = detail.reindex(index)
        part = pd.DataFrame(
            {
                "文件": file,
                "工作表": sheet,
                "行号": pd.array(rows.to_numpy(), dtype="Int64"),
                "字段": field,
                "原值": raw.reindex(index).astype("string").to_numpy() if len(raw) else "",
                "问题": _fill(template.problem, field, detail),
                "处理": _fill(template.action, field, detail),
                "代码": slug,
            },
            index=index,
        )
        self._parts.append(part.reset_index(drop=True))
        self._frame = None

    def extend(self, other: Findings) -> None:
        self._parts.extend(other._parts)
        self._frame = None

    def __len__(self) -> int:
        return len(self.frame())

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self._build()
        return self._frame.copy()

    def _build(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in [*COLUMNS, "_rows"]}).astype({"行号": "Int64"})
        out = pd.concat(self._parts, ignore_index=True)[COLUMNS]
        out = out.sort_values(["文件", "工作表", "行号"], kind="stable", ignore_index=True)
        keys = out[_SAME_PROBLEM].astype("string").fillna("")
        repeated = (keys["原值"] != "") & out["行号"].notna() & keys.duplicated(keep=False)
        if not repeated.any():
            return out.assign(_rows=out["行号"].astype("string"))
        groups = out[repeated].groupby([keys[c][repeated] for c in _SAME_PROBLEM], sort=False)
        rows = groups["行号"].agg(lambda r: r.astype("int64").tolist())  # one call per problem
        first = out[repeated].drop_duplicates(_SAME_PROBLEM).copy()
        lists = rows.reindex(pd.MultiIndex.from_frame(keys.loc[first.index])).to_numpy()
        named = [_rows_named(r) for r in lists]
        first["问题"] = first["问题"].astype("string") + "（" + pd.array(named, dtype="string") + "）"
        first["_rows"] = pd.array([",".join(map(str, r)) for r in lists], dtype="string")
        merged = pd.concat([out[~repeated].assign(_rows=out["行号"][~repeated].astype("string")), first])
        return merged.sort_values(["文件", "工作表", "行号"], kind="stable", ignore_index=True)[[*COLUMNS, "_rows"]]


def _rows_named(rows: list[int]) -> str:
    """共 40 行：第 10、1582、2284… 行 — the rows one problem was found on."""
    shown = "、".join(str(r) for r in rows[:ROWS_LISTED]) + (" 等" if len(rows) > ROWS_LISTED else "")
    return f"同样的写法共 {len(rows)} 行：第 {shown} 行"
