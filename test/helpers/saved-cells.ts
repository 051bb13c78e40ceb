// The `//@save` cells of a notebook as live code, for behaviour tests that compare a notebook's
// definition with lib's (same layers, same parameter count, same output for the same weights).
import * as tf from "@tensorflow/tfjs";
import * as ts from "typescript";
import { savedCells } from "../../scripts/saved-cells";

/**
 * Transpile every `//@save` cell of `notebook` (in order, as one scope) and evaluate it with `tf`
 * and `scope` (the lib imports the cells use, by name) in scope. Returns the declared names' values.
 */
export function evalSavedCells(notebook: string, scope: Record<string, unknown> = {}): Record<string, unknown> {
  const cells = savedCells(notebook);
  if (cells.length === 0) throw new Error(`${notebook} has no //@save cells`);
  const names = cells.flatMap((c) => c.names);
  const js = ts.transpileModule(cells.map((c) => c.body).join("\n"), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None, removeComments: true },
  }).outputText;
  const values = Object.keys({ tf, ...scope }).filter((k) => !names.includes(k));
  const all = { tf, ...scope } as Record<string, unknown>;
  // Type-only declarations (interface, type) have no value: skip them in the returned object.
  const body = `${js}\nreturn { ${names.map((n) => `${n}: typeof ${n} === "undefined" ? undefined : ${n}`).join(", ")} };`;
  return new Function(...values, body)(...values.map((k) => all[k])) as Record<string, unknown>;
}
