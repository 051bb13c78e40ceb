// The project's own Python: one virtual environment in `.venv/` (git-ignored),
// filled on demand from pinned requirement files (jupyter/requirements.txt for
// Jupyter, bench/requirements.txt for TensorFlow/PyTorch). Nothing is installed
// outside the project. Each requirement file is installed once; a stamp with its
// SHA-256 in .venv/ says it is there, so a changed file is installed again.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pidLock } from "./pid-lock.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const VENV = process.env.GDL_VENV ? path.resolve(process.env.GDL_VENV) : path.join(root, ".venv");
export const venvPython = path.join(VENV, "bin", "python");

const MIN_PYTHON = [3, 10];

/** A Python >= 3.10 that can create virtual environments (with pip), or null with why. */
export function findBasePython() {
  const tried = [];
  for (const py of [process.env.GDL_BASE_PYTHON, "python3", "/usr/bin/python3", "python"].filter(Boolean)) {
    const r = spawnSync(py, ["-c", "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
    if (r.error) { tried.push(`${py}: not found`); continue; }
    if (r.status !== 0) { tried.push(`${py}: no venv/ensurepip module (Debian: apt-get install python3-venv)`); continue; }
    const [maj, min] = r.stdout.trim().split(".").map(Number);
    if (maj < MIN_PYTHON[0] || (maj === MIN_PYTHON[0] && min < MIN_PYTHON[1])) { tried.push(`${py}: Python ${maj}.${min} is older than ${MIN_PYTHON.join(".")}`); continue; }
    return { python: py, tried };
  }
  return { python: null, tried };
}

function stampPath(reqFile) {
  return path.join(VENV, `.gdl-installed-${path.basename(path.dirname(reqFile))}-${path.basename(reqFile)}.sha256`);
}

function sha256(file) {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** True when `reqFile` (absolute or relative to the project) is installed in .venv as it is now. */
export function isInstalled(reqFile) {
  const file = path.resolve(root, reqFile);
  const stamp = stampPath(file);
  return fs.existsSync(venvPython) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8").trim() === sha256(file);
}

function run(cmd, args, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...opts });
    child.on("error", (e) => resolve({ status: 127, error: e }));
    child.on("exit", (code, signal) => resolve({ status: code ?? (signal ? 1 : 0) }));
  });
}

/**
 * Makes sure .venv exists and has every package of `reqFiles` installed.
 * Returns the venv's python. Throws an Error whose message says what is missing and how to get it.
 * pip's default index may be unreachable (offline machines with a local wheel store or an
 * extra index): a short timeout and no retries make pip fall back to the other sources at once.
 */
export async function ensureVenv(reqFiles, { log = (s) => console.error(s) } = {}) {
  const files = reqFiles.map((f) => path.resolve(root, f));
  if (files.every((f) => isInstalled(f))) return venvPython;
  const unlock = await lock(log);
  try {
    return await fill(files, log);
  } finally {
    unlock();
  }
}

// One installer at a time: `npm test` workers, or `npm start` next to `npm test`, would
// otherwise run pip into the same venv at once.
const lock = (log) => pidLock(`${VENV}.lock`, (pid) => log(`Waiting for another install into ${VENV} (pid ${pid}) to finish…`));

async function fill(files, log) {
  const todo = files.filter((f) => !isInstalled(f));
  if (todo.length === 0) return venvPython;
  if (!fs.existsSync(venvPython)) {
    const { python, tried } = findBasePython();
    if (!python) {
      throw new Error(`Cannot create the project's Python environment (${VENV}): no Python >= ${MIN_PYTHON.join(".")} with venv found.\n  ${tried.join("\n  ")}\nInstall Python 3 (Debian: apt-get install python3 python3-venv), or set GDL_BASE_PYTHON=/path/to/python3.`);
    }
    log(`Creating the project's Python environment in ${path.relative(process.cwd(), VENV) || VENV} (${python})…`);
    const r = await run(python, ["-m", "venv", VENV]);
    if (r.status !== 0) throw new Error(`\`${python} -m venv ${VENV}\` failed (exit ${r.status}). Remove ${VENV} and try again, or set GDL_BASE_PYTHON.`);
  }
  const env = { ...process.env, PIP_DEFAULT_TIMEOUT: process.env.GDL_PIP_TIMEOUT ?? "3", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
  for (const file of todo) {
    log(`Installing ${path.relative(root, file)} into ${path.relative(process.cwd(), VENV) || VENV} (first time only)…`);
    const r = await run(venvPython, ["-m", "pip", "install", "--retries", "0", "--progress-bar", "off", "-r", file], { env });
    if (r.status !== 0) {
      throw new Error(`pip could not install ${path.relative(root, file)} into ${VENV} (exit ${r.status}); see pip's message above.\nCheck your network or pip index settings (pip config list), then run the command again.`);
    }
    const stamp = stampPath(file);
    fs.writeFileSync(`${stamp}.tmp`, sha256(file));
    fs.renameSync(`${stamp}.tmp`, stamp);
  }
  return venvPython;
}
