"""``ganime krita-plugin``: the Krita plugin as a zip, or unpacked into Krita's resource folder.

The wheel carries the plugin as ``ganime_core/resources/ganime_krita.zip`` (made at build time
from ``krita_plugin/`` by ``setup.py``); in a source checkout the zip is made from
``krita_plugin/`` directly. Krita looks for Python plugins in ``<resource folder>/pykrita/``:
``ganime_krita.desktop`` beside the ``ganime_krita/`` package.

Stdlib only (``setup.py`` loads this file by path to build the zip).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

PLUGIN = "ganime_krita"
ZIP_NAME = f"{PLUGIN}.zip"
BUNDLED_ZIP = Path(__file__).resolve().parents[1] / "resources" / ZIP_NAME
SOURCE_DIR = Path(__file__).resolve().parents[2] / "krita_plugin"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the same bytes from the same sources
MAX_ZIP_BYTES = 16 * 1024 * 1024


class PluginError(Exception):
    """The plugin cannot be found, read or installed (a plain message for the user)."""


def plugin_files(source: Path) -> list[str]:
    """The files of the plugin under ``source`` (``krita_plugin/``), as zip member names."""
    package = source / PLUGIN
    if not (source / f"{PLUGIN}.desktop").is_file() or not package.is_dir():
        raise PluginError(f"{source}: no Krita plugin here ({PLUGIN}.desktop and {PLUGIN}/)")
    files = sorted(p.relative_to(source).as_posix() for p in package.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    return [f"{PLUGIN}.desktop", *files]


def build_zip(source: Path = SOURCE_DIR) -> bytes:
    """The plugin zip (deflated, fixed timestamps) of the sources under ``source``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in plugin_files(source):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, (source / name).read_bytes())
    return buf.getvalue()


def plugin_zip() -> bytes:
    """The plugin zip: the one in the package, else made from the source checkout."""
    if BUNDLED_ZIP.is_file():
        return BUNDLED_ZIP.read_bytes()
    if SOURCE_DIR.is_dir():
        return build_zip(SOURCE_DIR)
    raise PluginError(f"the Krita plugin is not installed with GANime (no {BUNDLED_ZIP})")


def krita_resource_dir(platform: str = sys.platform, env: Mapping[str, str] | None = None,
                       home: Path | None = None) -> Path:
    """Krita's resource folder for this user: ``%APPDATA%/krita`` (Windows),
    ``~/Library/Application Support/krita`` (macOS), ``$XDG_DATA_HOME/krita`` or
    ``~/.local/share/krita`` (Linux and others)."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if platform.startswith("win"):
        appdata = env.get("APPDATA")
        return Path(appdata) / "krita" if appdata else home / "AppData" / "Roaming" / "krita"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "krita"
    data = env.get("XDG_DATA_HOME")
    return (Path(data) if data else home / ".local" / "share") / "krita"


def _members(z: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The zip's files, every name checked: the plugin's own, relative, no ``..``."""
    out = []
    for info in z.infolist():
        path = PurePosixPath(info.filename)
        if info.is_dir():
            continue
        if path.is_absolute() or ".." in path.parts or "\\" in info.filename or \
                not (info.filename == f"{PLUGIN}.desktop" or path.parts[0] == PLUGIN):
            raise PluginError(f"the plugin zip holds an unexpected file: {info.filename[:80]!r}")
        out.append(info)
    if not any(i.filename == f"{PLUGIN}.desktop" for i in out):
        raise PluginError(f"the plugin zip has no {PLUGIN}.desktop")
    return out


def install(data: bytes, resource_dir: Path) -> list[Path]:
    """Unpack the plugin zip into ``resource_dir/pykrita/``, replacing an older copy of the
    plugin (and nothing else); the new files are complete before the old ones go. Returns the
    paths written."""
    pykrita = Path(resource_dir) / "pykrita"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = _members(z)
            pykrita.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{PLUGIN}-", dir=pykrita))
            try:
                for info in members:
                    target = staging / info.filename
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(z.read(info))
                old = pykrita / PLUGIN
                if old.exists():
                    shutil.rmtree(old) if old.is_dir() else old.unlink()
                os.replace(staging / PLUGIN, old)
                os.replace(staging / f"{PLUGIN}.desktop", pykrita / f"{PLUGIN}.desktop")
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except zipfile.BadZipFile as exc:
        raise PluginError(f"the plugin zip is damaged ({exc})") from None
    except OSError as exc:
        raise PluginError(f"cannot write the plugin into {pykrita}: {exc.strerror or exc}") from None
    return [pykrita / i.filename for i in members]


def write_zip(data: bytes, where: str | Path) -> Path:
    """``data`` to ``where`` (a file, or a folder, existing or ending in a slash, to put
    ``ganime_krita.zip`` in), atomically."""
    out = Path(where)
    if out.is_dir() or str(where).endswith(("/", os.sep)):
        out = out / ZIP_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def add_parser(sub) -> None:
    k = sub.add_parser("krita-plugin", help="install the Krita plugin, or write it as a zip",
                       description="The GANime docker for Krita, carried inside GANime. --install "
                                   "unpacks it into Krita's resource folder (pykrita/); then "
                                   "restart Krita, tick 'GANime colorize' under Settings > Configure "
                                   "Krita > Python Plugin Manager, and run `ganime serve`. --zip "
                                   "writes it for Tools > Scripts > Import Python Plugin from File.")
    _add_args(k)


def _add_args(k: argparse.ArgumentParser) -> None:
    what = k.add_mutually_exclusive_group(required=True)
    what.add_argument("--install", action="store_true", help="unpack into Krita's resource folder")
    what.add_argument("--zip", metavar="OUT", help="write the plugin zip to OUT (a file or a folder)")
    k.add_argument("--resource-dir", metavar="DIR",
                   help=f"Krita's resource folder (default here: {krita_resource_dir()})")


def run(args: argparse.Namespace) -> int:
    try:
        data = plugin_zip()
        if len(data) > MAX_ZIP_BYTES:
            raise PluginError("the plugin zip is implausibly large")
        if args.zip:
            print(f"wrote {write_zip(data, args.zip)}")
            return 0
        target = Path(args.resource_dir) if args.resource_dir else krita_resource_dir()
        written = install(data, target)
    except PluginError as exc:
        print(f"ganime: error: {exc}", file=sys.stderr)
        return 2
    print(f"installed the GANime Krita plugin ({len(written)} files) into {target / 'pykrita'}")
    print("next: restart Krita, tick 'GANime colorize' in Settings > Configure Krita > Python Plugin "
          "Manager, show Settings > Dockers > GANime, and start the service with `ganime serve`")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python ganime_core/cli/krita_plugin.py --zip OUT``: the same without GANime installed
    (``make krita-plugin``)."""
    p = argparse.ArgumentParser(prog="krita_plugin.py", description="The GANime Krita plugin.")
    _add_args(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
