#!/usr/bin/env python3
"""Double-click me: the weekly customer-maintenance report (客户维护周报).

On a machine that has only Python 3.11+, the first run creates a private
environment ``.venv`` beside this file, installs what the tool needs into it
and runs again inside it; later runs start at once.

    python run.py               process input/ (or sample_data/ when input/ is empty)
    python run.py --selftest    set up with the test tools, then run the test suite
    python run.py --help        all options
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MARKER = VENV / "crm_batch-installed.txt"
NEEDED = ("pandas", "pyarrow", "fastexcel", "openpyxl", "xlsxwriter", "jinja2", "lunar_python")
NEEDED_FOR_TESTS = ("pytest", "hypothesis")
REENTERED = "CRM_BATCH_IN_VENV"


def _say(message: str) -> None:
    print(message, flush=True)


def _missing(modules: tuple[str, ...]) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _install_stamp(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return f"{digest} {extras}"


def _ensure_venv(with_tests: bool) -> Path:
    """Create .venv and install the project (and its test extra) unless already done."""
    python = _venv_python()
    extras = "test" if with_tests else "run"
    if not python.exists():
        _say(f"首次运行：正在创建独立的 Python 环境（{VENV}）…")
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    stamp = _install_stamp(extras)
    done = MARKER.read_text("utf-8").split("\n") if MARKER.exists() else []
    if stamp in done or (not with_tests and _install_stamp("test") in done):
        return python
    _say("正在安装所需组件（pandas、xlsxwriter 等，首次需要几分钟，请保持联网）…")
    target = f"{ROOT}[test]" if with_tests else str(ROOT)
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target]
    if subprocess.call(command, cwd=ROOT) != 0:
        _say("安装失败：请检查网络连接后重新运行。如果反复失败，请删除 .venv 文件夹再试。")
        raise SystemExit(2)
    MARKER.write_text("\n".join([*done, stamp]), "utf-8")
    _say("安装完成。")
    return python


def _inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _double_clicked() -> bool:
    """On Windows, a console that holds only us was opened by a double-click: keep it open."""
    if os.name != "nt" or os.environ.get(REENTERED) or os.environ.get("CRM_BATCH_NO_PAUSE"):
        return False
    try:
        import ctypes

        processes = (ctypes.c_uint * 8)()
        return ctypes.windll.kernel32.GetConsoleProcessList(processes, 8) <= 2
    except Exception:  # noqa: BLE001 - only a convenience; never fail the run over it
        return False


def _run_here(args: list[str], with_tests: bool) -> int:
    sys.path.insert(0, str(ROOT))
    if with_tests:
        import pytest

        os.chdir(ROOT)
        return int(pytest.main([str(ROOT / "tests"), *args]))
    from crm_batch.cli import main

    return main(args, base_dir=ROOT)


def main() -> int:
    args = sys.argv[1:]
    with_tests = bool(args) and args[0] == "--selftest"
    if with_tests:
        args = args[1:]
    needed = NEEDED + (NEEDED_FOR_TESTS if with_tests else ())
    if not _missing(needed):
        return _run_here(args, with_tests)
    if _inside_venv() or os.environ.get(REENTERED):
        _say("缺少组件：" + "、".join(_missing(needed)) + "。请删除 .venv 文件夹后重新运行。")
        return 2
    python = _ensure_venv(with_tests)
    env = {**os.environ, REENTERED: "1"}
    return subprocess.call([str(python), str(Path(__file__).resolve()), *sys.argv[1:]], env=env)


if __name__ == "__main__":
    pause = _double_clicked()
    try:
        code = main()
    except KeyboardInterrupt:
        _say("已中断。")
        code = 2
    if pause:
        input("\n按回车键关闭窗口…")
    sys.exit(code)
