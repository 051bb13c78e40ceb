// `npm run bench` in its tiny configuration: no timing assertions (the machine
// is shared), only that every backend row and column is there, numbers are
// numbers, ratios to PyTorch are printed when torch exists, and the models'
// parameter counts match the book on every row.
import { describe, expect, it } from "vitest";
import { execFile, spawnSync } from "child_process";
import * as path from "path";
import { BOOK_PARAMS, markdownTable, paramProblems } from "../scripts/bench";

const ROOT = path.resolve(__dirname, "..");
const hasTorch = spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0;

describe("bench table helpers", () => {
  const res = (enc: number) => ({
    params: { encoder: enc, decoder: 246_273 }, train: 10, infer: 20, trainAll: [10], inferAll: [20],
  });
  it("flags a parameter-count mismatch and accepts the book's counts", () => {
    const ok = { backend: "wasm", label: "tfjs wasm", threads: 1, ae: res(96_770), vae: res(100_868) };
    const bad = { backend: "cpu", label: "tfjs cpu", threads: 1, ae: res(96_771), vae: res(100_868) };
    expect(paramProblems([ok], ["ae", "vae"])).toEqual([]);
    expect(paramProblems([ok, bad], ["ae", "vae"])).toHaveLength(1);
    expect(paramProblems([ok, bad], ["ae", "vae"])[0]).toContain("tfjs cpu ae");
  });
  it("prints ratios to the PyTorch row", () => {
    const wasm = { backend: "wasm", label: "tfjs wasm", threads: 1, ae: res(96_770) };
    const torch = { backend: "pytorch", label: "PyTorch", threads: 2, ae: { ...res(96_770), train: 40, infer: 10 } };
    const t = markdownTable([wasm, torch], ["ae"]);
    expect(t).toContain("| tfjs wasm | 1 | 10.0 (0.25×) | 20.0 (2.00×) |");
    expect(t).toContain("| PyTorch | 2 | 40.0 | 10.0 |");
  });
  it("knows the book's parameter counts", () => {
    expect(BOOK_PARAMS.ae.encoder + BOOK_PARAMS.ae.decoder).toBe(343_043);
  });
});

describe("npm run bench -- --tiny", () => {
  it("prints a table with every backend row, all model columns and the param check", async () => {
    // Async child: a blocking spawnSync would starve vitest's worker heartbeat.
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/bench.ts", "--tiny"],
        { cwd: ROOT, encoding: "utf8", timeout: 1_500_000, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain("| backend | threads | AE train img/s | AE infer img/s | VAE train img/s | VAE infer img/s |");
    expect(out).toMatch(/Param check: OK/);
    const row = (label: string) => out.split("\n").find((l) => l.startsWith(`| ${label} |`));
    const cells = (line: string) => line.split("|").slice(3, -1).map((c) => c.trim());
    const num = /^\d+(\.\d+)?( \(\d+\.\d\d×\))?$/;
    for (const label of ["tfjs wasm", "tfjs cpu"]) {
      const line = row(label);
      expect(line, `${label} row`).toBeDefined();
      for (const c of cells(line!)) expect(c, `${label}: ${line}`).toMatch(num);
    }
    // The data-parallel trainer row trains (inference is not timed there).
    const par = row("tfjs wasm x2 workers");
    expect(par).toBeDefined();
    const [aeTrain, , vaeTrain] = cells(par!);
    expect(aeTrain).toMatch(num);
    expect(vaeTrain).toMatch(num);
    // tfjs-node: measured where it installs, otherwise listed as not measured.
    expect(row("tfjs tensorflow")).toBeDefined();
    if (hasTorch) {
      const t = row("PyTorch 1.13.1") ?? out.split("\n").find((l) => l.startsWith("| PyTorch"));
      expect(t).toBeDefined();
      for (const c of cells(t!)) expect(c).toMatch(/^\d+(\.\d+)?$/);
      expect(cells(row("tfjs wasm")!)[0]).toMatch(/×\)$/);
      // Per-core peer: PyTorch on one thread, with its ratio to the all-cores run.
      const one = out.split("\n").find((l) => l.startsWith("| PyTorch") && l.includes("(1 thread)"));
      expect(one).toBeDefined();
      expect(cells(one!)[0]).toMatch(num);
      expect(out).toMatch(/Per core, vs PyTorch on 1 thread: tfjs wasm AE train \d+\.\d\d×/);
    }
  }, 1_600_000);
});
