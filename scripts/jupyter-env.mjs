// Finds a Python that has Jupyter, and the environment that exposes the
// project's kernelspec (jupyter/kernels/tslab-workbook) without installing it
// anywhere outside the project.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const KERNEL_NAME = "tslab-workbook";

export const INSTALL_HINT = [
  "Jupyter (Python) is needed to run the notebooks. Install it with one of:",
  "  Debian/Ubuntu: sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client",
  "  pip:           python3 -m pip install jupyterlab nbclient nbconvert",
  "  conda:         conda install -c conda-forge jupyterlab nbclient nbconvert",
  "If it lives in a Python that is not first on PATH, set GDL_PYTHON=/path/to/python3.",
].join("\n");

/** Python candidates: GDL_PYTHON, Debian's /usr/bin/python3, then whatever python3 is on PATH. */
function candidates() {
  return [process.env.GDL_PYTHON, "/usr/bin/python3", "python3", "python"].filter(Boolean);
}

/** First Python that can import every module in `modules`, or null. */
export function findPython(modules) {
  const probe = modules.map((m) => `import ${m}`).join("; ");
  for (const py of candidates()) {
    const r = spawnSync(py, ["-c", probe], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return null;
}

/** Process env with the project's kernelspec folder first on JUPYTER_PATH. */
export function jupyterEnv(extra = {}) {
  const jp = [path.join(root, "jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  return { ...process.env, JUPYTER_PATH: jp, PYDEVD_DISABLE_FILE_VALIDATION: "1", ...extra };
}
