// `npm start`: open the workbook in JupyterLab 4 with the project's TypeScript kernel.
// With no JupyterLab 4 around (and GDL_PYTHON unset) it first installs the pinned one from
// jupyter/requirements.txt into the project's .venv/ (once). GDL_PYTHON may point at a Python
// with JupyterLab or only classic Notebook (Debian's packages). Extra arguments go to Jupyter
// (e.g. `npm start -- --no-browser --port 8899`).
import { spawn } from "node:child_process";
import path from "node:path";
import fs from "node:fs";
import { root, jupyterPython, canImport, jupyterEnv, KERNEL_NAME } from "./jupyter-env.mjs";

if (!fs.existsSync(path.join(root, "node_modules", "tslab"))) {
  console.error(`node_modules is missing: run \`npm ci\` in ${root} first.`);
  process.exit(1);
}
let py;
try {
  py = await jupyterPython([]);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const app = canImport(py, ["jupyterlab"]) ? "jupyterlab" : canImport(py, ["notebook"]) ? "notebook" : null;
if (!app) {
  console.error(`GDL_PYTHON=${py} has neither JupyterLab nor Jupyter Notebook: install one there, or unset GDL_PYTHON so the project installs JupyterLab into .venv/.`);
  process.exit(1);
}
const args = ["-m", app, `--notebook-dir=${path.join(root, "notebooks")}`, ...process.argv.slice(2)];
// Jupyter refuses to start as root without this flag (containers, CI machines).
if (process.getuid?.() === 0 && !args.includes("--allow-root")) args.push("--allow-root");
console.log(`Starting ${app === "jupyterlab" ? "JupyterLab" : "Jupyter Notebook"} (${py}) with kernel "${KERNEL_NAME}" from ${path.join(root, "jupyter")}`);
const child = spawn(py, args, { stdio: "inherit", env: jupyterEnv(), cwd: path.join(root, "notebooks") });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
