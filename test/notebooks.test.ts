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
});
