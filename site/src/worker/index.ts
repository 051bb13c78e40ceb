// The browser kernel's Web Worker: TypeScript cells are transpiled here (the typescript
// package's own ts.transpileModule, loaded with importScripts) and run here, against the
// lib/ bundle (./modules), so a long cell never freezes the page and Kernel → Interrupt can
// stop it by ending this worker. Messages: see ../kernel/protocol.ts.
import type * as TS from "typescript";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { LIB, PACKAGES, tf } from "./modules";
import { transformCell } from "./transform";
import { SourceMap } from "./sourcemap";
import { formatArgs, inspect } from "./format";
import { process } from "../shims/process";
import { vfs } from "../shims/fs";
import type { FromWorker, InitMessage, ToWorker } from "../kernel/protocol";

declare const ts: typeof TS;
declare function importScripts(...urls: string[]): void;

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

let siteUrl = ""; // the site's root URL, with a trailing slash
/** The cell running now, else the one that ran last: where console output and displays go. */
let currentExec = 0;
let runningExec: number | null = null;

// ---- displays: lib/display.ts and "tslab" both write through here -------------------

interface DisplayMessage { data: Record<string, string>; metadata: Record<string, unknown>; transient: { display_id?: string } }

function writeDisplayData(msg: DisplayMessage, update: boolean): void {
  post({ type: "display", exec: currentExec, data: msg.data, metadata: msg.metadata ?? {}, transient: msg.transient ?? {}, update });
}

const jupyterBridge = { lastWriteDisplayData: writeDisplayData };

let displayCounter = 0;
function base64(b: Uint8Array | string): string {
  if (typeof b === "string") return b;
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

function makeDisplay(id?: string) {
  let shown = false;
  const emit = (data: Record<string, string>) => {
    const update = !!id && shown;
    shown = true;
    writeDisplayData({ data, metadata: {}, transient: id ? { display_id: id } : {} }, update);
  };
  return {
    javascript: (s: string) => emit({ "application/javascript": s }),
    html: (s: string) => emit({ "text/html": s }),
    markdown: (s: string) => emit({ "text/markdown": s }),
    latex: (s: string) => emit({ "text/latex": s }),
    svg: (s: string) => emit({ "image/svg+xml": s }),
    png: (b: Uint8Array) => emit({ "image/png": base64(b) }),
    jpeg: (b: Uint8Array) => emit({ "image/jpeg": base64(b) }),
    gif: (b: Uint8Array) => emit({ "image/gif": base64(b) }),
    pdf: (b: Uint8Array) => emit({ "application/pdf": base64(b) }),
    text: (s: string) => emit({ "text/plain": s }),
    raw: (contentType: string, b: string | Uint8Array) => emit({ [contentType]: base64(b) }),
  };
}

/** `import * as tslab from "tslab"` in a cell: tslab's public display API. */
const tslabModule = {
  versions: { tslab: "browser", typescript: "", node: "" },
  display: makeDisplay(),
  newDisplay: () => makeDisplay(`gdl-tslab-${Date.now()}-${displayCounter++}`),
};

// ---- require(): lib's few run-time requires (display.ts finds tslab's writer by path) ----

function notFound(id: string): Error {
  return Object.assign(new Error(`Cannot find module '${id}' (in the browser workbook)`), { code: "MODULE_NOT_FOUND" });
}

const SITE_FILES: Record<string, string> = {
  "tslab/package.json": "node_modules/tslab/package.json",
  "plotly.js-dist-min/plotly.min.js": "build/kernel/plotly.min.js",
};

function requireShim(id: string): unknown {
  if (/(^|\/)tslab\/dist\/jupyter(\.js)?$/.test(id)) return jupyterBridge;
  if (id === "tslab") return tslabModule;
  if (id in PACKAGES) return PACKAGES[id];
  throw notFound(id);
}
requireShim.resolve = (id: string): string => {
  if (id in SITE_FILES) return new URL(SITE_FILES[id], siteUrl).href;
  throw notFound(id);
};

// ---- console: stdout / stderr streams of the running cell --------------------------

function hookConsole(): void {
  const out = (name: "stdout" | "stderr") => (...args: unknown[]) => {
    post({ type: "stream", exec: currentExec, name, text: `${formatArgs(args)}\n` });
  };
  const c = self.console as unknown as Record<string, unknown>;
  c.log = c.info = c.debug = out("stdout");
  c.warn = c.error = c.trace = out("stderr");
}

// ---- imports of cells --------------------------------------------------------------

function libKey(spec: string): string | null {
  const m = /^\.\/lib\/(.+?)(\.ts|\.js)?$/.exec(spec);
  return m ? m[1] : null;
}

async function importModule(spec: string): Promise<unknown> {
  if (spec in PACKAGES) return PACKAGES[spec];
  if (spec === "tslab") return tslabModule;
  const key = libKey(spec);
  if (key !== null) {
    if (key in LIB) return LIB[key];
    throw Object.assign(new Error(
      `Cannot find module '${spec}' in the browser workbook. The browser workbook carries the lib/ modules notebooks 00-05 and 07 use ` +
        `(${Object.keys(LIB).map((k) => `./lib/${k}`).join(", ")}); run the other notebooks in JupyterLab (npm start).`,
    ), { name: "ModuleNotFound" });
  }
  throw Object.assign(new Error(
    `Cannot find module '${spec}' in the browser workbook: cells can import @tensorflow/tfjs, tslab and ./lib/... modules.`,
  ), { name: "ModuleNotFound" });
}

// ---- errors with TypeScript positions ---------------------------------------------

interface CellInfo { count: number; code: string[]; map: SourceMap | null; shift: number }
const cells = new Map<string, CellInfo>();
let cellUid = 0;
let bundleMap: SourceMap | null | undefined;

function runtimeMap(): SourceMap | null {
  if (bundleMap !== undefined) return bundleMap;
  bundleMap = null;
  try {
    const xhr = new XMLHttpRequest();
    xhr.open("GET", `${self.location.href.replace(/[?#].*$/, "")}.map`, false);
    xhr.send();
    if (xhr.status === 200) bundleMap = new SourceMap(xhr.responseText);
  } catch { /* no map: frames keep their bundle positions */ }
  return bundleMap;
}

interface Frame { kind: "cell" | "lib" | "package" | "other"; where: string; source?: string | null; pkg?: string; fn: string }

function cellPosition(info: CellInfo, line: number, col: number): { where: string; source: string | null } {
  const c = line === 1 ? Math.max(1, col - info.shift) : col;
  const o = info.map?.original(line, c);
  const l = o?.line ?? line, k = o?.col ?? c;
  const src = info.code[l - 1];
  return { where: `cell [${info.count}]:${l}:${k}`, source: src !== undefined ? src.trim() || null : null };
}

function parseFrame(text: string): Frame | null {
  const m = /^\s*at (?:(async )?(.*?) \()?(.*?):(\d+):(\d+)\)?\s*$/.exec(text);
  if (!m) return null;
  const fn = (m[2] ?? "").replace(/^eval$/, "");
  const url = m[3], line = Number(m[4]), col = Number(m[5]);
  const cell = /gdlcell-(\d+)\.js$/.exec(url);
  if (cell) {
    const info = cells.get(cell[1]);
    if (!info) return null;
    const p = cellPosition(info, line, col);
    return { kind: "cell", where: p.where, source: p.source, fn };
  }
  if (/kernel-runtime\.js$/.test(url)) {
    const o = runtimeMap()?.original(line, col);
    if (o) {
      const file = o.source.replace(/^(\.\.\/)+/, "").replace(/^.*?node_modules\//, "node_modules/");
      if (/^site\//.test(file)) return null; // the kernel's own frames (running the cell)
      const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
      if (pkg) return { kind: "package", where: `${file}:${o.line}:${o.col}`, pkg, fn };
      return { kind: /^lib\//.test(file) ? "lib" : "other", where: `${file}:${o.line}:${o.col}`, fn };
    }
    return { kind: "other", where: `kernel-runtime.js:${line}:${col}`, fn };
  }
  return { kind: "other", where: `${url}:${line}:${col}`, fn };
}

function errorName(e: unknown): string {
  const err = e as { name?: string; constructor?: { name?: string } };
  const ctor = err?.constructor?.name;
  return err?.name && err.name !== "Error" ? String(err.name) : ctor && ctor !== "Object" ? ctor : "Error";
}

/** Jupyter's error content for `e`: the learner's own line first, library frames folded. */
function errorContent(e: unknown): { ename: string; evalue: string; traceback: string[] } {
  if (!(e instanceof Error)) {
    const v = inspect(e);
    return { ename: "Error", evalue: v, traceback: [`Uncaught ${v}`] };
  }
  const ename = errorName(e), evalue = e.message;
  const lines = (e.stack ?? "").split("\n");
  const frames: Frame[] = [];
  for (const l of lines) {
    if (!/^\s+at /.test(l)) continue;
    const f = parseFrame(l);
    if (f) frames.push(f);
  }
  const out: string[] = [`${ename}: ${evalue}`];
  const mine = frames.findIndex((f) => f.kind === "cell");
  if (mine >= 0) {
    out.push(`--> ${frames[mine].where}`);
    if (frames[mine].source) out.push(`    ${frames[mine].source}`);
  }
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (f.kind === "package") {
      let j = i;
      const pkgs = new Set<string>();
      while (j < frames.length && frames[j].kind === "package") pkgs.add(frames[j++].pkg!);
      out.push(`    … ${j - i} frame${j - i === 1 ? "" : "s"} in ${[...pkgs].join(", ")}`);
      i = j - 1;
      continue;
    }
    out.push(`    at ${f.fn ? `${f.fn} (${f.where})` : f.where}`);
  }
  if (e.cause !== undefined) out.push(`Caused by: ${e.cause instanceof Error ? `${errorName(e.cause)}: ${e.cause.message}` : inspect(e.cause)}`);
  return { ename, evalue, traceback: out };
}

// ---- results ------------------------------------------------------------------------

const DISPLAY_SYMBOL = Symbol.for("Jupyter.display");

function mimeBundle(value: unknown): Record<string, string> {
  try {
    const v = value as Record<string | symbol, unknown>;
    if (v && typeof v[DISPLAY_SYMBOL] === "function") {
      const b = (v[DISPLAY_SYMBOL] as () => Record<string, string>)();
      if (b && typeof b === "object") return { ...b, "text/plain": typeof b["text/plain"] === "string" ? b["text/plain"] : inspect(value) };
    }
    if (value instanceof tf.Tensor) return { "text/plain": value.toString() };
    return { "text/plain": inspect(value) };
  } catch (e) {
    return { "text/plain": `[value could not be shown: ${(e as Error)?.message}]` };
  }
}

// ---- running a cell ------------------------------------------------------------------

const scope: Record<string, unknown> = Object.create(null);
const HEADER = "(async function (__scope, __import) { with (__scope) { ";

async function execute(exec: number, code: string, count: number): Promise<void> {
  currentExec = exec;
  runningExec = exec;
  const uid = String(++cellUid);
  try {
    const t = transformCell(ts, code, `cell-${count}.ts`);
    const info: CellInfo = { count, code: code.split("\n"), map: t.sourceMap ? new SourceMap(t.sourceMap) : null, shift: HEADER.length };
    cells.set(uid, info);
    if (t.diagnostics.length) {
      const d = t.diagnostics[0];
      const src = info.code[d.line - 1] ?? "";
      post({
        type: "done", exec, status: "error", ename: "SyntaxError", evalue: d.message,
        traceback: [`SyntaxError: ${d.message}`, `--> cell [${count}]:${d.line}:${d.col}`, `    ${src}`, `    ${" ".repeat(Math.max(0, d.col - 1))}^`,
          ...t.diagnostics.slice(1).map((x) => `    and at cell [${count}]:${x.line}:${x.col}: ${x.message}`)],
      });
      return;
    }
    info.shift = HEADER.length + lineOneShift(t.body);
    for (const n of t.names) if (!(n in scope)) scope[n] = undefined;
    const src = `${HEADER}${t.body}\n} })\n//# sourceURL=gdlcell-${uid}.js`;
    const fn = (0, eval)(src) as (s: Record<string, unknown>, imp: (spec: string) => Promise<unknown>) => Promise<unknown>;
    const value = await fn(scope, importModule);
    if (value !== undefined) post({ type: "result", exec, data: mimeBundle(value), metadata: {} });
    post({ type: "done", exec, status: "ok" });
  } catch (e) {
    post({ type: "done", exec, status: "error", ...errorContent(e) });
  } finally {
    runningExec = null;
  }
}

/** What rewrite() put before line 1's own text (hoisted function copies): shifts line 1's columns. */
function lineOneShift(body: string): number {
  const m = /^((?:__scope\["[^"]*"\] = [\w$]+; )*)/.exec(body);
  return m ? m[1].length : 0;
}

// ---- completion: names in scope, and members of a dotted name --------------------

function complete(code: string, cursor: number): { matches: string[]; start: number; end: number } {
  const before = code.slice(0, cursor);
  const m = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.?([A-Za-z_$][\w$]*)?$/.exec(before);
  if (!m) return { matches: [], start: cursor, end: cursor };
  const dotted = before.endsWith(".") ? m[1] : m[1].includes(".") ? m[1].slice(0, m[1].lastIndexOf(".")) : "";
  const prefix = before.endsWith(".") ? "" : (m[2] ?? (m[1].includes(".") ? m[1].slice(m[1].lastIndexOf(".") + 1) : m[1]));
  let names: string[];
  if (dotted) {
    let obj: unknown = dotted.split(".").reduce<unknown>((o, k, i) => (i === 0 ? (k in scope ? scope[k] : (self as unknown as Record<string, unknown>)[k]) : (o as Record<string, unknown> | undefined)?.[k]), undefined);
    const seen = new Set<string>();
    for (; obj !== null && obj !== undefined && obj !== Object.prototype; obj = Object.getPrototypeOf(obj)) {
      for (const k of Object.getOwnPropertyNames(obj)) if (!k.startsWith("_") && k !== "constructor") seen.add(k);
    }
    names = [...seen];
  } else {
    names = [...Object.keys(scope), ...Object.getOwnPropertyNames(self)];
  }
  const matches = [...new Set(names.filter((n) => n.startsWith(prefix)))].sort();
  return { matches, start: cursor - prefix.length, end: cursor };
}

// ---- start -----------------------------------------------------------------------------

async function init(m: InitMessage): Promise<void> {
  siteUrl = m.siteUrl;
  importScripts(m.typescriptUrl);
  (self as unknown as Record<string, unknown>).require = requireShim;
  Object.assign(process.env, m.env);
  vfs.list(m.siteFiles.map((f) => new URL(f, siteUrl).href));
  setWasmPaths(m.wasmUrl);
  hookConsole();
  self.addEventListener("unhandledrejection", (ev) => {
    ev.preventDefault();
    const c = errorContent(ev.reason);
    post({ type: "stream", exec: currentExec, name: "stderr", text: `${runningExec === null ? "Work a cell started and did not await failed later:\n" : ""}${c.traceback.join("\n")}\n` });
  });
  self.addEventListener("error", (ev) => {
    ev.preventDefault();
    const c = errorContent(ev.error ?? ev.message);
    post({ type: "stream", exec: currentExec, name: "stderr", text: `${c.traceback.join("\n")}\n` });
  });
  post({ type: "ready", typescript: ts.version });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === "init") {
    init(m).catch((e) => post({ type: "init-error", message: `${(e as Error)?.message ?? e}` }));
  } else if (m.type === "execute") {
    void execute(m.exec, m.code, m.count);
  } else if (m.type === "complete") {
    post({ type: "complete-reply", id: m.id, ...complete(m.code, m.cursor) });
  }
};
