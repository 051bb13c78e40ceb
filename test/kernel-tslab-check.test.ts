import { describe, it, expect, beforeAll, afterAll } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "./helpers/run";

// jupyter/tslab-patches.js replaces, wraps and copies tslab internals. At start it
// checks the tslab version and each of those internals, and refuses with a message
// naming what changed, so a tslab bump cannot break the kernel silently.
const root = path.resolve(__dirname, "..");
const dist = path.join(root, "node_modules", "tslab", "dist");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const patches = require(path.join(root, "jupyter", "tslab-patches.js")) as {
  loadTslab(dist: string): Tslab;
  tslabMismatches(t: Tslab): string[];
  TSLAB_VERSION: string;
};

type Fn = (...args: unknown[]) => unknown;
interface Tslab {
  version: string;
  jupyter: Record<string, unknown> & { JupyterHandlerImpl: { prototype: Record<string, unknown> } };
  executor: { createExecutor: Fn };
  main: { startKernel: Fn };
  [k: string]: unknown;
}

/** The same function with `from` replaced by `to` in its source (what a tslab release might change). */
function edited<F extends Fn>(f: F, from: string, to: string): F {
  const text = f.toString();
  expect(text).toContain(from);
  // eslint-disable-next-line no-eval
  return (0, eval)(`(${text.replace(from, to)})`) as F;
}

describe("tslab version and internals check", () => {
  const real = patches.loadTslab(dist);

  it("accepts the pinned tslab", () => {
    expect(real.version).toBe(patches.TSLAB_VERSION);
    expect(patches.tslabMismatches(real)).toEqual([]);
  });

  it("names a changed version", () => {
    expect(patches.tslabMismatches({ ...real, version: "1.0.23" })).toEqual([
      `tslab version is 1.0.23; the patches were written for ${patches.TSLAB_VERSION}`,
    ]);
  });

  it("names a patched method that is gone", () => {
    class Handler {}
    for (const k of Object.getOwnPropertyNames(real.jupyter.JupyterHandlerImpl.prototype)) {
      if (k !== "createWriteToIopub" && k !== "constructor") {
        Object.defineProperty(Handler.prototype, k, Object.getOwnPropertyDescriptor(real.jupyter.JupyterHandlerImpl.prototype, k)!);
      }
    }
    const problems = patches.tslabMismatches({ ...real, jupyter: { ...real.jupyter, JupyterHandlerImpl: Handler as never } });
    expect(problems).toContain("jupyter.js JupyterHandlerImpl: createWriteToIopub() is missing");
  });

  it("names a changed cell-wrapper literal and a changed execute queue", () => {
    const createExecutor = edited(real.executor.createExecutor, '"(function(exports, require) { "', '"(function (exports, require) {"');
    expect(patches.tslabMismatches({ ...real, executor: { ...real.executor, createExecutor } })).toEqual([
      'executor.js: cells are no longer wrapped in "(function(exports, require) { "',
    ]);
    const Handler = edited(real.jupyter.JupyterHandlerImpl as unknown as Fn, "this.execQueue = new", "this.queue = new");
    expect(patches.tslabMismatches({ ...real, jupyter: { ...real.jupyter, JupyterHandlerImpl: Handler as never } })).toEqual([
      "jupyter.js JupyterHandlerImpl: no longer keeps its execute queue in this.execQueue (a TaskQueue)",
    ]);
  });

  it("names process handlers that startKernel no longer installs", () => {
    const startKernel = edited(real.main.startKernel, 'process.on("unhandledRejection"', 'process.once("unhandledRejection"');
    expect(patches.tslabMismatches({ ...real, main: { ...real.main, startKernel } })).toEqual([
      'main.js: startKernel() no longer installs its process.on("unhandledRejection") handler',
    ]);
  });

  describe("the kernel launcher with another tslab", () => {
    let project: string;
    beforeAll(() => {
      // A project whose node_modules has everything of ours, except a tslab that says 1.0.99.
      project = fs.mkdtempSync(path.join(os.tmpdir(), "tslab-check-"));
      fs.cpSync(path.join(root, "jupyter"), path.join(project, "jupyter"), { recursive: true });
      const nm = path.join(project, "node_modules");
      fs.mkdirSync(nm);
      for (const name of fs.readdirSync(path.join(root, "node_modules"))) {
        if (name !== "tslab") fs.symlinkSync(path.join(root, "node_modules", name), path.join(nm, name));
      }
      fs.cpSync(path.join(root, "node_modules", "tslab"), path.join(nm, "tslab"), { recursive: true });
      const pkgFile = path.join(nm, "tslab", "package.json");
      const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { version: string };
      fs.writeFileSync(pkgFile, JSON.stringify({ ...pkg, version: "1.0.99" }));
    });
    afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

    it("refuses to start, naming the version and the fix", async () => {
      const conn = path.join(project, "connection.json");
      fs.writeFileSync(conn, "{}");
      const r = await run(process.execPath, [path.join(project, "jupyter", "kernel.js"), conn], { timeoutMs: 60_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`refuses to patch the tslab in ${path.join(project, "node_modules", "tslab")} (version 1.0.99)`);
      expect(r.stderr).toContain(`tslab version is 1.0.99; the patches were written for ${patches.TSLAB_VERSION}`);
      expect(r.stderr).toContain("`npm ci` installs the pinned tslab");
      expect(r.stderr).not.toMatch(/^\s+at /m); // a message, not a crash
    }, 120_000);
  });
});
