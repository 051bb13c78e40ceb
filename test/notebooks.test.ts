import { describe, it, expect } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runNotebook as runNb, writeNotebook } from "./helpers/run";

// Every notebook runs top to bottom through a real Jupyter kernel (the project
// kernelspec), via the same runner as `npm run notebooks`. Quick mode unless
// the caller set QUICK (QUICK=0 npm test runs the full notebooks). Once per
// backend: vitest.config.ts runs this file with GDL_BACKEND=wasm and =tensorflow.
const root = path.resolve(__dirname, "..");
const nbDir = path.join(root, "notebooks");
const notebooks = fs.readdirSync(nbDir).filter((f) => /^\d.*\.ipynb$/.test(f)).sort();
const out = fs.mkdtempSync(path.join(os.tmpdir(), "nb-out-"));

function runNotebook(nb: string) {
  return runNb(nb, { QUICK: process.env.QUICK ?? "1", GDL_NOTEBOOK_OUT: out });
}

interface Cell { cell_type: string; outputs?: { output_type: string; name?: string; text?: string | string[] }[] }

describe("notebooks execute top to bottom", () => {
  it("finds the notebooks", () => {
    expect(notebooks.length).toBeGreaterThan(0);
    expect(notebooks[0]).toMatch(/^00-setup/);
  });

  for (const nb of notebooks) {
    it(nb, async () => {
      const r = await runNotebook(path.join(nbDir, nb));
      expect(r.status, `${nb} failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
      const executed = JSON.parse(fs.readFileSync(path.join(out, nb), "utf8")) as { cells: Cell[] };
      const code = executed.cells.filter((c) => c.cell_type === "code");
      expect(code.every((c) => !c.outputs?.some((o) => o.output_type === "error"))).toBe(true);
      // A notebook that ran shows something: at least one output somewhere.
      expect(code.some((c) => (c.outputs ?? []).length > 0)).toBe(true);
      // ...and it computed on the backend this run is for (initBackend's line).
      const backend = process.env.GDL_BACKEND;
      if (backend) {
        const text = code.flatMap((c) => c.outputs ?? []).map((o) => [o.text ?? ""].flat().join("")).join("");
        expect(text, `${nb}: no "tfjs backend: ${backend}" line`).toContain(`tfjs backend: ${backend} (`);
      }
      expect(fs.existsSync(path.join(out, nb.replace(/\.ipynb$/, ".html")))).toBe(true);
    }, 1_800_000);
  }
});

describe("notebook runner", () => {
  it("exits non-zero on a failing cell and prints the real error and stack", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nb-broken-"));
    const nb = path.join(dir, "broken.ipynb");
    writeNotebook(nb, ['console.log("fine")', 'function inner(): number { throw new Error("boom from inner"); }\ninner();']);
    const r = await runNotebook(nb);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("FAIL");
    expect(r.stderr).toMatch(/code cell 2/);
    expect(r.stderr).toContain('throw new Error("boom from inner")');
    expect(r.stderr).toMatch(/Error: boom from inner/);
    expect(r.stderr).toMatch(/at inner \(/);
  }, 300_000);

  // Work a cell starts without awaiting it can fail after the cell has finished; Node prints it
  // and carries on, so such a notebook used to pass ("ok", exit 0).
  it("fails on a timer that throws after its cell finished, naming that cell", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nb-async-"));
    const nb = path.join(dir, "timer.ipynb");
    writeNotebook(nb, [
      'console.log("one")',
      'setTimeout(() => { throw new Error("boom from a timer"); }, 100);\nconsole.log("scheduled")',
      'await new Promise((r) => setTimeout(r, 1000));\nconsole.log("three")',
      "6 * 7",
    ]);
    const r = await runNotebook(nb);
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.stderr).toContain("FAIL");
    expect(r.stderr).toMatch(/work started by cell 2 \(code cell 2\):\n\s+1 \| setTimeout\(\(\) => \{ throw new Error\("boom from a timer"\); \}, 100\);/);
    expect(r.stderr).toContain("Error: boom from a timer");
    expect(r.stderr).toMatch(/at Timeout\.<anonymous> \(cell \[2\]:1:26\)/);
    // The executed copy shows the error under the cell that started the timer.
    const executed = JSON.parse(fs.readFileSync(path.join(out, "timer.ipynb"), "utf8")) as { cells: Cell[] };
    expect(executed.cells[1].outputs!.map((o) => o.output_type)).toEqual(["stream", "error"]);
  }, 300_000);

  it("fails on an un-awaited train() that rejects after the last cell, naming its cell", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nb-async-"));
    const nb = path.join(dir, "unawaited.ipynb");
    writeNotebook(nb, [
      'import * as tf from "@tensorflow/tfjs";\nimport { buildAutoencoder } from "./lib/models/autoencoder";\nimport { train } from "./lib/train/train";\n' +
        "const ae = buildAutoencoder({ imageSize: 16, filters: [4, 8] });\nconst xs = tf.randomUniform([32, 16, 16, 1]);",
      '// no await: the cell ends at once, the training fails later\ntrain(ae, xs, { epochs: 2, batchSize: 8, progress: false, onEpochEnd: () => { throw new Error("checkpoint failed"); } });\nconsole.log("training in the background")',
    ]);
    const r = await runNotebook(nb);
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/work started by cell 2 \(code cell 2\):\n\s+1 \| \/\/ no await/);
    expect(r.stderr).toContain("after the last cell");
    expect(r.stderr).toContain("Error: checkpoint failed");
    expect(r.stderr).toMatch(/at Object\.onEpochEnd \(cell \[2\]:2:\d+\)/);
  }, 300_000);
});
