// `npm run notebooks [-- notebooks/NN.ipynb ...]`: execute notebooks in order
// through the project kernel; executed copies + HTML go to build/notebooks/.
// QUICK=1 trims epochs/samples (read by lib/settings.ts inside the kernel).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { root, jupyterPython, jupyterEnv } from "./jupyter-env.mjs";

const args = process.argv.slice(2);
let notebooks = args.filter((a) => a.endsWith(".ipynb"));
const rest = args.filter((a) => !a.endsWith(".ipynb"));
if (notebooks.length === 0) {
  const dir = path.join(root, "notebooks");
  notebooks = fs.readdirSync(dir).filter((f) => /^\d.*\.ipynb$/.test(f)).sort().map((f) => path.join(dir, f));
}
for (const nb of notebooks) {
  if (!fs.existsSync(nb)) {
    console.error(`No such notebook: ${nb}`);
    process.exit(2);
  }
}
let py;
try {
  py = await jupyterPython(["nbclient", "nbconvert", "nbformat"]);
} catch (e) {
  console.error(`Cannot execute notebooks: ${e.message}`);
  process.exit(1);
}
const out = process.env.GDL_NOTEBOOK_OUT ?? path.join(root, "build", "notebooks");
const r = spawnSync(py, [path.join(root, "scripts", "execute_notebooks.py"), "--out", out, ...rest, ...notebooks.map((n) => path.resolve(n))], {
  stdio: "inherit",
  env: jupyterEnv(),
});
process.exit(r.status ?? 1);
