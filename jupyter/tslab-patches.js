// Jupyter protocol fixes for tslab 1.0.22, applied by jupyter/kernel.js before
// startKernel(). tslab's own code stays in node_modules; we only replace a few
// prototype methods and wrap two factory exports (main.js reads them at call
// time, so wrapping the export object is enough). See README, "Kernel".
//
// What tslab gets wrong, and what each patch below does about it:
//  - execute_reply/error carried no ename/evalue/traceback (the text went to
//    stderr): the executor's error path is captured and turned into a proper
//    `error` message and reply (TypeScript diagnostics included).
//  - the last expression was console.log'ed: it becomes execute_result.
//  - no execute_input, execution_count ignored silent/store_history.
//  - kernel_info_reply/shutdown_reply lacked `status`, comm_info_reply had the
//    wrong msg_type, history_request went unanswered, aborted replies said "abort".
//  - tracebacks pointed into compiled JS ("evalmachine.<anonymous>:9:22"):
//    frames now give the cell's (or lib/*.ts file's) TypeScript line:column.
//  - SIGINT only stopped *waiting* for an async cell; the cell kept running.
//    Now the interrupted cell's timers never fire again, so an awaiting loop
//    stops at its next timer/setImmediate.
//  - an error thrown later by work a cell started (a timer, an un-awaited
//    promise) went to stderr of whichever cell ran last, and nothing failed.
//    Now it shows under the cell that started the work, fails that cell if it
//    is still running, else fails the next execute_request naming it.
//  - more than 512 messages in one synchronous burst (zeromq 6's limit) made the
//    next send throw "Socket is busy writing": each socket's sends now queue.
"use strict";
const fs = require("fs");
const path = require("path");
const util = require("util");
const vm = require("vm");
const timers = require("timers");
const { AsyncLocalStorage } = require("async_hooks");

const DISPLAY_SYMBOL = Symbol.for("Jupyter.display"); // Deno's convention for rich results

/** The tslab these patches were written against (package.json pins it). */
const TSLAB_VERSION = "1.0.22";
// tslab's cell wrapper (executor.js), copied: we recognise cell code by it and map positions through it.
const TSLAB_CELL_PREFIX = "(function(exports, require) { ";
const TSLAB_ASYNC_CELL_PREFIX = "(async function(exports, require) { ";
const TSLAB_CELL_SUFFIX = "\n})(__tslab__.exports, __tslab__.require)";

const rawSetTimeout = setTimeout; // before patchInterrupts() wraps them
const rawSetImmediate = setImmediate;

/** The running cell's context; async work started by the cell inherits it. */
const cellContext = new AsyncLocalStorage();
let enteringCell = null; // context to attach to the next tslab vm.runInThisContext
let runningCell = null; // context of the cell being executed now
let lastCell = null; // context of the cell that ran last
/** Errors from work of cells that had finished, not yet reported by an execute_reply. */
const pendingAsyncErrors = [];
/** setTimeout/setImmediate handles that cells created and that have neither run nor been cleared. */
const liveTimers = new Map();

function apply(projectRoot) {
  const dist = path.join(projectRoot, "node_modules", "tslab", "dist");
  const tslab = loadTslab(dist);
  const { jupyter, executor: executorMod, util: tslabUtil } = tslab;
  if (jupyter.__gdlPatched) return;
  const problems = tslabMismatches(tslab);
  if (problems.length) throw new TslabMismatch(dist, tslab.version, problems);
  jupyter.__gdlPatched = true;
  const versions = { tslab: tslab.version, typescript: readVersion(path.join(dist, ".."), "@tslab/typescript-for-tslab") };
  tsc = tslab.typescript;
  patchExecutor(executorMod);
  patchHandler(jupyter, tslabUtil, versions);
  patchServer(jupyter);
  patchInterrupts();
  patchProcessHandlers(tslab.main);
  globalThis[Symbol.for("gdl.kernel")] = { settle };
}

/** tslab's modules that the patches touch, and its version. */
function loadTslab(dist) {
  return {
    version: require(path.join(dist, "..", "package.json")).version,
    jupyter: require(path.join(dist, "jupyter.js")),
    executor: require(path.join(dist, "executor.js")),
    converter: require(path.join(dist, "converter.js")),
    util: require(path.join(dist, "util.js")),
    main: require(path.join(dist, "main.js")),
    typescript: require(require.resolve("@tslab/typescript-for-tslab", { paths: [dist] })),
  };
}

class TslabMismatch extends Error {
  constructor(dist, version, problems) {
    super([
      `jupyter/tslab-patches.js refuses to patch the tslab in ${path.dirname(dist)} (version ${version}): ` +
        "what the patches rely on has changed, and the kernel would misbehave in ways learners see.",
      ...problems.map((p) => `  - ${p}`),
      `Fix: \`npm ci\` installs the pinned tslab ${TSLAB_VERSION}. To move to another tslab, check each patch in ` +
        "jupyter/tslab-patches.js against it, then update TSLAB_VERSION there. GDL_TSLAB_PATCHES=0 starts stock tslab without the patches.",
    ].join("\n"));
    this.name = "TslabMismatch";
    this.problems = problems;
  }
}

/**
 * What differs from the tslab these patches were written for: [] when nothing.
 * Checks the version and every internal we replace, wrap or copy (methods,
 * the fields they use, the cell wrapper literals, how results reach us).
 */
function tslabMismatches(t) {
  const problems = [];
  const need = (ok, what) => { if (!ok) problems.push(what); };
  const src = (f) => (typeof f === "function" ? Function.prototype.toString.call(f) : "");
  const methods = (file, cls, names) => {
    const proto = cls && cls.prototype;
    if (!proto) return problems.push(`${file}: class is missing`);
    for (const m of names) need(typeof proto[m] === "function", `${file}: ${m}() is missing`);
  };
  need(t.version === TSLAB_VERSION, `tslab version is ${t.version}; the patches were written for ${TSLAB_VERSION}`);

  const J = t.jupyter || {};
  methods("jupyter.js JupyterHandlerImpl", J.JupyterHandlerImpl,
    ["handleKernel", "handleExecute", "handleExecuteImpl", "createWriteToIopub", "handleShutdown"]);
  const handler = src(J.JupyterHandlerImpl);
  need(/this\.execQueue = new \w+\.TaskQueue\(\)/.test(handler), "jupyter.js JupyterHandlerImpl: no longer keeps its execute queue in this.execQueue (a TaskQueue)");
  need(/this\.executor = executor/.test(handler), "jupyter.js JupyterHandlerImpl: no longer keeps the executor in this.executor");
  need(/this\.execCount = 0/.test(handler), "jupyter.js JupyterHandlerImpl: no longer counts executions in this.execCount");
  need(/createWriteToIopub\(name, writeStream\)[\s\S]*writeStream\(name, text\)/.test(handler), "jupyter.js JupyterHandlerImpl: createWriteToIopub(name, writeStream) no longer forwards text to writeStream(name, text)");
  need("lastWriteDisplayData" in J, "jupyter.js: no longer exports lastWriteDisplayData (lib/display.ts and tslab.display read it)");
  methods("jupyter.js ZmqServer", J.ZmqServer,
    ["handleExecute", "handleCommInfoRequest", "publishStatus", "handleShellMessage", "handleKernelInfo"]);
  const server = src(J.ZmqServer);
  need(/ZmqMessage\.fromRaw\(this\.connInfo\.key, args\)/.test(server), "jupyter.js ZmqServer: handleShellMessage no longer parses frames with ZmqMessage.fromRaw(this.connInfo.key, ...)");
  need(/publishStatus\(status, parent\)[\s\S]*parent\.createReply\(\)/.test(server), "jupyter.js ZmqServer: publishStatus(status, parent) no longer replies to a parsed message");
  need(/signAndSend\(this\.connInfo\.key, this\.iopub\)/.test(server), "jupyter.js ZmqServer: no longer publishes on this.iopub with this.connInfo.key");

  const exec = src(t.executor && t.executor.createExecutor);
  need(exec, "executor.js: createExecutor() is missing");
  for (const lit of [TSLAB_CELL_PREFIX, TSLAB_ASYNC_CELL_PREFIX, TSLAB_CELL_SUFFIX]) {
    need(exec.includes(JSON.stringify(lit)), `executor.js: cells are no longer wrapped in ${JSON.stringify(lit)}`);
  }
  need(/runInThisContext\(wrapped, \{\s*breakOnSigint: true,?\s*\}\)/.test(exec), "executor.js: cells no longer run through vm.runInThisContext(wrapped, { breakOnSigint: true })");
  need(exec.includes("Promise.race([promise, interruptPromise])"), "executor.js: an async cell is no longer raced against interruptPromise");
  need(exec.includes('new Error("Interrupted asynchronously")'), 'executor.js: an interrupt no longer rejects with Error("Interrupted asynchronously")');
  need(exec.includes("convs.node.convert(prevDecl, src)"), "executor.js: cells are no longer compiled by convs.node.convert(prevDecl, src)");
  need(/console\.log\(ret\)/.test(exec) && /console\.error\(e\)/.test(exec), "executor.js: the last value and thrown errors no longer reach console.log(ret) / console.error(e)");
  need(/interrupt,/.test(exec) && /execute,/.test(exec), "executor.js: the executor no longer exposes execute and interrupt");
  const conv = src(t.converter && t.converter.createConverter);
  for (const field of ["output", "diagnostics", "sideOutputs", "hasToplevelAwait", "lastExpressionVar"]) {
    need(new RegExp(`\\b${field}[,:]`).test(conv), `converter.js: convert() no longer returns ${field}`);
  }

  const U = t.util || {};
  methods("util.js TaskQueue", U.TaskQueue, ["add", "reset"]);
  need(typeof U.TaskCanceledError === "function", "util.js: TaskCanceledError is missing");
  const start = src(t.main && t.main.startKernel);
  for (const ev of ["uncaughtException", "unhandledRejection", "SIGINT"]) {
    need(start.includes(`process.on("${ev}"`), `main.js: startKernel() no longer installs its process.on("${ev}") handler`);
  }
  const ts = t.typescript || {};
  need(typeof ts.transpileModule === "function" && ts.ModuleKind && ts.ScriptTarget, "@tslab/typescript-for-tslab: transpileModule/ModuleKind/ScriptTarget are missing");
  return problems;
}

function readVersion(from, pkg) {
  try {
    return require(require.resolve(`${pkg}/package.json`, { paths: [from] })).version;
  } catch {
    return "";
  }
}

// ---------------------------------------------------------------------------
// Executor: tslab reports outcomes only through console.log/console.error and
// a boolean. We hand it a capturing console and remember the last conversion,
// then expose runCell() that returns { value } or { error } as data.

function patchExecutor(executorMod) {
  const original = executorMod.createExecutor;
  executorMod.createExecutor = function createExecutor(rootDir, convs, con) {
    const state = { capture: null, converted: null };
    const capturing = {
      log: (...a) => (state.capture ? state.capture.logs.push(a) : con.log(...a)),
      error: (...a) => (state.capture ? state.capture.errors.push(a) : con.error(...a)),
    };
    const ex = original.call(this, rootDir, recordConversions(convs, state), capturing);
    // tslab's SIGINT listener and our interrupt_request call ex.interrupt().
    const stopWaiting = ex.interrupt; // rejects the promise execute() is racing against
    ex.interrupt = () => {
      const ctx = runningCell;
      if (!ctx) return stopWaiting();
      // Code that handles SIGINT itself (lib/train stops between two steps and
      // cleans up) gets the first interrupt to itself; a second one is forced.
      const own = process.listeners("SIGINT").some((l) => !ctx.sigintListeners.has(l));
      if (ctx.sigints++ === 0 && own) return;
      ctx.interrupted = true;
      stopWaiting();
    };
    ex.runCell = async (src, count, publish) => {
      const ctx = {
        count, id: ++cellSeq, src, publish, interrupted: false, sigints: 0, sigintListeners: new Set(process.listeners("SIGINT")),
        done: false, failure: null,
        // Work this cell started failed while the cell runs: the cell fails with that error at once.
        fail(failure) {
          this.failure ||= failure;
          this.interrupted = true; // its remaining timers are dropped, as after an interrupt
          stopWaiting();
        },
      };
      state.capture = { logs: [], errors: [] };
      state.converted = null;
      runningCell = lastCell = ctx;
      let ok;
      let crash;
      try {
        // tslab runs the cell synchronously inside execute() before its first
        // await, so enteringCell is consumed by that very call.
        enteringCell = ctx;
        const pending = ex.execute(src);
        enteringCell = null;
        ok = await pending;
        // One turn of the event loop: a promise the cell dropped that rejects at once
        // (an un-awaited call with bad input) is reported as this cell's own error.
        if (!ctx.failure) await new Promise((resolve) => rawSetImmediate(resolve));
      } catch (e) {
        crash = e;
      } finally {
        enteringCell = null;
        ctx.done = true;
        if (runningCell === ctx) runningCell = null;
      }
      const { logs, errors } = state.capture;
      state.capture = null;
      rememberCell(ctx, state.converted);
      if (ctx.failure) return { error: asyncErrorContent(ctx.failure, "running") };
      if (crash !== undefined) return { error: formatThrown(crash) };
      if (ok) {
        // `//@module` cells report diagnostics but still succeed: keep them on stderr.
        for (const a of errors) con.error(...a);
        return logs.length ? { value: logs[logs.length - 1][0], hasValue: true } : {};
      }
      const diags = state.converted && state.converted.diagnostics;
      if (diags && diags.length) return { error: formatDiagnostics(diags, src) };
      const thrown = errors.find((a) => a.length === 1);
      if (thrown) return { error: formatThrown(thrown[0], ctx) };
      return { error: { ename: "Error", evalue: "execution failed", traceback: errors.map((a) => util.format(...a)) } };
    };
    return ex;
  };
}

/** Wrap tslab's converter set so the last convert() result (diagnostics) is kept. */
function recordConversions(convs, state) {
  const wrapped = new WeakMap();
  const wrap = (c) => {
    if (!wrapped.has(c)) {
      wrapped.set(c, {
        ...c,
        convert(prevDecl, src) {
          const r = c.convert(prevDecl, src);
          state.converted = r;
          for (const o of r.sideOutputs || []) libOutputs.set(o.path, { js: o.data });
          return r;
        },
      });
    }
    return wrapped.get(c);
  };
  return {
    get node() { return wrap(convs.node); },
    get browser() { return wrap(convs.browser); },
    close: () => convs.close(),
  };
}

// ---------------------------------------------------------------------------
// Error formatting: Jupyter frontends show `traceback` (not ename/evalue), so
// its first line repeats "Name: message", like Node prints it.

const INTERNAL_FRAME = /node:internal\/|node:vm|node:async_hooks|[\\/]tslab[\\/]dist[\\/]|[\\/]jupyter[\\/](tslab-patches|kernel)\.js/;

function isInterrupt(e, ctx) {
  return (e instanceof Error && (e.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED" || e.message === "Interrupted asynchronously")) ||
    (ctx && ctx.interrupted);
}

function formatThrown(e, ctx) {
  if (isInterrupt(e, ctx)) {
    return { ename: "KeyboardInterrupt", evalue: "execution interrupted (SIGINT)", traceback: ["KeyboardInterrupt: execution interrupted (SIGINT)"] };
  }
  if (!(e instanceof Error) && !(e && typeof e.stack === "string")) {
    const shown = util.inspect(e);
    const ename = e === null || e === undefined ? String(e) : (e.constructor && e.constructor.name) || typeof e;
    return { ename, evalue: shown, traceback: [`Uncaught ${shown}`] };
  }
  const ename = errorName(e);
  const evalue = String(e.message ?? "");
  const traceback = [];
  collectStack(e, traceback, 0);
  return { ename, evalue, traceback };
}

function errorName(e) {
  const ctor = e.constructor && e.constructor.name;
  // `class ShapeError extends Error {}` keeps name "Error"; the class says more.
  return (e.name && e.name !== "Error") ? String(e.name) : (ctor || "Error");
}

function collectStack(e, out, depth) {
  const stack = typeof e.stack === "string" ? e.stack : `${errorName(e)}: ${e.message}`;
  let lines = stack.split("\n");
  // vm prefixes "file:line / source / ^^^ / (blank)" to errors it sees thrown; drop it.
  if (/:\d+$/.test(lines[0]) && lines.indexOf("") > 0 && lines.indexOf("") <= 3) lines = lines.slice(lines.indexOf("") + 1);
  let i = 0;
  const head = [];
  while (i < lines.length && !/^\s+at /.test(lines[i])) head.push(lines[i++]);
  // Node's header says "Error: msg" for subclasses that do not set name; use the class.
  if (head.length && e.name === "Error" && errorName(e) !== "Error") head[0] = head[0].replace(/^Error\b/, errorName(e));
  out.push(...head);
  const frames = [];
  for (; i < lines.length; i++) {
    if (/^\s+at /.test(lines[i]) && INTERNAL_FRAME.test(lines[i])) continue;
    const f = mapFrame(lines[i]);
    if (f) frames.push(f);
  }
  // The learner's own line first: when the error was thrown inside a library or lib/
  // code, the innermost cell frame leads, with its source line (like IPython's "Cell In[n]").
  const mine = frames.findIndex((f) => f.kind === "cell");
  if (depth === 0 && mine > 0) {
    out.push(`--> ${frames[mine].where}`);
    if (frames[mine].source) out.push(frames[mine].source);
    frames[mine].source = null; // shown above; the stack below keeps its position
  }
  out.push(...foldLibraryFrames(frames));
  if (e.cause !== undefined && depth < 3) {
    out.push("Caused by:");
    if (e.cause instanceof Error) collectStack(e.cause, out, depth + 1);
    else out.push(`  ${util.inspect(e.cause)}`);
  }
}

/**
 * Frames inside node_modules (and the native frames between them) are not the
 * learner's code: each run of them becomes one line, "… 9 frames in @tensorflow/tfjs-core".
 */
function foldLibraryFrames(frames) {
  const out = [];
  for (let i = 0; i < frames.length;) {
    let j = i;
    const pkgs = [];
    while (j < frames.length && (frames[j].kind === "library" || frames[j].kind === "native")) {
      if (frames[j].pkg && !pkgs.includes(frames[j].pkg)) pkgs.push(frames[j].pkg);
      j++;
    }
    if (pkgs.length) {
      out.push(`    … ${j - i} frame${j - i === 1 ? "" : "s"} in ${pkgs.join(", ")}`);
      i = j;
      continue;
    }
    for (const f of frames.slice(i, Math.max(j, i + 1))) {
      out.push(f.text);
      if (f.source) out.push(f.source);
    }
    i = Math.max(j, i + 1);
  }
  return out;
}

/**
 * One stack line -> { kind: cell|project|library|native|other, text, where, source, pkg },
 * or null for tslab's own wrapper call. Cell and lib/*.ts positions become TypeScript
 * line:column, followed by the source line.
 */
function mapFrame(line) {
  if (!/^\s+at /.test(line)) return { kind: "other", text: line, source: null };
  // tslab's `exports` is a Proxy, so calls of imported functions show as "Proxy.train".
  line = line.replace(/^(\s+at (?:async )?)Proxy\./, "$1");
  const cellPos = /__tslab_cell_(\d+)__:(\d+):(\d+)/.exec(line);
  if (cellPos) {
    const p = mapCellPosition(Number(cellPos[1]), Number(cellPos[2]), Number(cellPos[3]));
    if (p === "wrapper") return null;
    const text = line.replace(cellPos[0], p.where);
    return { kind: "cell", text, where: p.where, source: p.source ? `        ${p.source}` : null };
  }
  const filePos = /([^\s()]+):(\d+):(\d+)\)?$/.exec(line);
  if (!filePos) return { kind: "native", text: line, source: null }; // "at new Promise (<anonymous>)", "(index 0)"
  const file = filePos[1].replace(/^file:\/\//, "");
  if (file.startsWith("node:")) return { kind: "native", text: line, source: null }; // Node's own JS (events, fs, …)
  const lib = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](?!.*[\\/]node_modules[\\/])/.exec(file);
  if (lib) return { kind: "library", text: line, pkg: lib[1].replace(/\\/g, "/"), source: null };
  const ts = /\.js$/.test(file) ? mapLibPosition(file, Number(filePos[2]), Number(filePos[3])) : null;
  if (!ts) return { kind: "project", text: line, source: null };
  const where = `${shortPath(ts.file)}:${ts.line}:${ts.col}`;
  return { kind: "project", text: line.replace(filePos[0], filePos[0].endsWith(")") ? `${where})` : where), where, source: ts.source ? `        ${ts.source}` : null };
}

/** A path below the kernel's working directory, relative to it (`lib/train/train.ts`); else as is. */
function shortPath(file) {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** A cell's JS position -> { where: "cell [n]:line:col", source }, or "wrapper" for tslab's call line. */
function mapCellPosition(id, l, c) {
  const cell = cells.get(id);
  if (!cell) return { where: "cell", source: null };
  const js = cell.js.split("\n");
  if (l === js.length + 1) return "wrapper";
  const col = l === 1 ? c - cell.prefixLen : c;
  // tslab puts "export {};" on the line before the cell's first line.
  cell.mapper ||= sourceMapper(cell.js, "export {};\n" + cell.src, "cell.ts");
  const p = cell.mapper(l, col);
  const srcLine = p && p.line >= 1 ? cell.src.split("\n")[p.line - 1] : undefined;
  if (srcLine !== undefined) return { where: `cell [${cell.label}]:${p.line}:${p.col}`, source: srcLine.trim() || null };
  // Not mappable (should not happen): say so rather than show compiled code as if it were the cell's.
  return { where: `cell [${cell.label}] (compiled line ${l})`, source: null };
}

/** A compiled lib module's JS position -> { file (.ts), line, col, source }, or null. */
function mapLibPosition(jsFile, l, c) {
  const lib = libOutputs.get(jsFile);
  const tsFile = lib && [".ts", ".tsx"].map((e) => jsFile.slice(0, -3) + e).find((f) => fs.existsSync(f));
  if (!tsFile) return null;
  const text = fs.readFileSync(tsFile, "utf8");
  if (!lib.mapper || lib.text !== text) Object.assign(lib, { text, mapper: sourceMapper(lib.js, text, path.basename(tsFile)) });
  const p = lib.mapper(l, c);
  if (!p) return null;
  const srcLine = text.split("\n")[p.line - 1];
  return { file: tsFile, line: p.line, col: p.col, source: srcLine && srcLine.trim() ? srcLine.trim() : null };
}

/**
 * (js line, column) -> { line, col } in `ts` (1-based), or null. `js` is what
 * tslab ran; we transpile `ts` once more with a source map and match the two
 * JS texts character by character (whitespace aside: tslab's printer re-flows
 * some one-line blocks), so each position in `js` finds its twin in ours.
 */
function sourceMapper(js, ts, fileName) {
  try {
    const out = tsc.transpileModule(ts, {
      fileName,
      compilerOptions: {
        module: tsc.ModuleKind.CommonJS, target: tsc.ScriptTarget.ES2022, esModuleInterop: true,
        noImplicitUseStrict: true, newLine: tsc.NewLineKind.LineFeed, sourceMap: true,
        jsx: tsc.JsxEmit.React, experimentalDecorators: true,
      },
    });
    const ours = out.outputText.split("\n");
    const A = charStream(js.split("\n"));
    const B = charStream(ours);
    const match = diffMatches(A.text, B.text);
    if (!match) return () => null;
    const tsLines = ts.split("\n");
    const mappings = decodeMappings(JSON.parse(out.sourceMapText).mappings);
    return (line, col) => {
      const ia = A.indexAt(line - 1, col - 1);
      if (ia < 0 || A.line[ia] !== line - 1) return null;
      // The character there; else the same offset before the next matched one (equal
      // characters can pair up with a twin elsewhere), else the nearest matched one.
      let ib = match[ia];
      for (let d = 1; ib < 0 && (A.line[ia + d] === line - 1 || A.line[ia - d] === line - 1); d++) {
        const next = A.line[ia + d] === line - 1 ? match[ia + d] : -1;
        if (next >= 0) ib = next - d >= 0 && B.text[next - d] === A.text[ia] && B.line[next - d] === B.line[next] ? next - d : next;
        else if (A.line[ia - d] === line - 1 && match[ia - d] >= 0) ib = match[ia - d];
      }
      if (ib < 0) return null;
      const p = lookup(mappings, B.line[ib], B.col[ib], ours[B.line[ib]], tsLines);
      return p ? { line: p.line + 1 - (fileName === "cell.ts" ? 1 : 0), col: p.col + 1 } : null;
    };
  } catch {
    return () => null;
  }
}

/**
 * JS text without whitespace and without the `exports.` tslab puts before names
 * from earlier cells (our re-transpiled cell has plain names), with each
 * character's line and column.
 */
function charStream(lines) {
  let text = "";
  const line = [];
  const col = [];
  for (let l = 0; l < lines.length; l++) {
    const s = lines[l];
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === " " || c === "\t" || c === "\r") continue;
      if (c === "e" && s.startsWith("exports.", i) && !/[\w$.]/.test(s[i - 1] || "") && /[A-Za-z_$]/.test(s[i + 8] || "")) {
        // tslab's bookkeeping: `exports.tsLastExpr = <last expression>` goes entirely.
        const last = /^exports\.tsLastExpr\d* = /.exec(s.slice(i));
        i += (last ? last[0].length : 8) - 1;
        continue;
      }
      text += c;
      line.push(l);
      col.push(i);
    }
  }
  return {
    text, line, col,
    /** Index of the first character at or after (l, c), or -1. */
    indexAt(l, c) {
      let lo = 0;
      let hi = text.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (line[mid] < l || (line[mid] === l && col[mid] < c)) lo = mid + 1;
        else hi = mid;
      }
      return lo < text.length ? lo : -1;
    },
  };
}

/**
 * Myers' diff of two strings: match[i] = index in b of a[i] when it is part of
 * a longest common subsequence, else -1. null when they differ in more than
 * `maxD` characters (cost grows with the difference: at most 361 over the 59 lib files).
 */
function diffMatches(a, b, maxD = 2000) {
  const n = a.length;
  const m = b.length;
  const off = maxD + 1;
  const v = new Int32Array(2 * maxD + 3);
  const trace = [];
  let found = -1;
  for (let d = 0; d <= maxD && found < 0; d++) {
    trace.push(v.slice(off - d, off + d + 1)); // V after step d-1, for k in -d..d
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a.charCodeAt(x) === b.charCodeAt(y)) { x++; y++; }
      v[off + k] = x;
      if (x >= n && y >= m) { found = d; break; }
    }
  }
  if (found < 0) return null;
  const match = new Int32Array(n).fill(-1);
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d];
    const at = (k) => prev[k + d];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const startX = prevK === k + 1 ? prevX : prevX + 1; // after the edit, the snake begins
    while (x > startX && y > startX - k) { x--; y--; match[x] = y; }
    x = prevX;
    y = prevX - prevK;
  }
  while (x > 0 && y > 0) { x--; y--; match[x] = y; }
  return match;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Source map "mappings" -> per generated line, [genCol, srcIdx, srcLine, srcCol] segments. */
function decodeMappings(mappings) {
  const lines = [];
  let srcIdx = 0, srcLine = 0, srcCol = 0;
  for (const text of mappings.split(";")) {
    const segs = [];
    let genCol = 0;
    for (const seg of text.split(",")) {
      if (!seg) continue;
      const v = [];
      let value = 0, shift = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          v.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      genCol += v[0];
      if (v.length >= 4) {
        srcIdx += v[1]; srcLine += v[2]; srcCol += v[3];
        segs.push([genCol, srcIdx, srcLine, srcCol]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

/**
 * Source position of generated (line0, col0): the last segment starting at or
 * before col0, moved forward by the distance to col0 only where the generated
 * and source text agree (so `(0, mod_1.f)(x)` does not shift `f(x)`).
 */
function lookup(lines, line0, col0, genLine, srcLines) {
  const segs = lines[line0];
  if (!segs || !segs.length) return null;
  let best = segs[0];
  for (const seg of segs) {
    if (seg[0] <= col0) best = seg;
    else break;
  }
  const d = Math.max(0, col0 - best[0]);
  const same = d > 0 && genLine.slice(best[0], col0) === (srcLines[best[2]] || "").slice(best[3], best[3] + d);
  return { line: best[2], col: best[3] + (same ? d : 0) };
}

function formatDiagnostics(diags, src) {
  const srcLines = src.split("\n");
  const traceback = [];
  let evalue = "";
  let prevKey = null;
  for (const d of diags) {
    const line = d.start.line + 1;
    const col = d.start.character + 1;
    const key = `${d.fileName || ""}:${line}:${col}`;
    const where = d.fileName ? `${d.fileName} line ${line}, column ${col}` : `line ${line}, column ${col}`;
    const code = d.code ? ` (TS${d.code})` : "";
    if (key === prevKey) {
      // A chained message explains the one before it.
      traceback.push(`    ${d.messageText}`);
      continue;
    }
    prevKey = key;
    if (!evalue) evalue = `${where}: ${d.messageText}${code}`;
    traceback.push(`TSError: ${where}: ${d.messageText}${code}`);
    if (!d.fileName && srcLines[d.start.line] !== undefined) {
      const gutter = `${line} | `;
      const width = d.end && d.end.line === d.start.line ? Math.max(1, d.end.character - d.start.character) : 1;
      traceback.push(`  ${gutter}${srcLines[d.start.line]}`);
      traceback.push(`  ${" ".repeat(gutter.length - 2)}| ${" ".repeat(d.start.character)}${"^".repeat(width)}`);
    }
  }
  return { ename: "TSError", evalue, traceback };
}

// ---------------------------------------------------------------------------
// Source positions. tslab compiles TypeScript twice (to an ES module, then to
// CommonJS) without a source map, and every cell was "evalmachine.<anonymous>",
// so stack positions pointed into JS nobody sees. Each cell now runs under its
// own script name; when an error is shown we transpile the TypeScript once more
// with a source map, line up that JS with the JS tslab ran (they differ only
// in tslab's export bookkeeping lines), and report TypeScript line:column for
// cell frames and for lib/*.ts frames, followed by the source line.

let tsc = null; // tslab's TypeScript
let cellSeq = 0;
const cells = new Map(); // cell id -> { label, js, src, prefixLen, mapper? }
const libOutputs = new Map(); // compiled lib module path (x.js) -> { js, mapper? }

function cellFileName(id) {
  return `__tslab_cell_${id}__`;
}

function rememberCell(ctx, converted) {
  if (!converted || !converted.output) return;
  const prefix = converted.hasToplevelAwait ? TSLAB_ASYNC_CELL_PREFIX : TSLAB_CELL_PREFIX;
  cells.set(ctx.id, { label: ctx.count, js: converted.output, src: ctx.src, prefixLen: prefix.length });
  if (cells.size > 500) cells.delete(cells.keys().next().value);
}

// ---------------------------------------------------------------------------
// Results: the same text console.log printed (strings unquoted, util.inspect
// otherwise), plus a richer bundle where the value offers one.

function mimeBundle(value) {
  try {
    if (value && typeof value[DISPLAY_SYMBOL] === "function") {
      const b = value[DISPLAY_SYMBOL]();
      if (b && typeof b === "object") {
        const data = { ...b };
        if (typeof data["text/plain"] !== "string") data["text/plain"] = util.format(value);
        return data;
      }
    }
    // tfjs tensors: their toString() shows the values; inspect shows internals.
    if (value && typeof value.dataSync === "function" && Array.isArray(value.shape) && typeof value.dtype === "string") {
      return { "text/plain": value.toString() };
    }
    // DOM nodes (jsdom, e.g. an Observable Plot figure) render as HTML.
    if (value && typeof value.outerHTML === "string" && typeof value.nodeType === "number") {
      return { "text/html": value.outerHTML, "text/plain": `<${String(value.nodeName).toLowerCase()}> element` };
    }
    return { "text/plain": util.format(value) };
  } catch (e) {
    return { "text/plain": `[value could not be shown: ${e && e.message}]` };
  }
}

// ---------------------------------------------------------------------------
// Handler (JupyterHandlerImpl): execute flow, kernel info, history.

class StopQueue {
  constructor(reply) { this.reply = reply; }
}

function patchHandler(jupyter, tslabUtil, versions) {
  const H = jupyter.JupyterHandlerImpl.prototype;

  const kernelInfo = H.handleKernel;
  H.handleKernel = function () {
    const r = kernelInfo.call(this);
    r.status = "ok";
    r.implementation_version = versions.tslab;
    if (!this.isJs && versions.typescript) r.language_info.version = versions.typescript;
    r.banner = `${r.banner} (tslab ${versions.tslab}, TypeScript ${versions.typescript}, Node ${process.version})`;
    r.help_links = [{ text: "tslab", url: "https://github.com/yunabe/tslab" }];
    r.debugger = false;
    return r;
  };

  H.handleShutdown = function (req) {
    return { status: "ok", restart: !!(req && req.restart) };
  };

  // `publish(msgType, content)` sends on iopub (passed by ZmqServer.handleExecute).
  H.handleExecute = async function (req, writeStream, writeDisplayData, publish = () => {}) {
    try {
      return await this.execQueue.add(() => this.handleExecuteImpl(req, writeStream, writeDisplayData, publish));
    } catch (e) {
      if (e instanceof StopQueue) {
        // stop_on_error: requests that arrived before this reply (a "run all")
        // are aborted; ones sent after the client saw the error run normally.
        // tslab instead aborted everything for 200 ms, including the next cell
        // of a client that reacts quickly. The pause lets ZMQ hand over
        // requests already sent, so they are cancelled with the rest.
        await new Promise((resolve) => rawSetTimeout(resolve, 20));
        this.execQueue.reset();
        return e.reply;
      }
      if (e instanceof tslabUtil.TaskCanceledError) return { status: "aborted" };
      const error = formatThrown(e);
      publish("error", error);
      return { status: "error", execution_count: this.execCount, ...error };
    }
  };

  H.handleExecuteImpl = async function (req, writeStream, writeDisplayData, publish) {
    // Output written later (timers, callbacks) still lands in the newest cell, as in tslab.
    process.stdout.write = this.createWriteToIopub("stdout", writeStream);
    process.stderr.write = this.createWriteToIopub("stderr", writeStream);
    jupyter.lastWriteDisplayData = writeDisplayData; // lib/display.ts and tslab.display read this
    const silent = !!req.silent;
    const store = !silent && req.store_history !== false;
    const count = store ? ++this.execCount : this.execCount;
    if (!silent) publish("execute_input", { code: req.code, execution_count: count });
    const history = (this.history ||= []);
    const fail = (error, output) => {
      publish("error", error);
      if (store) history.push([count, req.code, output]);
      const reply = { status: "error", execution_count: count, ...error };
      if (req.stop_on_error !== false) throw new StopQueue(reply);
      return reply;
    };
    // Work an earlier cell started failed after that cell finished: this request
    // reports it and does not run (so clients such as nbclient see the failure).
    if (!silent && pendingAsyncErrors.length) return fail(backgroundFailure(pendingAsyncErrors.splice(0), count, false), null);
    const r = await this.executor.runCell(req.code, count, publish);
    if (r.error) return fail(r.error, null);
    let text = null;
    if (r.hasValue && r.value != null && !silent) {
      const data = mimeBundle(r.value);
      text = data["text/plain"];
      publish("execute_result", { execution_count: count, data, metadata: {} });
    }
    if (!silent && pendingAsyncErrors.length) return fail(backgroundFailure(pendingAsyncErrors.splice(0), count, true), text);
    if (store) history.push([count, req.code, text]);
    return { status: "ok", execution_count: count, payload: [], user_expressions: {} };
  };

  // History lives in memory for the kernel's lifetime; session 1 is "this kernel".
  H.handleHistory = function (req) {
    const all = (this.history || []).map(([line, input, output]) => [1, line, req.output ? [input, output] : input]);
    const inputOf = (h) => (req.output ? h[2][0] : h[2]);
    let out = [];
    if (req.hist_access_type === "tail") {
      out = req.n > 0 ? all.slice(-req.n) : all;
    } else if (req.hist_access_type === "range") {
      const sessionOk = req.session === undefined || req.session === 0 || req.session === 1;
      const start = req.start || 0;
      const stop = req.stop === undefined || req.stop === null ? Infinity : req.stop;
      out = sessionOk ? all.filter((h) => h[1] >= start && h[1] < stop) : [];
    } else if (req.hist_access_type === "search") {
      const re = globToRegExp(req.pattern || "*");
      out = all.filter((h) => re.test(inputOf(h)));
      if (req.unique) {
        const seen = new Set();
        out = out.reverse().filter((h) => !seen.has(inputOf(h)) && seen.add(inputOf(h))).reverse();
      }
      if (req.n > 0) out = out.slice(-req.n);
    }
    return { status: "ok", history: out };
  };
}

/** IPython searches history with SQLite GLOB: `*`, `?` and `[...]`, whole string. */
function globToRegExp(glob) {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += "[" + glob.slice(i + 1, end).replace(/^\^/, "\\^").replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

// ---------------------------------------------------------------------------
// Server (ZmqServer): iopub publishing for execute, extra message types.

function patchServer(jupyter) {
  const S = jupyter.ZmqServer.prototype;

  S.handleExecute = async function (sock, msg) {
    const key = this.connInfo.key;
    const publish = (msgType, content) => {
      const m = msg.createReply();
      m.header.msg_type = msgType;
      m.content = content;
      m.signAndSend(key, this.iopub);
    };
    const writeStream = (name, text) => publish("stream", { name, text });
    const writeDisplayData = (data, update) => publish(update ? "update_display_data" : "display_data", data);
    const reply = msg.createReply();
    reply.header.msg_type = "execute_reply";
    reply.content = await this.handler.handleExecute(msg.content, writeStream, writeDisplayData, publish);
    reply.signAndSend(key, sock);
  };

  S.handleCommInfoRequest = function (sock, msg) {
    const reply = msg.createReply();
    reply.header.msg_type = "comm_info_reply"; // tslab sent "complete_reply"
    reply.content = { status: "ok", comms: {} };
    reply.signAndSend(this.connInfo.key, sock);
  };

  // tslab's dispatcher drops unknown types; answer the ones it lacks, then
  // delegate. Parsed msg objects come from tslab's own ZmqMessage class, which
  // we reach through the first message it parses (publishStatus gets it).
  const publishStatus = S.publishStatus;
  S.publishStatus = function (status, parent) {
    if (!this.messageClass) {
      this.messageClass = parent.constructor;
      queueSends(this.messageClass.prototype);
    }
    return publishStatus.call(this, status, parent);
  };
  const dispatch = S.handleShellMessage;
  S.handleShellMessage = async function (sock, ...frames) {
    const type = peekMsgType(frames);
    if (type !== "history_request" && type !== "interrupt_request") return dispatch.call(this, sock, ...frames);
    // Clients open with kernel_info_request (jupyter_client waits for its reply),
    // so the class is known by then; before that these go unanswered as in tslab.
    if (!this.messageClass) return dispatch.call(this, sock, ...frames);
    const msg = this.messageClass.fromRaw(this.connInfo.key, frames);
    this.publishStatus("busy", msg);
    try {
      const reply = msg.createReply();
      if (type === "history_request") {
        reply.header.msg_type = "history_reply";
        reply.content = this.handler.handleHistory(msg.content);
      } else {
        // For interrupt_mode "message" clients; our kernelspec uses signals (SIGINT).
        reply.header.msg_type = "interrupt_reply";
        this.handler.executor.interrupt();
        reply.content = { status: "ok" };
      }
      reply.signAndSend(this.connInfo.key, sock);
    } finally {
      this.publishStatus("idle", msg);
    }
  };
}

/**
 * zeromq 6's `send` is asynchronous and rejects ("Socket is busy writing; only one send
 * operation may be in progress at any time") while an earlier send on the same socket is
 * still in flight; tslab does not await it, so a cell that displays fast (a training loop's
 * progress, several figures in a row) lost messages and got an error. Each socket's sends now
 * go out one after another, in order.
 */
function queueSends(proto) {
  if (proto.__gdlQueuedSends) return;
  proto.__gdlQueuedSends = true;
  const signAndSend = proto.signAndSend;
  const last = new WeakMap(); // socket -> its latest send's promise
  const waiting = new WeakMap(); // socket -> the queue of sends that found it busy, until it drains
  proto.signAndSend = function (key, sock) {
    const report = (e) => process.stderr.write(`kernel: a ${this.header?.msg_type ?? "message"} could not be sent: ${e?.message ?? e}\n`);
    const queued = {
      send: (frames) => {
        if (!waiting.has(sock)) {
          // The usual case: send at once, as tslab did (a cell's execute_input must leave before
          // its synchronous code runs, a shutdown_reply before close()).
          try {
            const p = sock.send(frames);
            last.set(sock, p);
            p.catch(report);
            return p;
          } catch (e) {
            if (!/busy writing/.test(e?.message ?? "")) throw e;
          }
        }
        // Busy: wait for the send in flight (and those queued before), then send, in order.
        const p = (waiting.get(sock) ?? last.get(sock) ?? Promise.resolve()).catch(() => {}).then(() => sock.send(frames));
        p.catch(report);
        last.set(sock, p);
        waiting.set(sock, p);
        p.finally(() => { if (waiting.get(sock) === p) waiting.delete(sock); }).catch(() => {});
        return p;
      },
    };
    return signAndSend.call(this, key, queued);
  };
}

function peekMsgType(frames) {
  const delim = frames.findIndex((f) => f.toString() === "<IDS|MSG>");
  try {
    return JSON.parse(frames[delim + 2].toString()).msg_type;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Interrupts. tslab already (a) runs cell code with vm's breakOnSigint, which
// stops synchronous code, and (b) on SIGINT stops *awaiting* an async cell.
// The cell itself kept running, though. Every cell now runs in its own async
// context; an interrupt (see ex.interrupt above) marks it, and timer callbacks
// scheduled from it are dropped, so an interrupted `await`-loop never resumes.
// (Its `finally` blocks do not run either: JS cannot throw into a suspended
// async function from outside. Code that must clean up handles SIGINT itself.)

/**
 * Node bug (v20): a SIGINT listener added *during* breakOnSigint (e.g. lib/train's
 * `process.on("SIGINT")` in the synchronous start of `await train(...)`) leaves
 * SIGINT at its default action when the script returns, so the next interrupt
 * killed the kernel (stock tslab: exit by signal 2). Re-adding the listeners
 * makes libuv install its handler again.
 */
function rearmSigint() {
  const listeners = process.rawListeners("SIGINT");
  if (!listeners.length) return;
  process.removeAllListeners("SIGINT");
  for (const l of listeners) process.on("SIGINT", l);
}

function patchInterrupts() {
  const runInThisContext = vm.runInThisContext;
  vm.runInThisContext = function (code, options) {
    const ctx = enteringCell;
    if (!(ctx && options && options.breakOnSigint && typeof code === "string" && code.endsWith(TSLAB_CELL_SUFFIX))) {
      return runInThisContext.apply(this, arguments);
    }
    enteringCell = null;
    // A unique file name per cell lets stack frames be mapped back to it.
    const opts = { ...options, filename: cellFileName(ctx.id) };
    try {
      return cellContext.run(ctx, () => runInThisContext.call(this, code, opts));
    } finally {
      rearmSigint();
    }
  };

  for (const name of ["setTimeout", "setImmediate", "setInterval"]) {
    const original = globalThis[name];
    const patched = function (fn, ...rest) {
      const ctx = cellContext.getStore();
      if (!ctx || typeof fn !== "function") return original.call(this, fn, ...rest);
      if (name !== "setInterval") {
        const handle = original.call(this, function (...args) {
          liveTimers.delete(handle);
          if (!ctx.interrupted) return fn.apply(this, args);
        }, ...rest);
        liveTimers.set(handle, ctx); // settle() waits for these
        return handle;
      }
      const handle = original.call(this, function (...args) {
        if (ctx.interrupted) return clearInterval(handle);
        return fn.apply(this, args);
      }, ...rest);
      return handle;
    };
    // Keep util.promisify(setTimeout) etc. working.
    for (const sym of Object.getOwnPropertySymbols(original)) {
      Object.defineProperty(patched, sym, Object.getOwnPropertyDescriptor(original, sym));
    }
    Object.defineProperty(patched, "name", { value: name });
    globalThis[name] = patched;
    timers[name] = patched;
  }
  for (const name of ["clearTimeout", "clearImmediate"]) {
    const original = globalThis[name];
    const patched = function (handle) {
      if (handle) liveTimers.delete(handle);
      return original.call(this, handle);
    };
    Object.defineProperty(patched, "name", { value: name });
    globalThis[name] = patched;
    timers[name] = patched;
  }
  // `await setTimeout(ms)` from timers/promises: never settles once interrupted.
  const tp = require("timers/promises");
  for (const name of ["setTimeout", "setImmediate"]) {
    const original = tp[name];
    tp[name] = function (...args) {
      const ctx = cellContext.getStore();
      const p = original.apply(this, args);
      if (!ctx) return p;
      return new Promise((resolve, reject) => p.then(
        (v) => { if (!ctx.interrupted) resolve(v); },
        (e) => { if (!ctx.interrupted) reject(e); }));
    };
  }
}

// ---------------------------------------------------------------------------
// Errors from a cell's asynchronous work. Node would exit on an uncaught
// exception or unhandled rejection; tslab printed it to the last cell's stderr
// and carried on, so a notebook run passed over broken code. Each one is
// charged to the cell that started the work (its async context; else the cell
// running now, else the last one): shown under that cell, and failing that cell
// if it still runs, else the next execute_request (which then does not run).
// `settle()` lets a runner wait for the work cells left behind before asking.

function patchProcessHandlers(main) {
  const startKernel = main.startKernel;
  main.startKernel = function (...args) {
    const before = { uncaughtException: process.listeners("uncaughtException"), unhandledRejection: process.listeners("unhandledRejection") };
    const result = startKernel.apply(this, args);
    for (const [event, old] of Object.entries(before)) {
      for (const l of process.listeners(event)) if (!old.includes(l)) process.off(event, l); // tslab's console.error ones
      process.on(event, (err) => onAsyncError(err, event));
    }
    return result;
  };
}

function onAsyncError(err, event) {
  const traced = cellContext.getStore();
  const owner = traced || runningCell || lastCell;
  const failure = { err, event, owner, traced: !!traced };
  if (!owner) {
    process.stderr.write(`${describeAsync(failure)}:\n${formatThrown(err).traceback.join("\n")}\n`);
    return;
  }
  if (!owner.done) return owner.fail(failure);
  const error = asyncErrorContent(failure, "late");
  try {
    if (owner.publish) owner.publish("error", error);
  } catch {
    // The kernel is shutting down (sockets closed): nobody is listening any more.
  }
  // Leftovers of an interrupted cell are shown, but fail nothing more.
  if (!owner.interrupted) pendingAsyncErrors.push({ failure, error });
}

function describeAsync({ event, owner, traced }) {
  const what = event === "unhandledRejection" ? "a promise that nothing awaited or caught rejected" : "an exception was thrown in a timer or callback";
  if (!owner) return `Uncaught: ${what}`;
  return traced ? `In work started by cell [${owner.count}], ${what}` : `${what[0].toUpperCase()}${what.slice(1)} (not traceable to a cell; cell [${owner.count}] ran last)`;
}

/** Error content for the cell that started the work; `when`: "running" (it still ran) or "late". */
function asyncErrorContent(failure, when) {
  const e = formatThrown(failure.err);
  const note = `${describeAsync(failure)}${when === "late" ? ", after the cell had finished" : ""}:`;
  return { ename: e.ename, evalue: e.evalue, traceback: [note, ...e.traceback] };
}

/** Error content for cell [count], reporting errors from earlier cells' work (`ran`: whether it ran). */
function backgroundFailure(list, count, ran) {
  const first = list[0].failure;
  const cellsNamed = [...new Set(list.map((p) => p.failure.owner.count))].map((n) => `[${n}]`).join(", ");
  const head = ran
    ? `While cell [${count}] ran, work started by cell ${cellsNamed} failed (shown under that cell too):`
    : `Cell [${count}] did not run: work started by cell ${cellsNamed} failed after that cell had finished (shown under it too). Run cell [${count}] again to carry on.`;
  const traceback = [head];
  for (const { error } of list) traceback.push(...error.traceback);
  const e = formatThrown(first.err);
  return { ename: e.ename, evalue: e.evalue, traceback };
}

function timerIsLive(handle) {
  if (handle && handle._destroyed) return false; // cleared by a clearTimeout we did not see (numeric id)
  return !(handle && typeof handle.hasRef === "function") || handle.hasRef();
}

/**
 * Resolves once no timer a cell set is pending (unref'd ones and intervals do not
 * count) and two more turns of the event loop brought nothing new, or after
 * `maxMs`. Runners call it after the last cell; the execute_reply of that call
 * then reports errors from work that outlived its cell.
 */
async function settle(maxMs = 60_000) {
  const t0 = Date.now();
  const live = () => [...liveTimers].filter(([h, ctx]) => !ctx.interrupted && timerIsLive(h)).map(([, ctx]) => ctx.count);
  for (;;) {
    if (!live().length) {
      await new Promise((resolve) => rawSetTimeout(resolve, 20));
      await new Promise((resolve) => rawSetImmediate(resolve));
      if (!live().length) return { settled: true };
    }
    if (Date.now() - t0 > maxMs) {
      const cellsLeft = [...new Set(live())];
      process.stderr.write(`settle: timers set by cell ${cellsLeft.map((n) => `[${n}]`).join(", ")} still pending after ${maxMs} ms; not waiting longer.\n`);
      return { settled: false, cells: cellsLeft };
    }
    await new Promise((resolve) => rawSetTimeout(resolve, 10));
  }
}

module.exports = { apply, mimeBundle, globToRegExp, loadTslab, tslabMismatches, TslabMismatch, TSLAB_VERSION };
