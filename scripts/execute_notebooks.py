"""Execute notebooks top to bottom through the project's Jupyter kernel.

Writes executed copies (signed, so the classic Notebook trusts their HTML
output) and HTML exports to the output folder, atomically. On a failing cell it
prints the notebook, the cell, its source and the real error (class, message,
stack from the error output; text the cell wrote to stderr is added, since
stock tslab put its errors only there).

A cell that stops making progress fails instead of waiting out --timeout: when
a cell has sent nothing (no output, no display update, no reply) for
--stall-timeout seconds (default: $GDL_STALL_TIMEOUT, else 180 under QUICK=1 and
600 otherwise; 0 turns it off), the runner says so -- notebook, cell, its first
line, how long it has been silent, and whether the kernel process is alive, idle
or busy -- stops the kernel and goes on with the next notebook. The same limit bounds the wait
for the kernel's answer to kernel_info before the first cell. A kernel that
dies fails its cell at once (nbclient polls the process every second), with its
exit code or signal.

Usage: python3 execute_notebooks.py --out DIR [--timeout S] [--stall-timeout S] [--kernel NAME] NB...
"""
import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Work a cell starts and does not await (a timer, an un-awaited train(...)) can fail after the
# cell has finished. The project kernel charges such an error to that cell ("work started by
# cell [n]") and fails the next execute_request with it. This last cell, run only by the runner,
# waits for the work cells left behind, so a failure after the last cell is caught too.
SETTLE_CELL = ('const gdlKernel = (globalThis as any)[Symbol.for("gdl.kernel")];\n'
               'const gdlSettled = await gdlKernel?.settle({ms});')
STARTED_BY = re.compile(r"work started by cell \[(\d+)\]")

STALL_ENV = "GDL_STALL_TIMEOUT"
SETTLE_GRACE = 30  # the settle cell may wait its own limit silently, plus this


def is_quick():
    """QUICK as lib/settings.ts reads it."""
    v = os.environ.get("QUICK")
    return v is not None and v != "" and v != "0" and v.lower() != "false"


def default_stall_timeout():
    """$GDL_STALL_TIMEOUT, else 180 s in quick mode (its longest cell takes ~15 s on a loaded
    2-core machine), else 600 s (full-mode training prints progress; other cells stay well
    below). Anything that is not a number >= 0 is an error naming the variable."""
    raw = os.environ.get(STALL_ENV, "").strip()
    if not raw:
        return 180.0 if is_quick() else 600.0
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value < 0:
        sys.exit(f"{STALL_ENV}={raw} is not a number of seconds >= 0 (0 turns the stall check off; unset it for the default).")
    return value


class CellStalled(Exception):
    """A cell sent nothing for longer than the stall limit; the runner stopped its kernel."""

    def __init__(self, cell_index, silent, limit, running, kernel):
        super().__init__(f"no message from the kernel for {silent:.0f} s")
        self.cell_index, self.silent, self.limit, self.running, self.kernel = cell_index, silent, limit, running, kernel


class KernelSilent(Exception):
    """The kernel did not answer nbclient's kernel_info request (sent before the first cell) in time."""

    def __init__(self, limit):
        super().__init__(f"the kernel started but did not answer kernel_info within {limit:g} s, before the first cell")
        self.limit = limit


def cpu_seconds(pid):
    """CPU time (user + system) a process has used, from /proc; None where that is not available."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def exit_description(code):
    """'exit code 3', 'killed by signal SIGKILL', or 'exit status unknown', with the usual causes."""
    if code is None:
        return "exit status unknown"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        why = {"SIGKILL": "usually the system's out-of-memory killer (see `dmesg`), or a kill from outside",
               "SIGABRT": "Node aborted: often JavaScript heap out of memory (raise it with NODE_OPTIONS=--max-old-space-size=MB)",
               "SIGSEGV": "a crash in native code (tfjs-node, a native addon)"}.get(name)
        return f"killed by signal {name}" + (f": {why}" if why else "")
    return f"exit code {code}: process.exit({code}) in the cell or a library, or a fatal error Node printed"


class WatchedClient(NotebookClient):
    """NotebookClient that fails a cell that stops making progress, and says how a dead kernel ended.

    Progress is any message of the running cell on IOPub (output, display update, status) and its
    reply. After `stall_timeout` seconds without one, the kernel process is inspected (alive? CPU
    used while silent? heartbeat?), killed, and the cell fails with CellStalled.
    """

    def __init__(self, nb, stall_timeout=0.0, settle_index=None, **kw):
        super().__init__(nb, **kw)
        self.stall_timeout = stall_timeout
        self.settle_index = settle_index  # the runner's own settle cell waits silently by design
        self.settle_limit = 0.0
        self.running = None  # (cell index, start time) of the cell being executed
        self.last_activity = time.monotonic()
        self.stalled = None  # CellStalled, once the watchdog fired
        self.kernel_exit = None  # exit description, once the kernel died
        self.died_at = None  # index of the cell that ran when the kernel died
        self.cpu_samples = []  # (monotonic time, CPU seconds of the kernel) while a cell runs

    def process_message(self, msg, cell, cell_index):
        self.last_activity = time.monotonic()
        return super().process_message(msg, cell, cell_index)

    def kernel_process(self):
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(provisioner, "process", None)

    async def async_execute(self, **kwargs):
        watchdog = asyncio.ensure_future(self._watch())
        try:
            return await super().async_execute(**kwargs)
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watchdog

    execute = run_sync(async_execute)

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        self.running = (cell_index, time.monotonic())
        self.last_activity = time.monotonic()
        self.cpu_samples = []
        try:
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        except DeadKernelError:
            if self.stalled is not None:
                raise self.stalled from None
            process = self.kernel_process()
            self.kernel_exit = exit_description(process.poll() if process is not None else None)
            self.died_at = cell_index
            raise
        finally:
            self.running = None

    async def async_wait_for_reply(self, msg_id, cell=None):
        # Before the first cell nbclient asks for kernel_info and waits --timeout (30 min) for the
        # reply, outside any cell the watchdog sees: bound that wait by the stall limit too.
        if cell is not None or not self.stall_timeout:
            return await super().async_wait_for_reply(msg_id, cell)
        try:
            return await asyncio.wait_for(super().async_wait_for_reply(msg_id, cell), self.stall_timeout)
        except asyncio.TimeoutError:
            raise KernelSilent(self.stall_timeout) from None

    def limit_for(self, cell_index):
        if cell_index == self.settle_index:
            return max(self.stall_timeout, self.settle_limit + SETTLE_GRACE)
        return self.stall_timeout

    async def _watch(self):
        while True:
            await asyncio.sleep(0.25)
            if self.running is None or self.stalled is not None or not self.stall_timeout:
                continue
            index, started = self.running
            now = time.monotonic()
            process = self.kernel_process()
            pid = getattr(process, "pid", None)
            cpu = cpu_seconds(pid) if pid else None
            if cpu is not None:
                self.cpu_samples.append((now, cpu))
                self.cpu_samples = [s for s in self.cpu_samples if now - s[0] <= self.limit_for(index) + 5]
            silent = now - self.last_activity
            if silent < self.limit_for(index):
                continue
            alive = process is not None and process.poll() is None
            kernel = {"pid": pid, "alive": alive, "exit": None if alive else exit_description(process.poll() if process else None)}
            since = [c for t, c in self.cpu_samples if t >= self.last_activity]
            if cpu is not None and since:
                kernel["cpu"] = cpu - since[0]
                kernel["cpu_window"] = now - next(t for t, _ in self.cpu_samples if t >= self.last_activity)
            hb = getattr(self.kc, "hb_channel", None)
            with contextlib.suppress(Exception):
                kernel["heartbeat"] = bool(hb.is_beating()) if hb is not None and hb.is_alive() else None
            self.stalled = CellStalled(index, silent, self.limit_for(index), now - started, kernel)
            if alive:
                # Stop it: nbclient sees the kernel die within a second and ends the cell.
                with contextlib.suppress(Exception):
                    await ensure_async(self.km.signal_kernel(signal.SIGKILL))


def stall_report(nb, stalled, path):
    """The lines that say a cell stalled: which, how long, what the kernel was doing, the fix."""
    k = stalled.kernel
    pid = f" (pid {k['pid']})" if k.get("pid") else ""
    if not k.get("alive"):
        state = f"the kernel process{pid} is not alive ({k.get('exit')})."
    else:
        cpu, window, beat = k.get("cpu"), k.get("cpu_window"), k.get("heartbeat")
        used = f"{cpu:.1f} s of CPU in the last {window:.0f} s" if cpu is not None and window else "CPU use unknown"
        if beat is False:
            state = (f"the kernel process{pid} was alive and busy ({used}), its event loop blocked: it did not answer heartbeats. "
                     "The cell computes without showing anything: a long synchronous loop, or more work than it should be.")
        elif cpu is not None and window and cpu > 0.25 * window:
            state = (f"the kernel process{pid} was alive and busy ({used}). "
                     "The cell computes without showing anything: a long loop, or more work than it should be.")
        elif cpu is not None and window:
            beat_text = ", answering heartbeats" if beat else ""
            state = (f"the kernel process{pid} was alive and idle ({used}{beat_text}). "
                     "The cell waits for something that never happens: a promise that never settles, an event that never comes.")
        else:
            state = f"the kernel process{pid} was alive{' and answered heartbeats' if beat else ''}."
    return [
        f"  {describe(nb, stalled.cell_index)}",
        f"  stalled: no output and no reply from this cell for {stalled.silent:.0f} s"
        + (f" (it ran {stalled.running:.0f} s in all)" if stalled.running - stalled.silent >= 1 else "") + f"; the limit is {stalled.limit:g} s",
        f"  {state}",
        "  The runner stopped the kernel. Fix the cell; if it is just slow and quiet, print progress from it, or raise the limit:",
        f"  {STALL_ENV}=SECONDS (or --stall-timeout SECONDS; 0 turns the check off).",
    ]


def atomic_write(path, text):
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def failing_cell(nb):
    """Index of the first code cell with an error output, else the last executed one."""
    last = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i
        if cell.get("metadata", {}).get("execution", {}).get("iopub.status.busy"):
            last = i
    return last


def real_error(cell):
    """The error text of a cell: traceback from the error output, plus stderr."""
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            tb = "\n".join(ANSI.sub("", line) for line in o.get("traceback", []))
            head = f"{o.get('ename', '')}: {o.get('evalue', '')}".strip()
            if tb.strip():
                parts.append(tb if head.strip(": ") in tb else head + "\n" + tb)
            elif head.strip(": "):
                parts.append(head)
    stderr = "".join(o.get("text", "") for o in cell.get("outputs", [])
                     if o.get("output_type") == "stream" and o.get("name") == "stderr")
    stderr = ANSI.sub("", stderr).strip()
    if stderr and not any(stderr in p for p in parts):
        parts.append(stderr)
    return "\n".join(parts).strip() or "(the kernel sent no error text)"


def add_settle_cell(nb, kernel, timeout):
    """Append SETTLE_CELL when `kernel` runs TypeScript (the project kernel); True if added."""
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        if KernelSpecManager().get_kernel_spec(kernel).language != "typescript":
            return False
    except Exception:
        return False
    nb.cells.append(nbformat.v4.new_code_cell(SETTLE_CELL.format(ms=int(settle_seconds(timeout) * 1000))))
    return True


def settle_seconds(timeout):
    """How long the settle cell waits for work the cells left running."""
    return min(60, timeout / 2)


def background_origin(nb, failed):
    """Index of the cell whose work failed later, as the error outputs of cell `failed` name it."""
    text = "\n".join("\n".join(o.get("traceback", [])) for o in failed.get("outputs", []) if o.get("output_type") == "error")
    m = STARTED_BY.search(ANSI.sub("", text))
    if not m:
        return None
    count = int(m.group(1))
    idx = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count") == count), None)
    if idx is not None and failed is not nb.cells[idx] and not any(o.get("output_type") == "error" for o in nb.cells[idx].get("outputs", [])):
        # The executed copy shows the error under the cell that started the work, as JupyterLab does.
        err = next(o for o in failed.outputs if o.get("output_type") == "error")
        nb.cells[idx].outputs.append(nbformat.v4.new_output("error", ename=err.ename, evalue=err.evalue, traceback=err.traceback[1:]))
    return idx


def describe(nb, idx):
    cell = nb.cells[idx]
    code_no = sum(1 for c in nb.cells[: idx + 1] if c.cell_type == "code")
    src = "\n".join(f"  {n + 1:3d} | {line}" for n, line in enumerate(cell.source.splitlines()))
    return f"cell {idx + 1} (code cell {code_no}):\n{src}"


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# nbconvert's HTML template configures MathJax 2 (MathJax.Hub.Config), so the project pins the
# `mathjax` 2.7.x npm package; its MathJax.js (not latest.js, which goes to a CDN) and a config.
MATHJAX = os.path.join(ROOT, "node_modules", "mathjax", "MathJax.js")
MATHJAX_CONFIG = "?config=TeX-AMS_CHTML-full,Safe"
_mathjax_warned = []


def mathjax_url(out_dir):
    """MathJax for an HTML export in out_dir: the project's copy, as a path relative to the HTML file,
    so formulas render offline when the file is opened from the checkout. None (nbconvert's CDN
    default) when node_modules/mathjax is missing, with a warning once."""
    if os.path.exists(MATHJAX):
        rel = os.path.relpath(MATHJAX, os.path.abspath(out_dir)).replace(os.sep, "/")
        return rel + MATHJAX_CONFIG
    if not _mathjax_warned:
        _mathjax_warned.append(True)
        print(f"warning: {MATHJAX} is missing (`npm ci` installs it): the exported HTML loads MathJax from a CDN, "
              "so formulas show as TeX when offline", file=sys.stderr)
    return None


def export(nb, out_dir, name):
    from nbconvert import HTMLExporter
    from nbformat.sign import NotebookNotary

    NotebookNotary().sign(nb)
    atomic_write(os.path.join(out_dir, name + ".ipynb"), nbformat.writes(nb))
    url = mathjax_url(out_dir)
    html, _ = (HTMLExporter(mathjax_url=url) if url else HTMLExporter()).from_notebook_node(nb)
    atomic_write(os.path.join(out_dir, name + ".html"), html)


def export_or_warn(nb, out_dir, name):
    """export(), but a failing export is a warning: the run's result matters more."""
    try:
        export(nb, out_dir, name)
    except Exception as e:
        print(f"warning: could not export {name}: {e}", file=sys.stderr)


def load(path):
    """(notebook, None), or (None, one line saying why the file is not a notebook)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        return None, f"cannot read it ({e})"
    try:
        json.loads(text)
    except ValueError as e:
        return None, f"not valid JSON ({e})"
    try:
        return nbformat.reads(text, as_version=4), None
    except Exception as e:  # nbformat raises several kinds for JSON that is not a notebook
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return None, f"valid JSON but not a Jupyter notebook ({reason})"


def run(path, out_dir, timeout, kernel, stall_timeout):
    nb, why = load(path)
    if nb is None:
        print(f"FAIL  {path}: {why}", file=sys.stderr, flush=True)
        return False
    name = os.path.splitext(os.path.basename(path))[0]
    client = WatchedClient(nb, stall_timeout=stall_timeout, kernel_name=kernel, timeout=timeout,
                           resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    settle = add_settle_cell(nb, kernel, timeout)
    if settle:
        client.settle_index, client.settle_limit = len(nb.cells) - 1, settle_seconds(timeout)
    t0 = time.time()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError, CellStalled, KernelSilent) as e:
        error = e
    dt = time.time() - t0
    if isinstance(error, KernelSilent):
        print(f"FAIL  {path}  ({dt:.1f} s)\n  {error}; the runner stopped it. No cell ran.\n"
              f"  Run the notebook again; if it repeats, start the kernel by hand (npm start) and look at its log.\n"
              f"  {STALL_ENV}=SECONDS (or --stall-timeout SECONDS) sets the limit; 0 turns the check off.", file=sys.stderr, flush=True)
        return False
    if isinstance(error, CellStalled):
        if settle:
            nb.cells.pop()
        export_or_warn(nb, out_dir, name)
        if error.cell_index >= len(nb.cells):
            lines = ["  after the last cell, while the runner waited for the work the cells left running:",
                     f"  stalled: no answer for {error.silent:.0f} s (the limit is {error.limit:g} s); the runner stopped the kernel."]
        else:
            lines = stall_report(nb, error, path)
        print(f"FAIL  {path}  ({dt:.1f} s)", file=sys.stderr)
        print("\n".join(lines), file=sys.stderr)
        print(f"  executed copy: {os.path.join(out_dir, name + '.ipynb')}", file=sys.stderr, flush=True)
        return False
    settle_cell = nb.cells.pop() if settle else None
    has_error = lambda c: any(o.get("output_type") == "error" for o in c.get("outputs", []))  # noqa: E731
    after_last = settle_cell is not None and has_error(settle_cell) and not any(has_error(c) for c in nb.cells)
    idx = failing_cell(nb) if error is not None and not after_last else None
    failed = nb.cells[idx] if idx is not None else settle_cell
    if isinstance(error, DeadKernelError) and client.died_at is not None:  # the cell that ran when it died
        idx = client.died_at if client.died_at < len(nb.cells) else None
        failed = nb.cells[idx] if idx is not None else settle_cell
    origin = background_origin(nb, failed) if error is not None and failed is not None else None
    export_or_warn(nb, out_dir, name)  # after background_origin(), which copies the error under its cell
    if error is None:
        print(f"ok    {path}  ({dt:.1f} s)", flush=True)
        return True
    print(f"FAIL  {path}  ({dt:.1f} s)", file=sys.stderr)
    if origin is not None:
        print(f"  work started by {describe(nb, origin)}\n  failed after that cell had finished (a timer or callback, or a promise nothing awaited).", file=sys.stderr)
    if idx is not None:
        print(f"  {'reported by ' if origin is not None and origin != idx else ''}{describe(nb, idx)}", file=sys.stderr)
    elif failed is not None:
        print("  after the last cell, while the runner waited for the work the cells left running", file=sys.stderr)
    if failed is not None:
        if isinstance(error, CellTimeoutError):
            print(f"  timed out after {timeout} s", file=sys.stderr)
        elif isinstance(error, DeadKernelError):
            print(f"  the kernel died while {'this cell ran' if idx is not None else 'the runner waited for work the cells left running'}: "
                  f"its process ended ({client.kernel_exit or 'exit status unknown'}); anything it wrote to stderr while dying is printed above", file=sys.stderr)
            if not any(o.get("output_type") == "error" or o.get("name") == "stderr" for o in failed.get("outputs", [])):
                last = "".join(o.get("text", "") for o in failed.get("outputs", []) if o.get("output_type") == "stream").strip().splitlines()[-5:]
                print("  no error message; " + ("the cell's last output:\n" + "\n".join("    " + line for line in last) if last else "the cell showed no output"), file=sys.stderr)
                print(f"  executed copy: {os.path.join(out_dir, name + '.ipynb')}", file=sys.stderr, flush=True)
                return False
        text = real_error(failed)
        if failed is settle_cell:  # its "while cell [n] ran" names the runner's own cell
            text = "\n".join(text.splitlines()[1:])
        print("  error:\n" + "\n".join("    " + line for line in text.splitlines()), file=sys.stderr)
    else:
        print(f"  {type(error).__name__}: {error}", file=sys.stderr)
    print(f"  executed copy: {os.path.join(out_dir, name + '.ipynb')}", file=sys.stderr, flush=True)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--stall-timeout", type=float, default=None,
                    help=f"fail a cell that sends nothing for this many seconds (default: ${STALL_ENV}, else 180 quick / 600 full; 0: off)")
    ap.add_argument("--kernel", default="tslab-workbook")
    ap.add_argument("notebooks", nargs="+")
    a = ap.parse_args()
    stall = a.stall_timeout if a.stall_timeout is not None else default_stall_timeout()
    if stall < 0:
        ap.error("--stall-timeout must be >= 0 (0 turns the stall check off)")
    failed = [p for p in a.notebooks if not run(p, a.out, a.timeout, a.kernel, stall)]
    if failed:
        print(f"{len(failed)} of {len(a.notebooks)} notebooks failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
