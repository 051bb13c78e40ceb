/**
 * `npm run notebooks:tidy [-- --check] [notebooks/NN.ipynb ...]`
 *
 * The committed .ipynb files are the only source of each chapter, edited in JupyterLab. This keeps
 * them diffable: no outputs or execution counts, stable cell ids (existing ids are kept; missing or
 * invalid ones get an id derived from the cell's source), the project's kernelspec and language_info,
 * no editor view state in metadata, and nbformat's own JSON layout (sorted keys, 1-space indent,
 * source as a list of lines, trailing newline), so a notebook saved by JupyterLab and then tidied
 * differs from the committed one only where its content changed.
 *
 * Without --check it rewrites untidy notebooks in place (atomically); with --check it changes
 * nothing, prints each untidy notebook and what is untidy, and exits 1.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { syncSavedBlocks } from "./saved-cells";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const KERNELSPEC: JsonObject = { display_name: "TypeScript (workbook)", language: "typescript", name: "tslab-workbook" };
export const LANGUAGE_INFO: JsonObject = { file_extension: ".ts", mimetype: "text/typescript", name: "typescript" };
/** Notebook-level metadata that records an editor's state, not the notebook's content. */
const VOLATILE_NOTEBOOK_METADATA = ["vscode", "widgets", "colab", "interpreter", "orig_nbformat", "toc", "varInspector"];
/** Cell-level metadata that records a run or a view (timings, scroll, collapse), not content. */
const VOLATILE_CELL_METADATA = ["execution", "ExecuteTime", "collapsed", "scrolled", "trusted"];
const ID_PATTERN = /^[a-zA-Z0-9-_]{1,64}$/; // nbformat 4.5's rule for cell ids

export interface TidyResult {
  /** The tidy notebook text (what the file should contain). */
  text: string;
  /** What was untidy, one line each ("cell 4 (id c04): 2 outputs"); empty when already tidy. */
  problems: string[];
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Recursively sorts object keys, as nbformat writes them (json.dumps sort_keys=True). */
function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}

/** nbformat's layout of a multiline string: a list of lines, each keeping its "\n". */
function splitSource(source: Json): string[] {
  const text = Array.isArray(source) ? source.join("") : typeof source === "string" ? source : "";
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function same(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(sortKeys(a ?? null)) === JSON.stringify(sortKeys(b ?? null));
}

/** An id for a cell that has none: from its source, so it does not depend on where the cell sits. */
function derivedId(source: string[], taken: Set<string>): string {
  const base = "c" + createHash("sha1").update(source.join("")).digest("hex").slice(0, 8);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** Tidies one notebook's text; `name` only labels error messages. */
export function tidyNotebook(text: string, name = "notebook"): TidyResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: not valid JSON (${(e as Error).message}); open it in JupyterLab or restore it from git`);
  }
  if (!isObject(raw) || !Array.isArray(raw.cells) || raw.nbformat !== 4) {
    throw new Error(`${name}: not an nbformat 4 notebook (needs "nbformat": 4 and a "cells" list)`);
  }
  const problems: string[] = [];
  const nb: JsonObject = { ...raw };
  if (nb.nbformat_minor !== 5) {
    problems.push(`nbformat_minor ${JSON.stringify(nb.nbformat_minor)} (cell ids need 4.5)`);
    nb.nbformat_minor = 5;
  }

  const meta: JsonObject = isObject(nb.metadata) ? { ...nb.metadata } : {};
  if (!same(meta.kernelspec, KERNELSPEC)) problems.push(`metadata.kernelspec is not the workbook kernel (${JSON.stringify(meta.kernelspec ?? null)})`);
  if (!same(meta.language_info, LANGUAGE_INFO)) problems.push(`metadata.language_info differs (${JSON.stringify(meta.language_info ?? null)})`);
  meta.kernelspec = KERNELSPEC;
  meta.language_info = LANGUAGE_INFO;
  for (const k of VOLATILE_NOTEBOOK_METADATA) {
    if (k in meta) {
      problems.push(`metadata.${k} (editor state)`);
      delete meta[k];
    }
  }
  nb.metadata = meta;

  const cells = raw.cells as Json[];
  const taken = new Set<string>();
  const kept = cells.map((c) => (isObject(c) && typeof c.id === "string" && ID_PATTERN.test(c.id) ? c.id : null));
  const tidyCells: JsonObject[] = cells.map((c, i) => {
    if (!isObject(c) || typeof c.cell_type !== "string") throw new Error(`${name}: cell ${i} has no cell_type`);
    const cell: JsonObject = { ...c };
    let label = `cell ${i}` + (typeof c.id === "string" ? ` (id ${c.id})` : "");
    const source = splitSource(c.source);
    if (!same(c.source, source)) {
      problems.push(`${label}: source ${typeof c.source === "string" ? "stored as one string" : "split differently"}, not one "\\n"-ended line per entry`);
    }
    cell.source = source;

    // An id is kept unless it is missing, malformed or already used by an earlier cell.
    let id = kept[i];
    if (id === null || taken.has(id)) {
      const why = id === null ? (c.id === undefined ? "missing id" : `invalid id ${JSON.stringify(c.id)}`) : `duplicate id ${id}`;
      id = derivedId(source, new Set([...taken, ...kept.filter((k): k is string => k !== null)]));
      problems.push(`${label}: ${why} (now ${id})`);
      label = `cell ${i} (id ${id})`;
    }
    taken.add(id);
    cell.id = id;

    const cellMeta: JsonObject = isObject(c.metadata) ? { ...c.metadata } : {};
    if (!isObject(c.metadata)) problems.push(`${label}: no metadata object`);
    for (const k of VOLATILE_CELL_METADATA) {
      if (k in cellMeta) {
        problems.push(`${label}: metadata.${k} (run/view state)`);
        delete cellMeta[k];
      }
    }
    if (isObject(cellMeta.jupyter) && "outputs_hidden" in cellMeta.jupyter) {
      problems.push(`${label}: metadata.jupyter.outputs_hidden (view state)`);
      const { outputs_hidden: _, ...rest } = cellMeta.jupyter;
      if (Object.keys(rest).length) cellMeta.jupyter = rest;
      else delete cellMeta.jupyter;
    }
    cell.metadata = cellMeta;

    if (c.cell_type === "code") {
      const outputs = Array.isArray(c.outputs) ? c.outputs.length : 0;
      if (outputs > 0) problems.push(`${label}: ${outputs} output${outputs > 1 ? "s" : ""}`);
      if (!Array.isArray(c.outputs)) problems.push(`${label}: no outputs list`);
      if (c.execution_count !== null) problems.push(`${label}: execution_count ${JSON.stringify(c.execution_count ?? "missing")}`);
      cell.outputs = [];
      cell.execution_count = null;
    } else {
      for (const k of ["outputs", "execution_count"]) {
        if (k in cell) {
          problems.push(`${label}: ${k} on a ${c.cell_type} cell`);
          delete cell[k];
        }
      }
    }
    return cell;
  });
  nb.cells = tidyCells;

  const tidy = JSON.stringify(sortKeys(nb), null, 1) + "\n";
  if (problems.length === 0 && tidy !== text) {
    problems.push(text.replace(/\r\n/g, "\n") === tidy ? "Windows line endings" : "JSON layout (nbformat writes sorted keys, 1-space indent, a trailing newline)");
  }
  return { text: tidy, problems };
}

/** The committed notebooks: notebooks/*.ipynb under the project root. */
export function workbookNotebooks(root: string): string[] {
  const dir = path.join(root, "notebooks");
  return fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f));
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tidy-${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const unknown = argv.filter((a) => a.startsWith("-") && a !== "--check");
  if (unknown.length) {
    console.error(`notebooks:tidy: unknown option ${unknown.join(" ")} (usage: npm run notebooks:tidy [-- --check] [notebooks/NN.ipynb ...])`);
    return 2;
  }
  const root = path.resolve(__dirname, "..");
  const files = argv.filter((a) => !a.startsWith("-"));
  const targets = files.length ? files.map((f) => path.resolve(f)) : workbookNotebooks(root);
  let untidy = 0;
  for (const file of targets) {
    const rel = path.relative(process.cwd(), file);
    if (!fs.existsSync(file)) {
      console.error(`notebooks:tidy: ${rel} does not exist`);
      return 2;
    }
    const { text, problems } = tidyNotebook(fs.readFileSync(file, "utf8"), rel);
    if (problems.length === 0) continue;
    untidy++;
    console.log(`${rel}: ${check ? "not tidy" : "tidied"}`);
    for (const p of problems) console.log(`  - ${p}`);
    if (!check) writeAtomic(file, text);
  }
  // The lib copies of `//@save` cells (scripts/saved-cells.ts) follow their notebooks.
  const saved = syncSavedBlocks(root);
  for (const p of saved.problems) console.log(`${path.relative(process.cwd(), p.file === "(none)" ? path.join(root, p.notebook) : p.file)}: ${p.message}`);
  for (const [file, text] of saved.changed) {
    console.log(`${path.relative(process.cwd(), file)}: ${check ? "differs from the //@save cells of its notebook" : "rewritten from the //@save cells of its notebook"}`);
    if (!check) writeAtomic(file, text);
  }
  const drift = saved.problems.length + (check ? saved.changed.size : 0);
  if (check && (untidy || drift)) {
    console.log(`${untidy} of ${targets.length} notebooks not tidy, ${drift} //@save problem(s); run \`npm run notebooks:tidy\` to fix them`);
    return 1;
  }
  if (saved.problems.length) return 1;
  if (!untidy) console.log(`${targets.length} notebooks tidy; ${saved.blocks} //@save block(s) in lib/ match their notebooks`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
