// Type checks of notebook code. tslab compiles cells (and the lib/ files they
// import) with its own, non-strict TypeScript, so nothing else checks the code
// learners read. Each notebook's code cells become ONE in-memory module, in
// cell order, placed in notebooks/ so `./lib/...` imports resolve exactly as in
// the kernel; all notebooks share one Program (lib/ and tfjs types parsed once).
//  - "strict": the project's tsconfig (strict) — the notebooks' code quality;
//  - "tslab":  tslab's own TypeScript with tslab's options — code that is fine
//    under strict but that tslab refuses (e.g. `!r.ok && r.why` does not
//    narrow a union without strictNullChecks) fails here, not in a kernel.
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";

export const root = path.resolve(__dirname, "..", "..");

export interface NotebookCell { cell_type: string; source: string | string[] }
export interface NotebookSource {
  /** The .ipynb path (absolute); it need not exist when `cells` are given. */
  file: string;
  cells: NotebookCell[];
}

interface CellSpan { cell: number; codeCell: number; firstLine: number; lines: number }

/** The notebook's code cells joined into one module, and where each cell starts (0-based lines). */
export function notebookModule(nb: NotebookSource): { text: string; spans: CellSpan[] } {
  const out: string[] = [];
  const spans: CellSpan[] = [];
  let codeCell = 0;
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== "code") return;
    codeCell++;
    const src = Array.isArray(c.source) ? c.source.join("") : c.source;
    const lines = src.split("\n");
    // An empty statement between cells: a cell that ends without `;` must not
    // run on into the next one, exactly as separately compiled cells would not.
    out.push(`; // cell ${i + 1}`);
    spans.push({ cell: i + 1, codeCell, firstLine: out.length, lines: lines.length });
    out.push(...lines);
  });
  // Top-level await needs a module; a notebook without imports would be a script.
  out.push("export {};");
  return { text: out.join("\n") + "\n", spans };
}

/**
 * The project's strict compiler options, with what tslab provides: top-level
 * await (a cell may `await` at top level, so the module kind must allow it).
 * Everything else a cell uses (tslab's display API through lib/display.ts,
 * Node's `process`, `require`) has real declarations in node_modules.
 */
export function notebookCompilerOptions(): ts.CompilerOptions {
  const configPath = path.join(root, "tsconfig.json");
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(`notebook typecheck: cannot read ${configPath}: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root);
  return { ...parsed.options, module: ts.ModuleKind.ES2022, noEmit: true };
}

const virtualName = (file: string) => path.join(root, "notebooks", path.basename(file) + ".ts");

/** Type-check notebooks strictly; returns `notebook, cell N (code cell K), line L: message` lines (empty = clean). */
export function typecheckNotebooks(notebooks: NotebookSource[], compiler: "strict" | "tslab" = "strict"): string[] {
  if (compiler === "tslab") return tslabCheck(notebooks);
  const { program, modules } = notebookProgram(ts, notebookCompilerOptions(), notebooks);
  const problems = program.getOptionsDiagnostics().concat(program.getGlobalDiagnostics())
    .map((d) => `compiler options: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  for (const [name, m] of modules) {
    const sf = program.getSourceFile(name);
    if (!sf) throw new Error(`notebook typecheck: ${name} was not compiled`);
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    for (const d of diags) {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
      const span = m.spans.find((s) => line >= s.firstLine && line < s.firstLine + s.lines);
      const where = span ? `cell ${span.cell} (code cell ${span.codeCell}), line ${line - span.firstLine + 1}` : `line ${line + 1} of the joined cells`;
      problems.push(`${path.basename(m.nb.file)}, ${where}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n  ")}`);
    }
  }
  return problems;
}

type TS = typeof ts;

/** A program over the notebooks (each one virtual module, notebooks/<name>.ipynb.ts) and what they import. */
function notebookProgram(t: TS, options: ts.CompilerOptions, notebooks: NotebookSource[]) {
  const modules = new Map(notebooks.map((nb) => [virtualName(nb.file), { nb, ...notebookModule(nb) }]));
  const host = t.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => modules.has(path.resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => modules.get(path.resolve(f))?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const m = modules.get(path.resolve(f));
    return m ? t.createSourceFile(f, m.text, lang, true, t.ScriptKind.TS) : getSourceFile.call(host, f, lang, onError, create);
  };
  return { program: t.createProgram([...modules.keys()], options, host), modules };
}

/** The compiler options tslab's converter uses (node_modules/tslab/dist/converter.js). */
function tslabOptions(t: TS): ts.CompilerOptions {
  return {
    module: t.ModuleKind.ESNext, moduleResolution: t.ModuleResolutionKind.Node10, esModuleInterop: true,
    target: t.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], declaration: true, noEmit: true,
    experimentalDecorators: true, resolveJsonModule: true, skipLibCheck: true,
  };
}

/** Compile with tslab's own TypeScript: errors in the notebooks and in every project file they import. */
function tslabCheck(notebooks: NotebookSource[]): string[] {
  const t = require(require.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(require.resolve("tslab/package.json"))] })) as TS;
  const { program, modules } = notebookProgram(t, tslabOptions(t), notebooks);
  const problems: string[] = [];
  for (const sf of program.getSourceFiles()) {
    if (sf.fileName.includes("/node_modules/") || sf.isDeclarationFile) continue;
    const m = modules.get(path.resolve(sf.fileName));
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
      const msg = t.flattenDiagnosticMessageText(d.messageText, "\n  ");
      const span = m?.spans.find((s) => line >= s.firstLine && line < s.firstLine + s.lines);
      if (m) problems.push(`${path.basename(m.nb.file)}, ${span ? `cell ${span.cell} (code cell ${span.codeCell}), line ${line - span.firstLine + 1}` : `line ${line + 1}`}: ${msg}`);
      else problems.push(`${path.relative(root, fs.realpathSync(sf.fileName))}:${line + 1}: ${msg}`);
    }
  }
  return problems;
}

/** Read a committed notebook. */
export function readNotebook(file: string): NotebookSource {
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as { cells?: NotebookCell[] };
  if (!Array.isArray(json.cells)) throw new Error(`${file}: not a notebook (no "cells" array)`);
  return { file, cells: json.cells };
}

/** Every notebook in notebooks/, in order. */
export function projectNotebooks(): string[] {
  const dir = path.join(root, "notebooks");
  return fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f));
}
