// `npm start`: open the workbook in JupyterLab if installed, else classic
// Jupyter Notebook, with the project's TypeScript kernel. Extra arguments go to
// Jupyter (e.g. `npm start -- --no-browser --port 8899`).
import { spawn } from "node:child_process";
import path from "node:path";
import fs from "node:fs";
import { root, findPython, jupyterEnv, INSTALL_HINT, KERNEL_NAME } from "./jupyter-env.mjs";

if (!fs.existsSync(path.join(root, "node_modules", "tslab"))) {
  console.error(`node_modules is missing: run \`npm ci\` in ${root} first.`);
  process.exit(1);
}
let app = null;
let py = findPython(["jupyterlab"]);
if (py) app = "jupyterlab";
else if ((py = findPython(["notebook"]))) app = "notebook";
if (!app) {
  console.error(`Neither JupyterLab nor Jupyter Notebook was found.\n${INSTALL_HINT}`);
  process.exit(1);
}
const args = ["-m", app, `--notebook-dir=${path.join(root, "notebooks")}`, ...process.argv.slice(2)];
// Jupyter refuses to start as root without this flag (containers, CI machines).
if (process.getuid?.() === 0 && !args.includes("--allow-root")) args.push("--allow-root");
console.log(`Starting ${app === "jupyterlab" ? "JupyterLab" : "Jupyter Notebook"} (${py}) with kernel "${KERNEL_NAME}" from ${path.join(root, "jupyter")}`);
const child = spawn(py, args, { stdio: "inherit", env: jupyterEnv(), cwd: path.join(root, "notebooks") });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
