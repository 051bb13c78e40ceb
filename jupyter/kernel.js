#!/usr/bin/env node
// Starts the project's own tslab (never a global one) for the kernelspec in
// jupyter/kernels/tslab-workbook. Usage: node jupyter/kernel.js <connection_file>
//
// tslab resolves `./lib/x` imports only below its working directory. Jupyter
// starts a kernel in the notebook's folder, where notebooks/lib -> ../lib makes
// `./lib/x` work. When the kernel is started anywhere else (another cwd, a
// notebook outside notebooks/), we move to notebooks/ so `./lib/x` still works.
"use strict";
const fs = require("fs");
const path = require("path");

const projectRoot = path.resolve(__dirname, "..");
const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error("usage: node jupyter/kernel.js <connection_file>");
  process.exit(2);
}
if (!fs.existsSync(path.join(process.cwd(), "lib", "index.ts")) &&
    !fs.existsSync(path.join(process.cwd(), "lib", "display.ts"))) {
  process.chdir(path.join(projectRoot, "notebooks"));
}
process.env.GDL_PROJECT_ROOT = projectRoot;

const tslabMain = path.join(projectRoot, "node_modules", "tslab", "dist", "main.js");
if (!fs.existsSync(tslabMain)) {
  console.error(`tslab is not installed in ${projectRoot}/node_modules. Run \`npm ci\` in ${projectRoot}.`);
  process.exit(1);
}
// Protocol fixes for tslab live beside this file (see README, "Kernel").
// GDL_TSLAB_PATCHES=0 starts stock tslab (to compare behaviour).
const patches = path.join(__dirname, "tslab-patches.js");
if (fs.existsSync(patches) && process.env.GDL_TSLAB_PATCHES !== "0") {
  try {
    require(patches).apply(projectRoot);
  } catch (e) {
    // A tslab that changed under the patches: say what changed instead of starting a subtly broken kernel.
    if (e && e.name !== "TslabMismatch") throw e;
    console.error(e.message);
    process.exit(1);
  }
}

require(tslabMain).startKernel({ configPath: path.resolve(connectionFile), enableFindLocal: false });
