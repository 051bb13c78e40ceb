// `npm start`: open the workbook in JupyterLab 4 with the project's TypeScript kernel.
// With no JupyterLab 4 around (and GDL_PYTHON unset) it first installs the pinned one from
// jupyter/requirements.txt into the project's .venv/ (once). GDL_PYTHON may point at a Python
// with JupyterLab or only classic Notebook (Debian's packages). Extra arguments go to Jupyter
// (e.g. `npm start -- --no-browser --port 8899`).
// Before Jupyter starts, the native TensorFlow backend is set up once (scripts/setup-native.mjs
// --auto: nothing when tfjs-node loads, a restore from the cache after `npm ci`, else the whole
// setup with a progress line; a missing compiler or Python is one message and the workbook stays
// on wasm; GDL_NATIVE=0 skips it). The kernels run on the Node that runs this script.
import { spawn } from "node:child_process";
import path from "node:path";
import fs from "node:fs";
import { root, jupyterPython, canImport, jupyterEnv, KERNEL_NAME } from "./jupyter-env.mjs";
import { autoSetupNative } from "./setup-native.mjs";

/**
 * PATH for Jupyter: the kernelspec runs `node` from PATH, so when the first `node` there is not
 * the Node running this script (npm start with a Node that is not on PATH), its folder goes first:
 * the kernels run on the Node the learner started the workbook with.
 */
function pathWithThisNode() {
  const PATH = process.env.PATH ?? "";
  const real = (p) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return null;
    }
  };
  const first = PATH.split(path.delimiter).filter(Boolean).map((d) => path.join(d, "node")).find((p) => real(p));
  return first && real(first) === real(process.execPath) ? PATH : [path.dirname(process.execPath), PATH].filter(Boolean).join(path.delimiter);
}

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
// Never fails: whatever goes wrong is one message, and the workbook computes on wasm.
await autoSetupNative();
const args = ["-m", app, `--notebook-dir=${path.join(root, "notebooks")}`, ...process.argv.slice(2)];
// Jupyter refuses to start as root without this flag (containers, CI machines).
if (process.getuid?.() === 0 && !args.includes("--allow-root")) args.push("--allow-root");
console.log(`Starting ${app === "jupyterlab" ? "JupyterLab" : "Jupyter Notebook"} (${py}) with kernel "${KERNEL_NAME}" from ${path.join(root, "jupyter")}`);
const env = jupyterEnv({ PATH: pathWithThisNode() });
const child = spawn(py, args, { stdio: "inherit", env, cwd: path.join(root, "notebooks") });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
