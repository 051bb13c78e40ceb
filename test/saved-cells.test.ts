import { describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { declaredNames, exported, syncSavedBlocks } from "../scripts/saved-cells";
import { evalSavedCells } from "./helpers/saved-cells";

// d2l's #@save: the notebook is the source of the lib copy of its //@save cells (scripts/saved-cells.ts).
const root = path.resolve(__dirname, "..");

function project(cells: string[], lib: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-saved-"));
  fs.mkdirSync(path.join(dir, "notebooks"));
  fs.mkdirSync(path.join(dir, "lib"));
  const nb = { cells: cells.map((source) => ({ cell_type: "code", source, metadata: {}, outputs: [], execution_count: null })), metadata: {}, nbformat: 4, nbformat_minor: 5 };
  fs.writeFileSync(path.join(dir, "notebooks", "01-x.ipynb"), JSON.stringify(nb));
  fs.writeFileSync(path.join(dir, "lib", "x.ts"), lib);
  return dir;
}
const HEAD = "// @saved from notebooks/01-x.ipynb: edit it there, then run `npm run notebooks:tidy`\n";
const END = "// @end saved\n";
const cellA = "//@save\n/** Twice x. */\nfunction double(x: number): number {\n  return 2 * x;\n}";
const cellB = "//@save\nconst HALF = 0.5;";

describe("//@save blocks follow their notebook", () => {
  it("the workbook's blocks match their notebooks, and every //@save cell has a block", () => {
    const r = syncSavedBlocks(root);
    expect(r.problems.map((p) => `${p.file}: ${p.message}`)).toEqual([]);
    expect([...r.changed.keys()].map((f) => path.relative(root, f))).toEqual([]);
  });

  it("rewrites a block from its cells (with export), and reports a drifted block", () => {
    const lib = `import * as tf from "x";\n${HEAD}export function double(x: number): number {\n  return 3 * x;\n}\n${END}export const other = 1;\n`;
    const dir = project(["const a = 1;", cellA], lib);
    const r = syncSavedBlocks(dir);
    expect(r.problems).toEqual([]);
    expect(r.changed.get(path.join(dir, "lib", "x.ts"))).toBe(
      `import * as tf from "x";\n${HEAD}/** Twice x. */\nexport function double(x: number): number {\n  return 2 * x;\n}\n${END}export const other = 1;\n`);
  });

  it("a block adopts every cell that declares one of its names, in notebook order", () => {
    const dir = project([cellB, "1 + 1", cellA], `${HEAD}export const HALF = 0.5;\nexport function double() {}\n${END}`);
    const out = syncSavedBlocks(dir).changed.get(path.join(dir, "lib", "x.ts"))!;
    expect(out).toBe(`${HEAD}export const HALF = 0.5;\n\n/** Twice x. */\nexport function double(x: number): number {\n  return 2 * x;\n}\n${END}`);
  });

  it("names a //@save cell that no block holds, and a block whose names no cell declares", () => {
    const dir = project([cellA], `${HEAD}export const GONE = 1;\n${END}`);
    const msgs = syncSavedBlocks(dir).problems.map((p) => p.message);
    expect(msgs).toEqual(expect.arrayContaining([
      expect.stringMatching(/no \/\/@save cell of notebooks\/01-x.ipynb declares GONE/),
      expect.stringMatching(/cell 1 is a \/\/@save cell but no lib block holds double/),
    ]));
  });

  it("declaredNames / exported see top-level declarations only", () => {
    const text = "function f() {\n  const inner = 1;\n}\nconst K = 2;\ninterface I { a: number }\ntype T = number;\nasync function g() {}";
    expect(declaredNames(text)).toEqual(["f", "K", "I", "T", "g"]);
    expect(exported(text)).toBe("export function f() {\n  const inner = 1;\n}\nexport const K = 2;\nexport interface I { a: number }\nexport type T = number;\nexport async function g() {}");
  });

  it("evalSavedCells runs a notebook's //@save cells with the scope given", () => {
    const dir = project([cellB, "//@save\ninterface P { x: number }\nfunction scaled(p: P): number {\n  return double(p.x) * HALF * K;\n}"], "");
    const v = evalSavedCells(path.join(dir, "notebooks", "01-x.ipynb"), { double: (x: number) => 2 * x, K: 10 });
    expect((v.scaled as (p: { x: number }) => number)({ x: 3 })).toBe(30);
    expect(v.HALF).toBe(0.5);
  });
});
