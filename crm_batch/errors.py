"""The few conditions that stop a run. Everything else is a finding (see findings.py).

Each message is Chinese, names the file or key, and says what to do; cli.py
catches exactly these and exits 2.
"""

from __future__ import annotations

import errno
import os
import re


class CrmBatchError(Exception):
    """A condition the user can fix; the message is shown as it is."""


class RegisterUnreadable(CrmBatchError):
    """A register file cannot be read at all (corrupt, encrypted, not a spreadsheet)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"无法读取登记表 {path}：{reason}")

    def __reduce__(self) -> tuple:  # raised in a worker process: rebuilt from its two parts
        return type(self), (self.path, self.reason)


class NoRegisterSheet(CrmBatchError):
    """A readable file holds neither a customer sheet nor a contact sheet."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"登记表 {path} 里没有找到客户档案或跟进记录（没有认出姓名、电话等表头）。"
            "请确认表头行里有“客户姓名”“联系电话”之类的列名。"
        )


class NoInput(CrmBatchError):
    """Nothing to read: no register files at the given paths."""

    def __init__(self, paths: list[str], reports: list[str] = ()) -> None:
        only_reports = f"（{'、'.join(reports)} 是本工具生成的周报，只用来读回主管确认，不是登记表）" if reports else ""
        super().__init__(
            "没有找到可读取的登记表（支持 .xlsx .xlsm .xls .csv）：" + "、".join(paths) + only_reports
            + "。请把登记表复制到 input 文件夹后再运行。"
        )


class RulesInvalid(CrmBatchError):
    """The rules file has an unknown key, a wrong type or bad TOML."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        where = f"键 {key}：" if key else ""
        super().__init__(f"规则文件 {path} 有误，{where}{problem}")


# What the operating system's (often English) reasons mean, for the manager.
_REASONS = {
    code: text
    for name, text in [
        ("ENOSPC", "磁盘空间不足"),
        ("EDQUOT", "磁盘配额已用完"),
        ("EACCES", "没有写入权限，或文件正被其他程序占用"),
        ("EPERM", "没有写入权限"),
        ("EROFS", "磁盘或文件夹是只读的"),
        ("ENOENT", "文件夹不存在"),
        ("ENOTDIR", "路径里有一个同名的文件，不是文件夹"),
        ("EEXIST", "已有同名的文件"),
        ("EISDIR", "已有同名的文件夹"),
        ("ENAMETOOLONG", "文件名或路径太长"),
        ("EBUSY", "文件正被其他程序占用"),
    ]
    if (code := getattr(errno, name, None)) is not None
}
_FULL = {getattr(errno, name) for name in ("ENOSPC", "EDQUOT") if hasattr(errno, name)}
# Windows error numbers as they appear in "[WinError 112] …".
_WINDOWS = {112: errno.ENOSPC, 39: errno.ENOSPC, 5: errno.EACCES, 32: errno.EACCES, 33: errno.EACCES,
            3: errno.ENOENT, 19: errno.EROFS}


def _reason_code(reason: str) -> int | None:
    found = re.match(r"\[(Errno|WinError) (\d+)\]", reason)
    if found:
        number = int(found.group(2))
        return _WINDOWS.get(number) if found.group(1) == "WinError" else number
    return next((code for code in _REASONS if reason.strip() == os.strerror(code)), None)


class OutputNotWritable(CrmBatchError):
    """The report cannot be written where it was asked for."""

    def __init__(self, path: str, reason: str) -> None:
        code = _reason_code(reason)
        reason = _REASONS.get(code, reason).rstrip("。. ") if code is not None else reason.rstrip("。. ")
        advice = ("请清理磁盘空间，或换一个输出文件夹（--out）。" if code in _FULL
                  else "请关闭已打开的报告或换一个输出文件夹（--out）。")
        super().__init__(f"无法写入报告 {path}：{reason}。{advice}")


class TemplateInvalid(CrmBatchError):
    """A configured SMS/talk-track template is missing, cannot be parsed or uses an unknown variable."""

    def __init__(self, template: str, folders: list[str], action_type: str, problem: str) -> None:
        self.template = template
        self.folders = folders
        self.action_type = action_type
        self.problem = problem
        super().__init__(
            f"“{action_type}”的模板 {template} 有误：{problem}。查找的模板文件夹（依次）：{'、'.join(folders)}"
        )
