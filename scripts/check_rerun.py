"""Re-run check: execute a notebook with every code cell run twice in a row and
report cells whose second run leaves more live tfjs tensors than the first
(a notebook cell must be re-runnable without leaking tensor memory).

Usage: JUPYTER_PATH=$PWD/jupyter QUICK=1 /usr/bin/python3 scripts/check_rerun.py notebooks/NN.ipynb ...
Exit status 1 if any cell leaks or fails.
"""
import os
import re
import sys

import nbformat
from nbclient import NotebookClient

PROBE = 'import * as probeTf from "@tensorflow/tfjs";\nconsole.log(`__probe {idx} {tag} ${{probeTf.memory().numTensors}}`);'


def check(path):
    nb = nbformat.read(path, as_version=4)
    cells, origin = [], []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        first = len(cells) == 0  # the setup cell (backend init) runs once
        reps = 1 if first else 2
        for r in range(reps):
            cells.append(nbformat.v4.new_code_cell(c.source))
            cells.append(nbformat.v4.new_code_cell(PROBE.format(idx=i, tag="ab"[r])))
    run = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    client = NotebookClient(run, timeout=900, allow_errors=True, kernel_name="tslab-workbook",
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    client.execute()
    counts, errors = {}, []
    for c in run.cells:
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream":
                for m in re.finditer(r"__probe (\d+) ([ab]) (\d+)", o.get("text", "")):
                    counts.setdefault(int(m.group(1)), {})[m.group(2)] = int(m.group(3))
            if o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr"):
                errors.append(c.source.splitlines()[0] + ": " + (o.get("text") or o.get("evalue") or "")[:300])
    leaks = {i: v for i, v in counts.items() if "b" in v and v["b"] > v["a"]}
    print(f"{path}: {len(counts)} code cells probed; live tensors at the end {max((v.get('b', v.get('a')) for v in counts.values()), default=0)}")
    for i, v in sorted(leaks.items()):
        print(f"  LEAK cell {i}: {v['a']} tensors after the first run, {v['b']} after the second")
        print("    " + nb.cells[i].source.splitlines()[0])
    for e in errors:
        print("  ERROR", e)
    return not leaks and not errors


if __name__ == "__main__":
    ok = all([check(p) for p in sys.argv[1:]])
    sys.exit(0 if ok else 1)
