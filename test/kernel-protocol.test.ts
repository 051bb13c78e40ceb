import { describe, it, expect } from "vitest";
import { spawnSync } from "child_process";
import { run, writeNotebook } from "./helpers/run";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The project kernel speaks the Jupyter protocol properly (jupyter/tslab-patches.js).
// The checks live in test/kernel_conformance.py (jupyter_kernel_test + jupyter_client
// + nbclient, i.e. the same clients JupyterLab/nbconvert use); this file runs them.
const root = path.resolve(__dirname, "..");
const script = path.join(root, "test", "kernel_conformance.py");
const INSTALL_HINT = [
  "The kernel protocol tests need Python with jupyter_client, jupyter_kernel_test and nbclient.",
  "  Debian/Ubuntu: sudo apt-get install python3-jupyter-kernel-test jupyter-client python3-nbclient",
  "  pip:           python3 -m pip install jupyter_kernel_test jupyter_client nbclient",
  "If it lives in a Python that is not first on PATH, set GDL_PYTHON=/path/to/python3.",
].join("\n");

function findPython(): string | null {
  const probe = "import jupyter_client, jupyter_kernel_test, nbclient";
  for (const py of [process.env.GDL_PYTHON, "/usr/bin/python3", "python3"]) {
    if (py && spawnSync(py, ["-c", probe], { stdio: "ignore" }).status === 0) return py;
  }
  return null;
}

function env(): NodeJS.ProcessEnv {
  const jp = [path.join(root, "jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  return { ...process.env, JUPYTER_PATH: jp, PYDEVD_DISABLE_FILE_VALIDATION: "1", GDL_TSLAB_PATCHES: "1" };
}

async function runGroup(group: string): Promise<void> {
  const py = findPython();
  if (!py) throw new Error(INSTALL_HINT);
  const r = await run(py, [script, "-v", group], { env: env() });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status === 3) throw new Error(`${out}\n${INSTALL_HINT}`);
  expect(r.status, `${group} failed:\n${out}`).toBe(0);
  // unittest prints "OK" (maybe with skips); a silently empty run would not.
  expect(out).toMatch(/Ran [1-9]\d* tests?/);
}

describe("Jupyter protocol of the project kernel", () => {
  it("passes jupyter_kernel_test and our protocol checks (errors, results, counts, history)", async () => {
    await runGroup("KernelConformance");
  }, 600_000);

  it("stops running cells on SIGINT and stays usable (async loops, sync loops)", async () => {
    await runGroup("Interrupt");
  }, 600_000);

  it("charges errors from un-awaited work to the cell that started it (timers, promises, settle)", async () => {
    await runGroup("AsyncErrors");
  }, 600_000);

  it("gives nbclient a real error (ename, evalue, traceback with stack)", async () => {
    await runGroup("NotebookErrors");
  }, 600_000);

  it("JupyterLab started with the project's environment has no debugger UI to call", async () => {
    // The kernel has no debugger (kernel_info_reply and kernelspec say so, checked above), yet
    // JupyterLab 4.6's debugger extension asks for kernel sources after every execution and logs
    // "No active debugger session". jupyterEnv() points Jupyter at jupyter/config, which turns it off.
    const je = (await import(path.join(root, "scripts", "jupyter-env.mjs"))) as {
      findJupyterPython(): { python: string } | null;
      jupyterEnv(): NodeJS.ProcessEnv;
    };
    const found = je.findJupyterPython();
    expect(found, "no JupyterLab: `npm test` provisions one into .venv/ (scripts/jupyter-env.mjs)").toBeTruthy();
    const r = await run(found!.python, ["-m", "jupyter", "labextension", "list"], { env: je.jupyterEnv() });
    expect(r.status, r.stderr).toBe(0);
    const text = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    expect(text).toMatch(/Disabled extensions:\s*\n\s+@jupyterlab\/debugger-extension \(all plugins\)/);
  }, 120_000);

  const runner = path.join(root, "scripts", "run-notebooks.mjs");
  it.runIf(fs.existsSync(runner))("the notebook runner prints `Error: boom` and its stack", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kernel-protocol-"));
    const nb = path.join(dir, "boom.ipynb");
    writeNotebook(nb, ["const answer = 6 * 7;", 'throw new Error("boom")']);
    const r = await run(process.execPath, [runner, nb], { env: { ...env(), GDL_NOTEBOOK_OUT: path.join(dir, "out") } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Error: boom");
    expect(r.stderr).toMatch(/at cell \[2\]/);
    // The error arrives as a proper error output, not as stderr text.
    const executed = JSON.parse(fs.readFileSync(path.join(dir, "out", "boom.ipynb"), "utf8")) as {
      cells: { execution_count: number | null; outputs: { output_type: string; ename?: string; evalue?: string }[] }[];
    };
    const errorCell = executed.cells[1];
    expect(errorCell.execution_count).toBe(2);
    expect(errorCell.outputs.map((o) => o.output_type)).toEqual(["error"]);
    expect([errorCell.outputs[0].ename, errorCell.outputs[0].evalue]).toEqual(["Error", "boom"]);
  }, 300_000);
});
