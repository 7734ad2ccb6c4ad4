"""The one way this project runs LibreOffice: documents → PDF, headless, in a private sandbox.

Facts this module is built on (research notes §6): two LibreOffice processes sharing a profile
make the second exit 1 silently; LibreOffice exits 0 when it could not load a file; it writes
0644 files into ``--outdir``. So every run gets a fresh profile and a private 0700 work folder,
inputs are copied there under neutral names, fonts come from the shipped ``forms/fonts.conf``,
the whole process group is killed on timeout, and each output must exist and start with
``%PDF`` before it is moved (atomically) into ``outdir``.

One LibreOffice process converts a whole batch of the same kind (Writer documents, or Calc
workbooks); a mixed batch makes one process per kind, one after the other.

Writer documents are converted by a small LibreOffice Basic macro (shipped in the private profile,
run with ``macro:///``) instead of ``--convert-to``: LibreOffice puts a gap between Chinese and
Latin letters or digits (its "autospace", on by default) that PDF text extractors read as a space
— "附件 2", "20 万元", so a search for "附件2" fails — and its Word import ignores
``w:autoSpaceDE``/``w:autoSpaceDN`` (writerfilter ``DomainMapper.cxx``: both cases ``break;``).
The macro opens each document, switches ``ParaIsCharacterDistance`` off in the document defaults
and every paragraph style, and exports the PDF with the same filter options; nothing else of the
page changes. The profile is marked as set up (``ooSetupInstCompleted``) so LibreOffice does not
copy its presets over the macro on first start (which also makes the start quicker).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import signal
import subprocess
from pathlib import Path

from lingong_docs.core.errors import RenderError
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.resources import forms_dir
from lingong_docs.util.workdir import private_dir

# Export filter per input kind. LibreOffice embeds (subsets of) every font it uses by default;
# the JSON options (LibreOffice ≥ 7.4) also embed the 14 standard PDF fonts should any be used,
# and leave out tagging, form fields and comments.
_PDF_OPTIONS = ('{"EmbedStandardFonts":{"type":"boolean","value":"true"},'
                '"ExportFormFields":{"type":"boolean","value":"false"},'
                '"ExportNotes":{"type":"boolean","value":"false"},'
                '"UseTaggedPDF":{"type":"boolean","value":"false"}}')
log = logging.getLogger(__name__)
FILTERS = {
    ".docx": "writer_pdf_Export", ".doc": "writer_pdf_Export", ".odt": "writer_pdf_Export",
    ".rtf": "writer_pdf_Export",
    ".xlsx": "calc_pdf_Export", ".xls": "calc_pdf_Export", ".ods": "calc_pdf_Export",
}
_CANDIDATES = (
    "/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)


def find_soffice() -> Path | None:
    """Return the soffice executable: $LINGONG_SOFFICE, then PATH, then usual install places."""
    override = os.environ.get("LINGONG_SOFFICE")
    if override:
        return Path(override) if Path(override).is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in _CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def require_soffice() -> Path:
    """Return the soffice executable or raise ``libreoffice-missing``."""
    exe = find_soffice()
    if exe is None:
        raise RenderError.make("libreoffice-missing")
    return exe


def fonts_conf() -> Path:
    """Return the shipped fontconfig file that maps the 公文 fonts to free CJK fonts."""
    return forms_dir() / "fonts.conf"


WORKDIR_PREFIX = "lingong-lo-"


def private_workdir() -> contextlib.AbstractContextManager[Path]:
    """Return a context giving LibreOffice's fresh 0700 sandbox folder (removed afterwards).

    Folders of killed runs (their owner process gone) are swept first (``util.workdir``).
    """
    return private_dir(WORKDIR_PREFIX)


def soffice_env(private: Path) -> dict:
    """Return the environment LibreOffice runs with: shipped fonts, private HOME and TMPDIR."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAL_", "OOO_", "UNO_"))}
    env.update(FONTCONFIG_FILE=str(fonts_conf()), HOME=str(private), TMPDIR=str(private),
               TMP=str(private), TEMP=str(private))
    env.setdefault("LANG", "C.UTF-8")
    return env


@functools.cache
def soffice_version() -> str:
    """Return LibreOffice's version line (e.g. ``LibreOffice 7.4.7.2 …``) or '' if absent."""
    exe = find_soffice()
    if exe is None:
        return ""
    try:
        with private_workdir() as private:
            out = _run([str(exe), f"-env:UserInstallation={private.joinpath('profile').as_uri()}",
                        "--headless", "--version"], soffice_env(private), timeout=60)
        return out.strip().splitlines()[0] if out.strip() else ""
    except (RuntimeError, OSError):
        return ""


def _run(cmd: list[str], env: dict, timeout: float, cwd: Path | None = None) -> str:
    """Run ``cmd`` in its own process group; kill the group on timeout (raise RuntimeError)."""
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise RuntimeError("timeout") from None
    except BaseException:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return out.decode("utf-8", "replace")


def convert_to_pdf(inputs: list[Path], outdir: Path, timeout: float = 300) -> list[Path]:
    """Return the PDFs of ``inputs`` (``outdir/<stem>.pdf``, same order), converted by LibreOffice.

    Raises ``RenderError``: ``libreoffice-missing``, ``input-missing``, ``conversion-timeout``,
    ``conversion-failed`` (naming the first file whose PDF did not appear or is not a PDF).
    """
    inputs = [Path(p) for p in inputs]
    if not inputs:
        return []
    exe = require_soffice()
    for p in inputs:
        if not p.is_file():
            raise RenderError.make("input-missing", file=p.name)
    stems = [p.stem for p in inputs]
    if len(set(stems)) != len(stems):
        raise ValueError("inputs must have distinct file names")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with private_workdir() as private:     # 0700: the inputs hold personal data
        src_dir, out_dir = private / "in", private / "out"
        src_dir.mkdir()
        out_dir.mkdir()
        # Copies under neutral ASCII names: no odd characters on the command line, no lock
        # files beside the originals, and LibreOffice never sees the operator's folder.
        staged: list[tuple[Path, Path]] = []
        for i, p in enumerate(inputs):
            copy = src_dir / f"doc{i:03d}{p.suffix.lower()}"
            shutil.copyfile(p, copy)
            staged.append((p, copy))
        groups: dict[str, list[Path]] = {}
        for _, copy in staged:
            groups.setdefault(FILTERS.get(copy.suffix, ""), []).append(copy)
        for filter_name, copies in groups.items():
            profile = private / f"profile-{filter_name or 'any'}"
            names = "、".join(p.name for p, c in staged if c in copies)
            if filter_name == WRITER:
                _run_writer_macro(exe, profile, out_dir, copies, private, timeout, names)
                continue
            target = f"pdf:{filter_name}:{_PDF_OPTIONS}" if filter_name else "pdf"
            _run_batch(exe, target, profile, out_dir, copies, private, timeout, names)
        results: list[Path] = []
        for original, copy in staged:
            pdf = out_dir / (copy.stem + ".pdf")
            if not _is_pdf(pdf):
                raise RenderError.make("conversion-failed", file=original.name)
            result = outdir / (original.stem + ".pdf")
            with atomic_path(result, mode=0o600) as tmp:
                shutil.copyfile(pdf, tmp)
            results.append(result)
        return results


def _run_batch(exe: Path, target: str, profile: Path, out_dir: Path, files: list[Path], private: Path,
               timeout: float, names: str) -> None:
    """Convert ``files`` to ``target`` into ``out_dir`` in one LibreOffice run (``names``: the
    originals, for the ``conversion-timeout`` message)."""
    _soffice(exe, profile, ["--convert-to", target, "--outdir", str(out_dir), *[str(f) for f in files]],
             private, timeout, names)


def _soffice(exe: Path, profile: Path, args: list[str], private: Path, timeout: float, names: str,
             env: dict[str, str] | None = None) -> None:
    cmd = [str(exe), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--nolockcheck", "--nodefault", "--nologo", *args]
    try:
        output = _run(cmd, {**soffice_env(private), **(env or {})}, timeout, cwd=private)
        log.debug("soffice: %s", output.strip()[-400:])
    except RuntimeError:
        raise RenderError.make("conversion-timeout", seconds=int(timeout), files=names) from None


WRITER = "writer_pdf_Export"
_SETUP_DONE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Office"><prop oor:name="ooSetupInstCompleted" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""
_LIBRARIES = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Lingong" library:link="false"/>
</library:libraries>
"""
_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Lingong"
 library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Export"/>
</library:library>
"""
# Lingong.Export.Convert(): the file named by $LINGONG_WRITER_LIST (a URL) holds pairs of lines, a
# document's URL and its PDF's URL. A document that cannot be loaded or exported is skipped (its PDF is then found missing);
# LibreOffice quits at the end whatever happened.
_MACRO = """Sub Convert()
  On Error Goto Done
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = "Hidden" : load(0).Value = True
  Dim fd(3) As New com.sun.star.beans.PropertyValue
  fd(0).Name = "EmbedStandardFonts" : fd(0).Value = True
  fd(1).Name = "ExportFormFields" : fd(1).Value = False
  fd(2).Name = "ExportNotes" : fd(2).Value = False
  fd(3).Name = "UseTaggedPDF" : fd(3).Value = False
  Dim ex(1) As New com.sun.star.beans.PropertyValue
  ex(0).Name = "FilterName" : ex(0).Value = "writer_pdf_Export"
  ex(1).Name = "FilterData" : ex(1).Value = fd()
  Dim f As Integer, src As String, dst As String
  f = FreeFile
  Open ConvertFromURL(Environ("LINGONG_WRITER_LIST")) For Input As #f
  Do While Not EOF(f)
    Line Input #f, src
    Line Input #f, dst
    ExportOne(src, dst, load(), ex())
  Loop
  Close #f
Done:
  StarDesktop.terminate()
End Sub

Sub ExportOne(src As String, dst As String, load, ex)
  On Error Goto Skip
  Dim doc As Object, styles As Object, i As Integer
  doc = StarDesktop.loadComponentFromURL(src, "_blank", 0, load)
  If IsNull(doc) Then Exit Sub
  doc.createInstance("com.sun.star.text.Defaults").ParaIsCharacterDistance = False
  styles = doc.StyleFamilies.getByName("ParagraphStyles")
  For i = 0 To styles.Count - 1
    styles.getByIndex(i).ParaIsCharacterDistance = False
  Next i
  doc.storeToURL(dst, ex)
Skip:
  If Not IsNull(doc) Then doc.close(True)
End Sub
"""


def _writer_profile(profile: Path) -> None:
    """Write a LibreOffice profile that counts as set up and holds the ``Lingong`` Basic library."""
    from xml.sax.saxutils import escape

    library = profile / "user" / "basic" / "Lingong"
    library.mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_SETUP_DONE, encoding="utf-8")
    (profile / "user" / "basic" / "script.xlc").write_text(_LIBRARIES, encoding="utf-8")
    (library / "script.xlb").write_text(_LIBRARY, encoding="utf-8")
    (library / "Export.xba").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD '
        'OfficeDocument 1.0//EN" "module.dtd">\n<script:module xmlns:script="http://openoffice.org/2000/script" '
        f'script:name="Export" script:language="StarBasic">{escape(_MACRO)}</script:module>\n', encoding="utf-8")


def _run_writer_macro(exe: Path, profile: Path, out_dir: Path, copies: list[Path], private: Path,
                      timeout: float, names: str) -> None:
    """Convert the Writer documents ``copies`` to ``out_dir/<stem>.pdf`` with autospace off, in
    one LibreOffice run of the ``Lingong`` macro. The list reaches the macro through the
    environment, not in the ``macro:///`` URL (which LibreOffice decodes before it splits off
    the arguments: a quote in a temporary folder's name would end one)."""
    _writer_profile(profile)
    listing = private / "writer-list.txt"
    listing.write_text("".join(f"{c.resolve().as_uri()}\n{(out_dir / (c.stem + '.pdf')).resolve().as_uri()}\n"
                               for c in copies), encoding="ascii")
    _soffice(exe, profile, ["macro:///Lingong.Export.Convert()"], private, timeout, names,
             env={"LINGONG_WRITER_LIST": listing.resolve().as_uri()})


def _is_pdf(path: Path) -> bool:
    """Return True when ``path`` exists, starts with ``%PDF-`` and carries an end-of-file mark."""
    try:
        with open(path, "rb") as f:
            head = f.read(5)
            f.seek(max(0, path.stat().st_size - 1024))
            tail = f.read()
    except OSError:
        return False
    return head == b"%PDF-" and b"%%EOF" in tail
