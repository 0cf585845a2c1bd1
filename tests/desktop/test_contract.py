"""Architecture contract: no torch in the desktop app, no Qt in the core."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "ganime_desktop"
CORE = ROOT / "ganime_core"
TORCH_HEAVY = ("ganime_core.api", "ganime_core.runtime.weights", "ganime_core.models",
               "ganime_core.runtime.devices")


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at_module_level) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:  # relative: resolve against the package
                pkg = path.parent.relative_to(ROOT).parts
                base = ".".join(pkg[: len(pkg) - node.level + 1])
                mod = f"{base}.{mod}" if mod else base
            found.append((mod, id(node) in top))
            found += [(f"{mod}.{a.name}", id(node) in top) for a in node.names]
    return found


def test_desktop_never_imports_torch() -> None:
    files = sorted(DESKTOP.rglob("*.py"))
    assert files
    for f in files:
        for mod, _ in imports(f):
            assert mod.split(".")[0] != "torch", f"{f.name} imports {mod}"


def test_only_the_worker_touches_torch_heavy_core_modules_and_only_lazily() -> None:
    for f in sorted(DESKTOP.rglob("*.py")):
        for mod, top_level in imports(f):
            if mod.startswith(TORCH_HEAVY):
                assert f.name == "workers.py", f"{f.name} imports {mod}"
                assert not top_level, f"workers.py imports {mod} at module level"


def test_core_never_imports_qt() -> None:
    for f in sorted(CORE.rglob("*.py")):
        for mod, top_level in imports(f):
            root = mod.split(".")[0]
            assert root not in ("PySide6", "PyQt5", "PyQt6", "qtawesome", "qtpy"), \
                f"{f.name} imports {mod}"
            if root == "ganime_desktop":  # only the CLI's launcher, lazily, to start the app
                assert f.name == "commands.py" and not top_level, f"{f.name} imports {mod}"


def test_the_gui_thread_never_imports_torch(tmp_path: Path) -> None:
    """Opening the window does not wait for torch: if torch is imported at all (the colorize
    worker preloads the model), the import happens on a worker thread, never the GUI thread."""
    code = (
        "import sys, threading\n"
        "on_gui = []\n"
        "def hook(event, args):\n"
        "    if event == 'import' and args[0] == 'torch':\n"
        "        on_gui.append(threading.current_thread() is threading.main_thread())\n"
        "sys.addaudithook(hook)\n"
        "from PySide6.QtCore import QSettings\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from ganime_desktop.main_window import MainWindow\n"
        f"w = MainWindow(QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat),"
        f" {str(tmp_path / 'rec')!r})\n"
        "w.show()\n"
        "app.processEvents()\n"
        "w.shutdown()\n"
        "print('GUI-IMPORTED-TORCH' if any(on_gui) else 'GUI-THREAD-CLEAN')\n")
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert "GUI-THREAD-CLEAN" in out.stdout, out.stdout + out.stderr


def _self_assigned(path: Path) -> set[str]:
    """Names a module assigns as ``self.<name> = ...`` (or annotated)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        for t in targets:
            for el in t.elts if isinstance(t, ast.Tuple) else [t]:
                if isinstance(el, ast.Attribute) and isinstance(el.value, ast.Name) \
                        and el.value.id == "self":
                    names.add(el.attr)
    return names


def test_no_module_sets_attributes_on_the_window() -> None:
    """Builders return what they make; only main_window.py gives the window attributes."""
    for f in sorted(DESKTOP.rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            windows = {a.arg for a in fn.args.args + fn.args.kwonlyargs
                       if a.annotation is not None and "MainWindow" in ast.unparse(a.annotation)}
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for t in targets:
                        assert not (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                                    and t.value.id in windows), \
                            f"{f.name}:{node.lineno} sets {ast.unparse(t)} on the window"


def test_the_window_has_only_the_attributes_it_declares(make_window) -> None:
    declared = _self_assigned(DESKTOP / "main_window.py")
    win = make_window(show=False)
    own = {k for k in vars(win) if not k.startswith("__") and not hasattr(type(win), k)}
    assert {"session", "files", "colorizer", "bars", "menus"} <= own  # it does see the parts
    extra = own - declared  # (PySide keeps bound signals in __dict__: class attributes)
    assert not extra, f"attributes set on the window from outside: {sorted(extra)}"
