"""The few conditions that stop a run. Everything else is a finding (see findings.py).

Each message is Chinese, names the file or key, and says what to do; cli.py
catches exactly these and exits 2.
"""

from __future__ import annotations


class CrmBatchError(Exception):
    """A condition the user can fix; the message is shown as it is."""


class RegisterUnreadable(CrmBatchError):
    """A register file cannot be read at all (corrupt, encrypted, not a spreadsheet)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"无法读取登记表 {path}：{reason}")


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

    def __init__(self, paths: list[str]) -> None:
        super().__init__(
            "没有找到可读取的登记表（支持 .xlsx .xlsm .xls .csv）：" + "、".join(paths)
            + "。请把登记表复制到 input 文件夹后再运行。"
        )


class RulesInvalid(CrmBatchError):
    """The rules file has an unknown key, a wrong type or bad TOML."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        where = f"键 {key}：" if key else ""
        super().__init__(f"规则文件 {path} 有误，{where}{problem}")


class OutputNotWritable(CrmBatchError):
    """The report cannot be written where it was asked for."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"无法写入报告 {path}：{reason}。请关闭已打开的报告或换一个输出文件夹（--out）。")


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
