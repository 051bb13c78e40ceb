import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run, writeNotebook } from "./helpers/run";

// The project kernel must work from a project path with spaces, and a notebook
// outside notebooks/ (kernel started in another folder) must still import ./lib.
const root = path.resolve(__dirname, "..");
let base: string;
let project: string;

const PY = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import nbclient"]).status === 0);

function execute(nb: string, out: string) {
  return run(PY!, [path.join(root, "scripts", "execute_notebooks.py"), "--out", out, "--timeout", "300", nb], {
    env: { ...process.env, JUPYTER_PATH: path.join(project, "jupyter") },
  });
}

function outputsText(file: string): string {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: { outputs: { text?: string | string[] }[] }[] };
  return nb.cells.flatMap((c) => c.outputs.map((o) => ([] as string[]).concat(o.text ?? []).join(""))).join("");
}

beforeAll(() => {
  expect(PY, "no Python with nbclient: sudo apt-get install python3-nbclient jupyter-client python3-ipykernel").toBeTruthy();
  base = fs.mkdtempSync(path.join(os.tmpdir(), "gdl kernel paths "));
  project = path.join(base, "my project");
  // A copy of the launcher, kernelspec and lib/ under a spaced path; node_modules is linked.
  fs.mkdirSync(project);
  fs.cpSync(path.join(root, "jupyter"), path.join(project, "jupyter"), { recursive: true });
  fs.cpSync(path.join(root, "lib"), path.join(project, "lib"), { recursive: true });
  fs.symlinkSync(path.join(root, "node_modules"), path.join(project, "node_modules"));
  fs.mkdirSync(path.join(project, "notebooks"));
  fs.symlinkSync("../lib", path.join(project, "notebooks", "lib"));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe("project kernel paths", () => {
  it("runs from a project path with spaces and imports ./lib", async () => {
    const nb = path.join(project, "notebooks", "spaces.ipynb");
    writeNotebook(nb, ['import { isQuick, projectRoot } from "./lib/settings";\nconsole.log("root=" + projectRoot() + " cwd=" + process.cwd());']);
    const r = await execute(nb, path.join(base, "out"));
    expect(r.status, r.stderr).toBe(0);
    const text = outputsText(path.join(base, "out", "spaces.ipynb"));
    expect(text).toContain(`root=${project}`);
    expect(text).toContain(`cwd=${path.join(project, "notebooks")}`);
  }, 300_000);

  it("imports ./lib from a notebook started in another folder", async () => {
    const elsewhere = path.join(base, "elsewhere");
    fs.mkdirSync(elsewhere);
    const nb = path.join(elsewhere, "other.ipynb");
    writeNotebook(nb, ['import { pick } from "./lib/settings";\nconsole.log("picked=" + pick("full", "quick"));']);
    const r = await execute(nb, path.join(base, "out2"));
    expect(r.status, r.stderr).toBe(0);
    expect(outputsText(path.join(base, "out2", "other.ipynb"))).toMatch(/picked=(full|quick)/);
  }, 300_000);
});
