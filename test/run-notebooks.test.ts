import { afterAll, describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { root, run, writeNotebook } from "./helpers/run";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-runner-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("npm run notebooks", () => {
  it("names an invalid notebook file in one line, runs the others, exits non-zero", async () => {
    const bad = path.join(tmp, "bad.ipynb");
    fs.writeFileSync(bad, '{"cells": [,]}');
    const notebook = path.join(tmp, "not-a-notebook.ipynb");
    fs.writeFileSync(notebook, "[1]");
    const good = path.join(tmp, "good.ipynb");
    writeNotebook(good, ['console.log("the good notebook ran")']);
    const r = await run(process.execPath, [path.join(root, "scripts", "run-notebooks.mjs"), bad, notebook, good],
      { env: { ...process.env, GDL_NOTEBOOK_OUT: path.join(tmp, "out") } });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/Traceback/);
    const lines = r.stderr.split("\n");
    expect(lines.filter((l) => l.includes("bad.ipynb:"))).toEqual([`FAIL  ${bad}: not valid JSON (Expecting value: line 1 column 12 (char 11))`]);
    expect(lines.filter((l) => l.includes("not-a-notebook.ipynb:"))).toEqual([expect.stringMatching(/^FAIL  .*not-a-notebook\.ipynb: valid JSON but not a Jupyter notebook \(.+\)$/)]);
    expect(r.stdout).toMatch(new RegExp(`ok    ${good.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(r.stderr).toMatch(/2 of 3 notebooks failed: .*bad\.ipynb, .*not-a-notebook\.ipynb/);
    const executed = JSON.parse(fs.readFileSync(path.join(tmp, "out", "good.ipynb"), "utf8"));
    expect(JSON.stringify(executed.cells[0].outputs)).toMatch(/the good notebook ran/);
  }, 180_000);
});
