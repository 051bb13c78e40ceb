// tfjs-node 4.22.0 calls util.isNullOrUndefined, which Node 23 removed (and the
// deprecated util.isArray); `npm run setup:native` patches its dist/ (the change of
// tensorflow/tfjs#8425, TFJS_NODE_PATCHES in scripts/setup-native.mjs). Tested on the
// pristine files of the lockfile's tarball (npm pack, from npm's cache after npm ci):
// the text always; loading it (pristine: fails, patched: conv2d + topk work) under
// this Node with Node 23's util, and under real Node 24/26 where they are installed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vm from "vm";
import { pathToFileURL } from "url";
import { root, run } from "./helpers/run";
import { nativeStatus } from "./helpers/native";

interface Patch { file: string; from: string; to: string; count: number }
interface SetupNative {
  TFJS_NODE: string;
  TFJS_NODE_PATCHES: Patch[];
  TFJS_NODE_PATCHED_VERSION: string;
  REMOVED_UTIL: string[];
  SetupError: new (message: string) => Error;
  patchTfjsNode(dir: string): { changed: string[] };
  removedUtilCalls(dir: string): { file: string; line: number; name: string }[];
}

const script = path.join(root, "scripts", "setup-native.mjs");
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string; integrity: string }> };
const locked = lock.packages["node_modules/@tensorflow/tfjs-node"];

// Other Node versions to load tfjs-node with: GDL_TEST_NODES (paths, ":"-separated), else
// where `npm install --no-save --prefix /tmp/node24 node@24` (and node26) put them.
const otherNodes = (process.env.GDL_TEST_NODES ?? "/tmp/node24/node_modules/node/bin/node:/tmp/node26/node_modules/node/bin/node")
  .split(":").filter((p) => p && fs.existsSync(p));
const NODE24_HINT = "npm install --no-save --prefix /tmp/node24 node@24 (or GDL_TEST_NODES=/path/to/node)";

/** A copy of the pristine package, loadable: its lib/ (the binding), deps/ and node_modules/ are the installed ones. */
function loadableCopy(pristine: string, into: string, setup: SetupNative): string {
  const pkg = path.join(into, "node_modules", "@tensorflow", "tfjs-node");
  fs.mkdirSync(path.dirname(pkg), { recursive: true });
  fs.cpSync(pristine, pkg, { recursive: true });
  for (const d of ["lib", "deps", "node_modules"]) {
    if (fs.existsSync(path.join(setup.TFJS_NODE, d))) fs.symlinkSync(path.join(setup.TFJS_NODE, d), path.join(pkg, d));
  }
  return pkg;
}

// conv2d and topk both build a dtype attribute (the calls that throw on Node 23+).
const USE = (pkg: string) => `
process.env.TF_CPP_MIN_LOG_LEVEL = "2";
const tf = require(${JSON.stringify(pkg)});
const y = tf.conv2d(tf.ones([1, 8, 8, 1]), tf.ones([3, 3, 1, 2]), 1, "same").sum().dataSync()[0];
const k = tf.topk(tf.tensor1d([1, 5, 3]), 2);
console.log("RESULT " + JSON.stringify({ node: process.version, backend: tf.getBackend(), y, values: Array.from(k.values.dataSync()), indices: Array.from(k.indices.dataSync()) }));`;

// Node 23's util on this Node: what it removed, deleted in the child (a test-only stand-in for Node 24).
const AS_NODE_23 = (removed: string[]) => `const u = require("util"); for (const n of ${JSON.stringify(removed.filter((n) => n !== "isArray" && n !== "_extend"))}) delete u[n];`;

async function useWith(node: string, pkg: string, prelude = "") {
  const r = await run(node, ["-e", prelude + USE(pkg)], { env: { ...process.env, NODE_PATH: path.join(root, "node_modules") }, timeoutMs: 90_000 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  return { ...r, result: line ? JSON.parse(line.slice("RESULT ".length)) : null, error: r.stderr.split("\n").find((l) => /^\w*Error\b/.test(l)) ?? "" };
}

describe("tfjs-node's Node 23+ patch (setup:native, tensorflow/tfjs#8425)", () => {
  let setup: SetupNative;
  let tmp: string;
  let pristine: string; // the lockfile's tarball, unpacked
  const native = nativeStatus();

  beforeAll(async () => {
    setup = (await import(pathToFileURL(script).href)) as SetupNative;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-tfjs-node-patch-"));
    const r = await run("npm", ["pack", "--prefer-offline", "--json", "--pack-destination", tmp, `@tensorflow/tfjs-node@${locked.version}`], { timeoutMs: 90_000 });
    expect(r.status, `npm pack @tensorflow/tfjs-node@${locked.version}: ${r.stderr}`).toBe(0);
    const packed = (JSON.parse(r.stdout) as { filename: string; integrity: string }[])[0];
    expect(packed.integrity, "the tarball is the lockfile's").toBe(locked.integrity);
    fs.mkdirSync(path.join(tmp, "pristine"));
    const x = await run("tar", ["xzf", path.join(tmp, packed.filename), "-C", path.join(tmp, "pristine")]);
    expect(x.status, x.stderr).toBe(0);
    pristine = path.join(tmp, "pristine", "package");
  }, 120_000);
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("is written for the lockfile's tfjs-node, whose pristine dist/ calls the removed util functions", () => {
    expect(setup.TFJS_NODE_PATCHED_VERSION).toBe(locked.version);
    const calls = setup.removedUtilCalls(pristine).map((c) => `${c.file}:${c.line} ${c.name}`);
    expect(calls).toEqual([
      "dist/kernels/TopK.js:30 isNullOrUndefined",
      "dist/kernels/TopK.js:31 isNullOrUndefined",
      "dist/nodejs_kernel_backend.js:675 isNullOrUndefined",
      "dist/nodejs_kernel_backend.js:689 isNullOrUndefined",
      "dist/nodejs_kernel_backend.js:697 isNullOrUndefined",
      "dist/nodejs_kernel_backend.js:700 isArray",
    ]);
  });

  it("replaces every one of them with plain JS, leaves parseable modules, and is idempotent", () => {
    const dir = path.join(tmp, "text");
    fs.cpSync(pristine, dir, { recursive: true });
    expect(setup.patchTfjsNode(dir).changed.sort()).toEqual(["dist/kernels/TopK.js", "dist/nodejs_kernel_backend.js"]);
    // Independent of the script's own scan: no util_1.is*/_extend/log call is left anywhere in dist/.
    const left: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".js") && /util_1\.(is(?!DeepStrictEqual)\w+|_extend|log)\b/.test(fs.readFileSync(p, "utf8"))) left.push(path.relative(dir, p));
    });
    walk(path.join(dir, "dist"));
    expect(left).toEqual([]);
    for (const p of setup.TFJS_NODE_PATCHES) {
      const text = fs.readFileSync(path.join(dir, p.file), "utf8");
      expect(text.split(p.to).length - 1, `${p.file}: ${p.to}`).toBeGreaterThanOrEqual(p.count);
      // Parses as the CommonJS module it is.
      expect(() => new vm.Script(`(function (exports, require, module, __filename, __dirname) {${text}\n})`, { filename: p.file })).not.toThrow();
    }
    const once = new Map(setup.TFJS_NODE_PATCHES.map((p) => [p.file, fs.readFileSync(path.join(dir, p.file), "utf8")]));
    expect(setup.patchTfjsNode(dir).changed).toEqual([]);
    for (const [f, text] of once) expect(fs.readFileSync(path.join(dir, f), "utf8")).toBe(text);
    // Only the patched files differ from the tarball.
    const differ: string[] = [];
    const cmp = (d: string) => fs.readdirSync(path.join(pristine, d), { withFileTypes: true }).forEach((e) => {
      const rel = path.join(d, e.name);
      if (e.isDirectory()) cmp(rel);
      else if (!fs.readFileSync(path.join(pristine, rel)).equals(fs.readFileSync(path.join(dir, rel)))) differ.push(rel);
    });
    cmp("");
    expect(differ.sort()).toEqual(["dist/kernels/TopK.js", "dist/nodejs_kernel_backend.js"]);
  });

  it("another tfjs-node text fails naming the file, the expected text and the fix", () => {
    const dir = path.join(tmp, "changed");
    fs.cpSync(pristine, dir, { recursive: true });
    const topk = path.join(dir, "dist", "kernels", "TopK.js");
    fs.writeFileSync(topk, fs.readFileSync(topk, "utf8").replace("(0, util_1.isNullOrUndefined)(k) ? 1 : k", "k ?? 1"));
    expect(() => setup.patchTfjsNode(dir)).toThrow(setup.SetupError);
    expect(() => setup.patchTfjsNode(dir)).toThrow(/dist\/kernels\/TopK\.js: expected 1× `\(0, util_1\.isNullOrUndefined\)\(k\) \? 1 : k`.*found 0×[\s\S]*Fix: .*tensorflow\/tfjs#8425.*delete the entries of TFJS_NODE_PATCHES, otherwise update their from\/to/);
    // A removed util call the table does not know is named with file and line.
    const dir2 = path.join(tmp, "unknown");
    fs.cpSync(pristine, dir2, { recursive: true });
    const fsio = path.join(dir2, "dist", "io", "file_system.js");
    fs.writeFileSync(fsio, fs.readFileSync(fsio, "utf8").replace("if (Array.isArray(path)) {", "if ((0, util_1.isString)(path)) {"));
    expect(() => setup.patchTfjsNode(dir2)).toThrow(/still calls util functions that Node 23\+ removed or deprecates: dist\/io\/file_system\.js:98 util\.isString\.\nFix: add an entry/);
  });

  it("the installed tfjs-node, once setup:native ran, is the patched tarball", () => {
    const installed = path.join(setup.TFJS_NODE, "package.json");
    if (!fs.existsSync(installed)) return console.warn("tfjs-node is not installed; nothing to compare");
    const dir = path.join(tmp, "expected");
    fs.cpSync(pristine, dir, { recursive: true });
    setup.patchTfjsNode(dir);
    for (const p of new Set(setup.TFJS_NODE_PATCHES.map((q) => q.file))) {
      const now = fs.readFileSync(path.join(setup.TFJS_NODE, p), "utf8");
      // Either setup:native has not run since npm ci (pristine), or it is exactly the patched text.
      expect([fs.readFileSync(path.join(pristine, p), "utf8"), fs.readFileSync(path.join(dir, p), "utf8")]).toContain(now);
    }
  });

  describe.skipIf(!native.ok)(`loading it (needs the native binding: ${native.reason})`, () => {
    let unpatched: string;
    let patched: string;
    beforeAll(() => {
      unpatched = loadableCopy(pristine, path.join(tmp, "load-pristine"), setup);
      patched = loadableCopy(pristine, path.join(tmp, "load-patched"), setup);
      setup.patchTfjsNode(patched);
    });
    const ok = { backend: "tensorflow", y: 968, values: [5, 3], indices: [1, 2] };

    it(`on this Node (${process.version}) the patched files compute; with Node 23's util only the patched ones do`, async () => {
      const here = await useWith(process.execPath, patched);
      expect(here.result, here.stderr).toMatchObject(ok);
      const as23 = AS_NODE_23(setup.REMOVED_UTIL);
      const before = await useWith(process.execPath, unpatched, as23);
      expect(before.result).toBeNull();
      expect(before.error).toMatch(/TypeError: \(0 , util_1\.isNullOrUndefined\) is not a function/);
      const after = await useWith(process.execPath, patched, as23);
      expect(after.result, after.stderr).toMatchObject(ok);
    }, 120_000);

    if (otherNodes.length === 0) console.warn(`tfjs-node-patch: no Node 24/26 here, their load test is skipped; install one with ${NODE24_HINT}`);
    it.skipIf(otherNodes.length === 0)(`on ${otherNodes.length ? otherNodes.join(", ") : `Node 24 (skipped: not installed; ${NODE24_HINT})`}: the Node 20 binding loads, pristine fails, patched computes`, async () => {
      for (const node of otherNodes) {
        const before = await useWith(node, unpatched);
        expect(before.result, `${node} pristine: ${before.stdout}`).toBeNull();
        expect(before.error, before.stderr).toMatch(/TypeError: \(0 , util_1\.isNullOrUndefined\) is not a function/);
        const after = await useWith(node, patched);
        expect(after.result, `${node} patched: ${after.stderr}`).toMatchObject(ok);
        expect(Number(after.result.node.slice(1).split(".")[0])).toBeGreaterThanOrEqual(23);
      }
    }, 240_000);
  });
});
