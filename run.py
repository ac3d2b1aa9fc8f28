#!/usr/bin/env python3
"""Double-click me: the weekly customer-maintenance report (客户维护周报).

On a machine that has only Python 3.11+, the first run creates a private
environment ``.venv`` beside this file, installs what the tool needs into it
and runs again inside it; later runs start at once.

    python run.py               process input/ (or sample_data/ when input/ is empty)
    python run.py --selftest    set up with the test tools, then run the test suite
    python run.py --selftest --fast    the same without the slow tests, on every core (about a minute)
    python run.py --help        all options
"""

from __future__ import annotations

import compileall
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
# Older versions than these import but behave differently (pandas 3 string semantics).
MIN_VERSIONS = {"pandas": (3, 0)}
NEEDED_FOR_TESTS = ("pytest", "hypothesis", "ruff", "xdist")
REENTERED = "CRM_BATCH_IN_VENV"


def _say(message: str) -> None:
    print(message, flush=True)


def _too_old(module: str) -> bool:
    from importlib import metadata

    needed = MIN_VERSIONS.get(module)
    if not needed:
        return False
    try:
        parts = metadata.version(module).split(".")[:2]
        return tuple(int("".join(ch for ch in p if ch.isdigit()) or 0) for p in parts) < needed
    except metadata.PackageNotFoundError:
        return True


def _missing(modules: tuple[str, ...]) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None or _too_old(m)]


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _install_stamp(extras: str) -> str:
    """What an install provided: the requirements it was made from. A change elsewhere in pyproject.toml
    (a test tool, a linter setting) does not send the weekly job back to the network."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = list(project.get("dependencies", []))
    if extras == "test":
        wanted += project.get("optional-dependencies", {}).get("test", [])
    digest = hashlib.sha256("\n".join(wanted).encode("utf-8")).hexdigest()[:16]
    return f"{digest} {extras}"


def _ensure_venv(with_tests: bool) -> Path:
    """Create .venv and install the project (and its test extra) unless already done."""
    python = _venv_python()
    extras = "test" if with_tests else "run"
    if not python.exists():
        _say(f"首次运行：正在创建独立的 Python 环境（{VENV}）…")
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except Exception as exc:  # noqa: BLE001 - e.g. Debian's python3 without python3-venv
            _say(f"无法创建独立环境（{exc}）。Linux 上请先安装 python3-venv，然后删除 .venv 文件夹再运行。")
            raise SystemExit(2) from None
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
    # Compiled once now, so every weekly run starts without compiling (even where Python is told not
    # to cache compiled modules itself, PYTHONDONTWRITEBYTECODE).
    compileall.compile_dir(str(ROOT / "crm_batch"), quiet=1)
    _say("安装完成。")
    return python


def _inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _double_clicked() -> bool:
    """On Windows, a console that holds only us was opened by a double-click: keep it open."""
    if os.name != "nt" or os.environ.get(REENTERED) or os.environ.get("CRM_BATCH_NO_PAUSE"):
        return False
    if len(sys.argv) > 1 or not sys.stdin or not sys.stdin.isatty():
        return False
    try:
        import ctypes

        processes = (ctypes.c_uint * 8)()
        return ctypes.windll.kernel32.GetConsoleProcessList(processes, 8) <= 2
    except Exception:  # noqa: BLE001 - only a convenience; never fail the run over it
        return False


def pytest_args(args: list[str]) -> list[str]:
    """The selftest's arguments to pytest: ``--fast`` is the edit-and-test loop, everything but the tests
    marked slow, on every core (pytest-xdist) unless the user chose the workers or turned xdist off."""
    if "--fast" not in args:
        return args
    args = [a for a in args if a != "--fast"] + ["-m", "not slow"]
    own = any(a.startswith(("-n", "--numprocesses", "--dist")) or a.endswith("no:xdist") for a in args)
    return args if own else ["-n", "auto", *args]


def _run_here(args: list[str], with_tests: bool) -> int:
    sys.path.insert(0, str(ROOT))
    if with_tests:
        import pytest

        os.chdir(ROOT)
        return int(pytest.main([str(ROOT / "tests"), *pytest_args(args)]))
    from crm_batch.cli import main

    return main(args, base_dir=ROOT, parallel=True)  # this script has its __main__ guard


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
    code = 2
    try:
        code = main()
    except KeyboardInterrupt:
        _say("已中断。")
    finally:
        if pause:  # keep a double-clicked window open, even after an unexpected error
            try:
                input("\n按回车键关闭窗口…")
            except EOFError:
                pass
    sys.exit(code)
