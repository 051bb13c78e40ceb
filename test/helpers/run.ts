// Run a child process without blocking the vitest worker: a long spawnSync
// starves vitest's RPC heartbeat ("Timeout calling onTaskUpdate") and fails the run.
import { spawn } from "child_process";
import * as path from "path";

export const root = path.resolve(__dirname, "..", "..");

export interface RunResult { status: number | null; stdout: string; stderr: string }

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: opts.cwd ?? root, env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    const timer = opts.timeoutMs ? setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs) : null;
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", reject);
    p.on("close", (status) => {
      if (timer) clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** `node scripts/run-notebooks.mjs <nb>` with extra env. */
export function runNotebook(nb: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(process.execPath, [path.join(root, "scripts", "run-notebooks.mjs"), nb], { env: { ...process.env, ...env } });
}

/** Write a notebook for the project kernel (outputs empty, stable cell ids): a string is a code cell. */
export function writeNotebook(file: string, sources: readonly (string | { markdown: string })[]): void {
  const fs = require("fs") as typeof import("fs");
  fs.writeFileSync(file, JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab-workbook", display_name: "TypeScript (workbook)", language: "typescript" } },
    cells: sources.map((source, i) => typeof source === "string"
      ? { id: `cell-${i}`, cell_type: "code", execution_count: null, metadata: {}, outputs: [], source }
      : { id: `cell-${i}`, cell_type: "markdown", metadata: {}, source: source.markdown }),
  }));
}
