import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { tidyNotebook, workbookNotebooks } from "../scripts/tidy-notebooks";

// The committed .ipynb files are the only source of each chapter; this guards their tidiness.
const root = path.resolve(__dirname, "..");
const notebooks = workbookNotebooks(root);
const sample = path.join(root, "notebooks", "04-autoencoder.ipynb");

/** The sample notebook as JSON with `edit` applied, written the way JupyterLab writes (1-space indent). */
function edited(edit: (nb: any) => void): string {
  const nb = JSON.parse(fs.readFileSync(sample, "utf8"));
  edit(nb);
  return JSON.stringify(nb, null, 1) + "\n";
}
const firstCode = (nb: any): any => nb.cells.find((c: any) => c.cell_type === "code");

describe("notebooks are tidy (outputs stripped, stable ids, normalised metadata, nbformat layout)", () => {
  it("finds the eight chapters", () => {
    expect(notebooks.map((f) => path.basename(f).slice(0, 3))).toEqual(["00-", "01-", "02-", "03-", "04-", "05-", "06-", "07-"]);
  });

  for (const file of notebooks) {
    it(path.basename(file), () => {
      const { problems } = tidyNotebook(fs.readFileSync(file, "utf8"), file);
      const report = problems.length ? `${path.relative(root, file)} is not tidy (run \`npm run notebooks:tidy\`):\n  ${problems.join("\n  ")}` : "";
      expect(report).toBe("");
    });
  }
});

describe("the tidy check catches an untidy notebook", () => {
  const committed = fs.readFileSync(sample, "utf8");

  it("an output and an execution count left in: named, and tidying restores the committed file", () => {
    const text = edited((nb) => {
      const cell = firstCode(nb);
      cell.outputs = [{ output_type: "stream", name: "stdout", text: ["Backend: wasm\n"] }];
      cell.execution_count = 3;
    });
    const { problems, text: tidy } = tidyNotebook(text);
    const id = JSON.parse(committed).cells.find((c: any) => c.cell_type === "code").id;
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`id ${id}\\): 1 output$`)));
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`id ${id}\\): execution_count 3$`)));
    expect(tidy).toBe(committed);
  });

  it("a missing id: named, and given an id derived from the source (same on every run, then tidy)", () => {
    const text = edited((nb) => delete nb.cells[2].id);
    const first = tidyNotebook(text);
    expect(first.problems).toEqual([expect.stringMatching(/^cell 2: missing id \(now c[0-9a-f]{8}\)$/)]);
    expect(tidyNotebook(text).text).toBe(first.text);
    const again = tidyNotebook(first.text);
    expect(again.problems).toEqual([]);
    expect(JSON.parse(again.text).cells[2].id).toMatch(/^c[0-9a-f]{8}$/);
  });

  it("a duplicate id, run timings, foreign kernel metadata and one-string sources are named and normalised", () => {
    const text = edited((nb) => {
      nb.cells[3].id = nb.cells[1].id;
      nb.cells[4].metadata = { execution: { "iopub.status.busy": "2026-11-28T10:00:00Z" }, tags: ["keep-me"] };
      nb.cells[5].source = nb.cells[5].source.join("");
      nb.metadata.language_info = { name: "typescript", version: "5.9.3", codemirror_mode: "typescript" };
      nb.metadata.vscode = { interpreter: { hash: "x" } };
    });
    const { problems, text: tidy } = tidyNotebook(text);
    const joined = problems.join("\n");
    expect(joined).toMatch(/cell 3 .*duplicate id/);
    expect(joined).toMatch(/cell 4 .*metadata\.execution/);
    expect(joined).toMatch(/cell 5 .*source stored as one string/);
    expect(joined).toMatch(/metadata\.language_info differs/);
    expect(joined).toMatch(/metadata\.vscode/);
    const nb = JSON.parse(tidy);
    expect(nb.cells[4].metadata).toEqual({ tags: ["keep-me"] }); // content metadata stays
    expect(new Set(nb.cells.map((c: any) => c.id)).size).toBe(nb.cells.length);
    expect(tidyNotebook(tidy).problems).toEqual([]);
  });

  it("a layout-only difference (2-space indent) is named", () => {
    const text = JSON.stringify(JSON.parse(committed), null, 2) + "\n";
    expect(tidyNotebook(text).problems).toEqual([expect.stringMatching(/^JSON layout/)]);
  });

  it("bad JSON is refused naming the file", () => {
    expect(() => tidyNotebook("{ not json", "notebooks/99.ipynb")).toThrow(/notebooks\/99\.ipynb: not valid JSON/);
  });

  it("`npm run notebooks:tidy -- --check` exits 1 naming the notebook; without --check it fixes it in place", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tidy-"));
    try {
      const file = path.join(dir, "04-autoencoder.ipynb");
      fs.writeFileSync(file, edited((nb) => (firstCode(nb).execution_count = 7)));
      const tsx = path.join(root, "node_modules", ".bin", "tsx");
      const script = path.join(root, "scripts", "tidy-notebooks.ts");
      const check = spawnSync(tsx, [script, "--check", file], { cwd: dir, encoding: "utf8" });
      expect(check.status).toBe(1);
      expect(check.stdout).toContain("04-autoencoder.ipynb: not tidy");
      expect(check.stdout).toContain("execution_count 7");
      const fix = spawnSync(tsx, [script, file], { cwd: dir, encoding: "utf8" });
      expect(fix.status).toBe(0);
      expect(fs.readFileSync(file, "utf8")).toBe(committed);
      expect(spawnSync(tsx, [script, "--check", file], { cwd: dir, encoding: "utf8" }).status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
