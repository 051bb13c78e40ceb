// Finds (or provisions) the Python that runs Jupyter for this project, and the
// environment that exposes the project's kernelspec (jupyter/kernels/tslab-workbook)
// without installing it anywhere outside the project.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureVenv, isInstalled, venvPython } from "./python-env.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const KERNEL_NAME = "tslab-workbook";
/** The one place where the Jupyter versions are pinned. */
export const REQUIREMENTS = path.join(root, "jupyter", "requirements.txt");
/** What the notebook runner (scripts/execute_notebooks.py) imports. */
export const RUNNER_MODULES = ["nbclient", "nbconvert", "nbformat"];

export const INSTALL_HINT = [
  "`npm start` and `npm test` install Jupyter into the project's .venv/ by themselves (Python >= 3.10 with venv needed).",
  "To use a Jupyter you already have instead, point GDL_PYTHON at its Python, e.g.:",
  "  Debian/Ubuntu: sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient; GDL_PYTHON=/usr/bin/python3",
  "  conda:         conda install -c conda-forge jupyterlab nbclient nbconvert; GDL_PYTHON=$CONDA_PREFIX/bin/python",
].join("\n");

/** True when `py` runs and imports every module in `modules`. */
export function canImport(py, modules) {
  const probe = modules.length ? modules.map((m) => `import ${m}`).join("; ") : "pass";
  return spawnSync(py, ["-c", probe], { stdio: "ignore" }).status === 0;
}

function hasJupyterLab4(py) {
  const probe = "import sys, jupyterlab; sys.exit(int(jupyterlab.__version__.split('.')[0]) < 4)";
  return spawnSync(py, ["-c", probe], { stdio: "ignore" }).status === 0;
}

/**
 * The Python that runs Jupyter here, without installing anything; null when none qualifies.
 *  1. GDL_PYTHON when set (Debian's packages, conda, your own JupyterLab): the only one tried.
 *  2. The project's .venv, once it has been filled from jupyter/requirements.txt.
 *  3. A `python3` on PATH that has JupyterLab >= 4 and `modules`.
 */
export function findJupyterPython(modules = RUNNER_MODULES) {
  if (process.env.GDL_PYTHON) {
    const py = process.env.GDL_PYTHON;
    return canImport(py, modules) ? { python: py, source: "GDL_PYTHON" } : null;
  }
  if (isInstalled(REQUIREMENTS) && canImport(venvPython, modules)) return { python: venvPython, source: "project .venv" };
  for (const py of ["python3", "python"]) {
    if (hasJupyterLab4(py) && canImport(py, modules)) return { python: py, source: "PATH" };
  }
  return null;
}

/**
 * As findJupyterPython, but when nothing qualifies (and GDL_PYTHON is unset) creates the
 * project's .venv and installs jupyter/requirements.txt into it (once, ~25 s, pip's progress
 * shown). Throws an Error that says what is missing and how to fix it.
 */
export async function jupyterPython(modules = RUNNER_MODULES, { log = (s) => console.error(s) } = {}) {
  const found = findJupyterPython(modules);
  if (found) return found.python;
  if (process.env.GDL_PYTHON) {
    const py = process.env.GDL_PYTHON;
    const missing = modules.filter((m) => !canImport(py, [m]));
    const why = fs.existsSync(py) || spawnSync(py, ["-c", "pass"]).status === 0 ? `cannot import ${missing.join(", ")}` : "does not run";
    throw new Error(`GDL_PYTHON=${py} ${why}. Install them into that Python, or unset GDL_PYTHON so the project installs its own Jupyter into .venv/.\n${INSTALL_HINT}`);
  }
  log("No JupyterLab 4 found (GDL_PYTHON unset, no project .venv yet): installing the project's own from jupyter/requirements.txt.");
  const py = await ensureVenv([REQUIREMENTS], { log });
  if (!canImport(py, modules)) throw new Error(`${py} was filled from ${REQUIREMENTS} but cannot import ${modules.join(", ")}: add them to that file.`);
  return py;
}

/**
 * Process env with the project's kernelspec folder first on JUPYTER_PATH, and its
 * config folder on JUPYTER_CONFIG_PATH (jupyter/config/labconfig/page_config.json turns
 * off JupyterLab's debugger UI: the kernel has no debugger, and JupyterLab 4.6 logs
 * "No active debugger session" after every execution for kernels without one).
 */
export function jupyterEnv(extra = {}) {
  const paths = (dir, v) => [path.join(root, "jupyter", dir), v].filter(Boolean).join(path.delimiter);
  return {
    ...process.env,
    JUPYTER_PATH: paths("", process.env.JUPYTER_PATH),
    JUPYTER_CONFIG_PATH: paths("config", process.env.JUPYTER_CONFIG_PATH),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    ...extra,
  };
}
