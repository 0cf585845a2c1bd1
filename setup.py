"""Build hook: the Krita plugin zip goes into the wheel as ``ganime_core/resources/ganime_krita.zip``.

Everything else is in ``pyproject.toml``. The zip is made from ``krita_plugin/`` by the same
code as ``ganime krita-plugin --zip`` (``ganime_core/cli/krita_plugin.py``, stdlib only, loaded
by path so the build imports nothing of GANime's dependencies). Editable installs skip it: there
the command makes the zip from ``krita_plugin/`` itself.
"""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _plugin_module():
    spec = importlib.util.spec_from_file_location("_ganime_krita_plugin", ROOT / "ganime_core" / "cli" / "krita_plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithPlugin(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        plugin = _plugin_module()
        out = Path(self.build_lib) / "ganime_core" / "resources" / plugin.ZIP_NAME
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(plugin.build_zip(ROOT / "krita_plugin"))

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if not getattr(self, "editable_mode", False):
            outputs.append(str(Path(self.build_lib) / "ganime_core" / "resources" / "ganime_krita.zip"))
        return outputs


setup(cmdclass={"build_py": BuildWithPlugin})
