import { it, expect } from "vitest";
import * as path from "path";
import { projectNotebooks, readNotebook, root, typecheckNotebooks, type NotebookSource } from "./helpers/notebook-typecheck";

// A notebook with mistakes only a strict check sees: tslab would run all of it.
const synthetic: NotebookSource = {
  file: path.join(root, "notebooks", "zz-synthetic-type-error.ipynb"),
  cells: [
    { cell_type: "markdown", source: "# not code" },
    { cell_type: "code", source: 'import { pick } from "./lib/settings";\nconst n = await Promise.resolve(pick(3, 1));' },
    { cell_type: "code", source: ["const ok: number = n;\n", 'const wrong: number = "three";'] },
    { cell_type: "code", source: "function double(x) {\n  return 2 * x;\n}" },
    { cell_type: "code", source: 'import { todo } from "./lib/exercises/check";\nfunction stub(a: number): number {\n  return todo();\n}' },
  ],
};

// One Program for every notebook and the synthetic one (lib/ and tfjs types parsed once).
it("every notebook's code cells pass the project's strict type check, as one module per notebook", () => {
  const files = projectNotebooks();
  expect(files.length).toBeGreaterThanOrEqual(8);
  const problems = typecheckNotebooks([...files.map(readNotebook), synthetic]);
  const ours = problems.filter((p) => p.startsWith("zz-synthetic-type-error.ipynb"));
  // The check can fail, names the notebook, cell and line, and is strict (implicit any).
  expect(ours).toEqual([
    "zz-synthetic-type-error.ipynb, cell 3 (code cell 2), line 2: Type 'string' is not assignable to type 'number'.",
    "zz-synthetic-type-error.ipynb, cell 4 (code cell 3), line 1: Parameter 'x' implicitly has an 'any' type.",
  ]);
  const real = problems.filter((p) => !ours.includes(p));
  expect(real.join("\n"), "notebook code that only passes tslab's non-strict compiler").toBe("");
}, 120_000);

// tslab compiles the same cells, and the lib/ files they import, with its own TypeScript (5.0,
// non-strict): code that is fine under strict can still fail there, e.g. `!r.ok && r.why` on
// { ok: true } | { ok: false; why } does not narrow without strictNullChecks.
it("every notebook, and every lib/ file it imports, compiles with tslab's own TypeScript and options", () => {
  const narrowing: NotebookSource = {
    file: path.join(root, "notebooks", "zz-synthetic-tslab.ipynb"),
    cells: [{ cell_type: "code", source: [
      "type R = { ok: true; data: number } | { ok: false; why: string };\n",
      "const r = [{ ok: false, why: \"x\" } as R][0];\n",
      "if (!r.ok && r.why === \"x\") console.log(r.why);\n",
      "if (r.ok === false && r.why === \"x\") console.log(r.why);",
    ] }],
  };
  const problems = typecheckNotebooks([...projectNotebooks().map(readNotebook), narrowing], "tslab");
  const ours = problems.filter((p) => p.startsWith("zz-synthetic-tslab.ipynb"));
  expect(ours.length).toBeGreaterThan(0);
  expect(ours.every((p) => p.startsWith("zz-synthetic-tslab.ipynb, cell 1 (code cell 1), line 3: Property 'why' does not exist"))).toBe(true);
  expect(problems.filter((p) => !ours.includes(p)).join("\n"), "code tslab's compiler refuses").toBe("");
}, 120_000);
