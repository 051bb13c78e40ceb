// One notebook cell, TypeScript -> a JavaScript function body that the worker runs
// inside `with (__scope) { ... }` so that what a cell declares persists to later cells,
// as tslab does:
//   - ts.transpileModule (types stripped, nothing type-checked), imports kept as written;
//   - top-level `const/let/var x = e` become `x = e` (the name lives on the scope object;
//     re-running a cell re-declares it, as in tslab); function and class declarations stay
//     where they are and are copied onto the scope (`__scope.f = f`);
//   - `import ... from "m"` becomes `... = await __import("m")` (top-level await is fine:
//     the body runs in an async function);
//   - a last expression statement becomes `return (expr)`: the cell's Out[n].
// Every rewrite keeps the line count, so a line of the output is the same line of the
// transpiled JS, which the source map takes back to the cell's TypeScript line.
import type * as TS from "typescript";

export interface Diagnostic {
  message: string;
  /** 1-based line and column in the cell. */
  line: number;
  col: number;
}

export interface Transformed {
  /** Function body (runs as `with (__scope) { body }` inside an async function). */
  body: string;
  /** Names the cell declares at top level (pre-created on the scope before it runs). */
  names: string[];
  /** Source map of the TypeScript -> JavaScript step (lines of `body` are lines of that JS). */
  sourceMap: string | undefined;
  /** Syntax errors: when there are any, `body` must not run. */
  diagnostics: Diagnostic[];
}

const COMPILER_OPTIONS = (ts: typeof TS): TS.CompilerOptions => ({
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  // Keep every import (a cell may import names it uses only in later cells).
  verbatimModuleSyntax: true,
  sourceMap: true,
  inlineSources: false,
  esModuleInterop: true,
  removeComments: false,
  useDefineForClassFields: true,
});

export function transformCell(ts: typeof TS, code: string, fileName = "cell.ts"): Transformed {
  const out = ts.transpileModule(code, { compilerOptions: COMPILER_OPTIONS(ts), fileName, reportDiagnostics: true });
  const diagnostics: Diagnostic[] = (out.diagnostics ?? []).map((d) => {
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
    return { message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), line: pos.line + 1, col: pos.character + 1 };
  });
  const js = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  if (diagnostics.length) return { body: "", names: [], sourceMap: out.sourceMapText, diagnostics };
  const { body, names } = rewrite(ts, js);
  return { body, names, sourceMap: out.sourceMapText, diagnostics };
}

interface Edit { start: number; end: number; text: string }

/** `text`, padded with the newlines of `original` it lacks, so lines stay where they were. */
function sameLines(text: string, original: string): string {
  const want = (original.match(/\n/g) ?? []).length;
  const have = (text.match(/\n/g) ?? []).length;
  return want > have ? text + "\n".repeat(want - have) : text;
}

function boundNames(ts: typeof TS, name: TS.BindingName, into: string[]): void {
  if (ts.isIdentifier(name)) { into.push(name.text); return; }
  for (const el of name.elements) {
    if (ts.isOmittedExpression(el)) continue;
    boundNames(ts, el.name, into);
  }
}

function hasModifier(ts: typeof TS, node: TS.Node, kind: TS.SyntaxKind): boolean {
  const mods = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return !!mods?.some((m) => m.kind === kind);
}

/** Source text of `node` without its `export` / `export default` / `declare` keywords. */
function withoutExport(ts: typeof TS, sf: TS.SourceFile, node: TS.Node): string {
  let text = node.getText(sf);
  const mods = ts.canHaveModifiers(node) ? ts.getModifiers(node) ?? [] : [];
  for (const m of mods) {
    if (m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword) {
      text = text.replace(/^\s*(export|default)\b\s*/, "");
    }
  }
  return text;
}

let importCounter = 0;

function rewrite(ts: typeof TS, js: string): { body: string; names: string[] } {
  const sf = ts.createSourceFile("cell.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: Edit[] = [];
  const names: string[] = [];
  const statements = sf.statements.filter((s) => !(ts.isExportDeclaration(s) && !s.moduleSpecifier && s.exportClause && ts.isNamedExports(s.exportClause) && s.exportClause.elements.length === 0));
  const last = statements[statements.length - 1];
  for (const st of sf.statements) {
    const start = st.getStart(sf), end = st.getEnd();
    const original = js.slice(start, end);
    const replace = (text: string) => edits.push({ start, end, text: sameLines(text, original) });
    if (ts.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as TS.StringLiteral).text;
      const clause = st.importClause;
      const call = `await __import(${JSON.stringify(spec)})`;
      if (!clause) { replace(`${call};`); continue; }
      if (clause.isTypeOnly) { replace(""); continue; }
      const parts: string[] = [];
      const tmp = `__m${importCounter++}`;
      parts.push(`const ${tmp} = ${call};`);
      if (clause.name) { names.push(clause.name.text); parts.push(`${clause.name.text} = ${tmp}.default;`); }
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) { names.push(nb.name.text); parts.push(`${nb.name.text} = ${tmp};`); }
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) {
          if (el.isTypeOnly) continue;
          const local = el.name.text, imported = (el.propertyName ?? el.name).text;
          names.push(local);
          parts.push(`${local} = ${tmp}[${JSON.stringify(imported)}];`);
        }
      }
      replace(parts.join(" "));
      continue;
    }
    if (ts.isExportDeclaration(st) || ts.isExportAssignment(st)) {
      // `export { a }` / `export default x`: nothing to export to; keep an expression's side effects.
      replace(ts.isExportAssignment(st) ? `void (${st.expression.getText(sf)});` : "");
      continue;
    }
    if (ts.isVariableStatement(st)) {
      const parts: string[] = [];
      const isVar = !(st.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const));
      for (const d of st.declarationList.declarations) {
        boundNames(ts, d.name, names);
        const target = d.name.getText(sf);
        if (d.initializer) {
          const assign = `${target} = ${d.initializer.getText(sf)}`;
          parts.push(ts.isObjectBindingPattern(d.name) ? `(${assign});` : `${assign};`);
        } else if (!isVar && ts.isIdentifier(d.name)) {
          parts.push(`${target} = undefined;`);
        }
      }
      replace(parts.join(" "));
      continue;
    }
    if (ts.isFunctionDeclaration(st) && st.name) {
      names.push(st.name.text);
      // Hoisted inside the block: copy it onto the scope first thing, on line 1 (no new line).
      edits.push({ start: 0, end: 0, text: `__scope[${JSON.stringify(st.name.text)}] = ${st.name.text}; ` });
      if (hasModifier(ts, st, ts.SyntaxKind.ExportKeyword)) replace(withoutExport(ts, sf, st));
      continue;
    }
    if (ts.isClassDeclaration(st) && st.name) {
      names.push(st.name.text);
      replace(`${withoutExport(ts, sf, st)} __scope[${JSON.stringify(st.name.text)}] = ${st.name.text};`);
      continue;
    }
    if (st === last && ts.isExpressionStatement(st)) {
      const expr = st.expression.getText(sf);
      replace(`return (${expr});`);
      continue;
    }
  }
  // Apply from the end so earlier offsets stay valid; inserts at 0 keep their order.
  const inserts = edits.filter((e) => e.start === 0 && e.end === 0);
  const rest = edits.filter((e) => !(e.start === 0 && e.end === 0)).sort((a, b) => b.start - a.start);
  let body = js;
  for (const e of rest) body = body.slice(0, e.start) + e.text + body.slice(e.end);
  body = inserts.map((e) => e.text).join("") + body;
  return { body, names: [...new Set(names)] };
}

/** Length of what rewrite() may put before the first line's text (column shift of line 1). */
export function lineOnePrefix(body: string, js: string): number {
  const firstBody = body.split("\n", 1)[0], firstJs = js.split("\n", 1)[0];
  return firstBody.endsWith(firstJs) ? firstBody.length - firstJs.length : 0;
}
