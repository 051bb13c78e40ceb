/**
 * `//@save` cells, d2l's #@save in TypeScript: a notebook code cell whose first line is exactly
 * `//@save` holds declarations that lib/ also exports. The notebook is the source (nbdev); the lib
 * copy lives in a block of a lib file,
 *
 *     // @saved from notebooks/04-autoencoder.ipynb: edit it there, then run `npm run notebooks:tidy`
 *     export function buildEncoder(...) { ... }
 *     // @end saved
 *
 * whose text is the cells' text with `export ` before each top-level declaration. A block holds,
 * in notebook order, every `//@save` cell of its notebook that declares a name the block declares,
 * so a new cell is adopted by pasting it into a block once. `npm run notebooks:tidy` rewrites the
 * blocks from the notebooks; `--check` (and test/notebooks-tidy.test.ts) report any drift.
 */
import * as fs from "fs";
import * as path from "path";

export const SAVE_MARK = "//@save";
const BLOCK_START = /^\/\/ @saved from (\S+\.ipynb): edit it there, then run `npm run notebooks:tidy`\n/m;
const BLOCK_END = "// @end saved";
const DECLARATION = /^(?:export\s+)?(?:declare\s+)?(?:async\s+)?(function\*?|const|let|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/;

export interface SavedCell {
  /** 1-based position among all cells, as the notebook type check reports it. */
  cell: number;
  /** The cell's text without the `//@save` line. */
  body: string;
  /** Names declared at the top level of the cell. */
  names: string[];
}

export interface SavedBlock {
  file: string;
  notebook: string;
  /** Character offsets of the block's body (between the two marker lines) in the file. */
  start: number;
  end: number;
  body: string;
}

function cellSource(c: { source?: string | string[] }): string {
  return Array.isArray(c.source) ? c.source.join("") : c.source ?? "";
}

/** The `//@save` cells of a notebook file, in order. */
export function savedCells(notebook: string): SavedCell[] {
  const nb = JSON.parse(fs.readFileSync(notebook, "utf8")) as { cells: { cell_type: string; source?: string | string[] }[] };
  const out: SavedCell[] = [];
  nb.cells.forEach((c, i) => {
    const src = cellSource(c);
    if (c.cell_type !== "code" || src.split("\n")[0].trim() !== SAVE_MARK) return;
    const body = src.slice(src.indexOf("\n") + 1).replace(/\s+$/, "") + "\n";
    out.push({ cell: i + 1, body, names: declaredNames(body) });
  });
  return out;
}

/** Top-level declared names of TypeScript text (declarations start in column 0). */
export function declaredNames(text: string): string[] {
  return text.split("\n").map((l) => DECLARATION.exec(l)?.[2]).filter((n): n is string => !!n);
}

/** A cell's text as lib holds it: `export ` before each top-level declaration. */
export function exported(body: string): string {
  return body.split("\n").map((l) => (DECLARATION.test(l) && !l.startsWith("export ") && !l.startsWith("declare ") ? `export ${l}` : l)).join("\n");
}

/** Every `// @saved from` block under lib/. */
export function savedBlocks(root: string): SavedBlock[] {
  const blocks: SavedBlock[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) blocks.push(...blocksIn(p));
    }
  };
  walk(path.join(root, "lib"));
  return blocks;
}

function blocksIn(file: string): SavedBlock[] {
  const text = fs.readFileSync(file, "utf8");
  const out: SavedBlock[] = [];
  const re = new RegExp(BLOCK_START.source, "gm");
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf(`\n${BLOCK_END}`, start - 1);
    if (end < 0) throw new Error(`${file}: "// @saved from ${m[1]}" has no "${BLOCK_END}" line after it`);
    out.push({ file, notebook: m[1], start, end: end + 1, body: text.slice(start, end + 1) });
  }
  return out;
}

export interface SyncProblem { file: string; notebook: string; message: string }

/**
 * What each block should hold, from its notebook. Returns the files' new texts (only those that
 * change) and the problems (a cell no block adopts, a block whose names no cell declares).
 */
export function syncSavedBlocks(root: string): { changed: Map<string, string>; problems: SyncProblem[]; blocks: number } {
  const blocks = savedBlocks(root);
  const problems: SyncProblem[] = [];
  const texts = new Map<string, string>();
  const byNotebook = new Map<string, SavedBlock[]>();
  for (const b of blocks) byNotebook.set(b.notebook, [...(byNotebook.get(b.notebook) ?? []), b]);
  const wanted = new Map<SavedBlock, string>();
  for (const [nbRel, list] of byNotebook) {
    const nb = path.join(root, nbRel);
    if (!fs.existsSync(nb)) {
      for (const b of list) problems.push({ file: b.file, notebook: nbRel, message: `names ${nbRel}, which does not exist` });
      continue;
    }
    const cells = savedCells(nb);
    const claimed = new Set<SavedCell>();
    for (const b of list) {
      const names = new Set(declaredNames(b.body));
      const mine = cells.filter((c) => c.names.some((n) => names.has(n)));
      mine.forEach((c) => claimed.add(c));
      if (mine.length === 0) {
        problems.push({ file: b.file, notebook: nbRel, message: `no //@save cell of ${nbRel} declares ${[...names].join(", ") || "anything this block declares"}` });
        continue;
      }
      wanted.set(b, mine.map((c) => exported(c.body)).join("\n"));
    }
    for (const c of cells) {
      if (!claimed.has(c)) {
        problems.push({ file: "(none)", notebook: nbRel, message: `cell ${c.cell} is a //@save cell but no lib block holds ${c.names.join(", ") || "its code"}: paste it (with export) into a "// @saved from ${nbRel}" block` });
      }
    }
  }
  // Also report //@save cells of notebooks that no block names at all.
  const nbDir = path.join(root, "notebooks");
  for (const f of fs.readdirSync(nbDir).filter((f) => f.endsWith(".ipynb"))) {
    const rel = `notebooks/${f}`;
    if (byNotebook.has(rel)) continue;
    for (const c of savedCells(path.join(nbDir, f))) {
      problems.push({ file: "(none)", notebook: rel, message: `cell ${c.cell} is a //@save cell but no lib file has a "// @saved from ${rel}" block` });
    }
  }
  const files = [...new Set(blocks.map((b) => b.file))];
  const changed = new Map<string, string>();
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    let out = "", at = 0;
    for (const b of blocks.filter((x) => x.file === file).sort((x, y) => x.start - y.start)) {
      out += text.slice(at, b.start) + (wanted.get(b) ?? b.body);
      at = b.end;
    }
    out += text.slice(at);
    texts.set(file, out);
    if (out !== text) changed.set(file, out);
  }
  return { changed, problems, blocks: blocks.length };
}
