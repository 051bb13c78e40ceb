"""Execute notebooks top to bottom through the project's Jupyter kernel.

Writes executed copies (signed, so the classic Notebook trusts their HTML
output) and HTML exports to the output folder, atomically. On a failing cell it
prints the notebook, the cell, its source and the real error (class, message,
stack from the error output; text the cell wrote to stderr is added, since
stock tslab put its errors only there).

Usage: python3 execute_notebooks.py --out DIR [--timeout S] [--kernel NAME] NB...
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Work a cell starts and does not await (a timer, an un-awaited train(...)) can fail after the
# cell has finished. The project kernel charges such an error to that cell ("work started by
# cell [n]") and fails the next execute_request with it. This last cell, run only by the runner,
# waits for the work cells left behind, so a failure after the last cell is caught too.
SETTLE_CELL = ('const gdlKernel = (globalThis as any)[Symbol.for("gdl.kernel")];\n'
               'const gdlSettled = await gdlKernel?.settle({ms});')
STARTED_BY = re.compile(r"work started by cell \[(\d+)\]")


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
    nb.cells.append(nbformat.v4.new_code_cell(SETTLE_CELL.format(ms=int(min(60, timeout / 2) * 1000))))
    return True


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


def export(nb, out_dir, name):
    from nbconvert import HTMLExporter
    from nbformat.sign import NotebookNotary

    NotebookNotary().sign(nb)
    atomic_write(os.path.join(out_dir, name + ".ipynb"), nbformat.writes(nb))
    html, _ = HTMLExporter().from_notebook_node(nb)
    atomic_write(os.path.join(out_dir, name + ".html"), html)


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


def run(path, out_dir, timeout, kernel):
    nb, why = load(path)
    if nb is None:
        print(f"FAIL  {path}: {why}", file=sys.stderr, flush=True)
        return False
    name = os.path.splitext(os.path.basename(path))[0]
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    settle = add_settle_cell(nb, kernel, timeout)
    t0 = time.time()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        error = e
    dt = time.time() - t0
    settle_cell = nb.cells.pop() if settle else None
    has_error = lambda c: any(o.get("output_type") == "error" for o in c.get("outputs", []))  # noqa: E731
    after_last = settle_cell is not None and has_error(settle_cell) and not any(has_error(c) for c in nb.cells)
    idx = failing_cell(nb) if error is not None and not after_last else None
    failed = nb.cells[idx] if idx is not None else settle_cell
    origin = background_origin(nb, failed) if error is not None and failed is not None else None
    try:
        export(nb, out_dir, name)
    except Exception as e:  # the run result matters more than the export
        print(f"warning: could not export {name}: {e}", file=sys.stderr)
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
            print(f"  the kernel died: {error}", file=sys.stderr)
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
    ap.add_argument("--kernel", default="tslab-workbook")
    ap.add_argument("notebooks", nargs="+")
    a = ap.parse_args()
    failed = [p for p in a.notebooks if not run(p, a.out, a.timeout, a.kernel)]
    if failed:
        print(f"{len(failed)} of {len(a.notebooks)} notebooks failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
