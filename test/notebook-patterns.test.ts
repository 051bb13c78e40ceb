import { it, expect } from "vitest";
import * as path from "path";
import { projectNotebooks, readNotebook } from "./helpers/notebook-typecheck";

// Teaching cells carry no plumbing, and the from-scratch switch looks the same everywhere
// (issue 17 item 4, issue 15 item 2): a learner who met it in 04 recognises it in 05-07.
const code = (file: string) => readNotebook(file).cells
  .map((c, i) => ({ cell: i + 1, type: c.cell_type, src: Array.isArray(c.source) ? c.source.join("") : c.source }))
  .filter((c) => c.type === "code");

it("notebooks read no files themselves: pretrained metadata goes through lib/train/pretrained", () => {
  for (const file of projectNotebooks()) {
    for (const c of code(file)) {
      const where = `${path.basename(file)}, cell ${c.cell}`;
      expect(c.src, where).not.toMatch(/from "fs"|require\("fs"\)|readFileSync|JSON\.parse/);
      expect(c.src, where).not.toMatch(/training\.json|metrics\.json/);
    }
  }
});

it("04-07 use one switch: const TRAIN_FROM_SCRATCH = false, in the cell that calls loadOrTrain with it", () => {
  const files = projectNotebooks().filter((f) => /\/0[4-7]-/.test(f));
  expect(files.length).toBe(4);
  for (const file of files) {
    const cells = code(file);
    const all = cells.map((c) => c.src).join("\n");
    expect(all, path.basename(file)).not.toMatch(/trainFromScratch/);
    const switches = cells.filter((c) => /const TRAIN_FROM_SCRATCH = false;/.test(c.src));
    expect(switches.length, `${path.basename(file)}: one TRAIN_FROM_SCRATCH switch`).toBe(1);
    expect(switches[0].src, path.basename(file)).toMatch(/await loadOrTrain\(\w+, "pretrained\/[\w/-]+", \{\n\s+fromScratch: [^\n]*TRAIN_FROM_SCRATCH,\n\s+train: /);
  }
});
