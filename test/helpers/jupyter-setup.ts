// vitest globalSetup: before any test file runs, make sure a Jupyter is there (GDL_PYTHON,
// the project's .venv, or a JupyterLab 4 on PATH; else install jupyter/requirements.txt into
// .venv once). Done here, once, so parallel test files do not each wait for pip. A failure is
// printed and left to the tests that need Jupyter (they fail with the same message); the
// others still run.
import { jupyterPython } from "../../scripts/jupyter-env.mjs";

export default async function setup(): Promise<void> {
  try {
    const py = await jupyterPython(undefined, { log: (s) => console.log(`[jupyter] ${s}`) });
    process.env.GDL_JUPYTER_PYTHON = py;
  } catch (e) {
    console.error(`[jupyter] ${(e as Error).message}`);
  }
}
