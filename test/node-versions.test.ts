// The other Node versions the workbook is verified on (Node 24 is the one the suite runs on):
// with GDL_SMOKE_NODES listing node binaries (":"-separated; .ci/run installs node@22 and
// node@26 from npm and sets it), each one runs the native setup and notebooks in quick mode
// through the project kernel, with that Node first on PATH, so the kernels run on it too
// (checked: a preload reports each kernel's process.version): notebooks 02 and 04 on the
// tensorflow backend; on wasm, 04 (about 100 s: it trains on worker threads) on the last Node
// listed (.ci/run: 26) and 02 on the others. That is what CI's 20-minute budget holds;
// GDL_SMOKE_FULL=1 runs both notebooks on wasm on every Node. Without GDL_SMOKE_NODES this
// file is one skipped test.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { root, run } from "./helpers/run";

const nodes = (process.env.GDL_SMOKE_NODES ?? "").split(path.delimiter).filter(Boolean);
const BOTH = ["02-maximum-likelihood.ipynb", "04-autoencoder.ipynb"];
/** What each Node runs: 02 and 04 on tensorflow; on wasm 04 (which trains on worker threads) on the last Node listed, 02 on the others. */
function planFor(node: string): [backend: string, notebooks: string[]][] {
  const wasm = process.env.GDL_SMOKE_FULL === "1" ? BOTH : node === nodes[nodes.length - 1] ? ["04-autoencoder.ipynb"] : ["02-maximum-likelihood.ipynb"];
  return [["tensorflow", BOTH], ["wasm", wasm]];
}
const REPORTER = path.join(root, "test", "fixtures", "report-node.cjs");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-node-versions-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Output { output_type: string; text?: string | string[]; ename?: string; evalue?: string }
interface Cell { cell_type: string; outputs?: Output[] }

function versionOf(node: string): string {
  const r = spawnSync(node, ["-p", "process.version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : `(does not run: ${r.error?.message ?? r.stderr.trim()})`;
}

/** The environment of a shell with `node` first on PATH. */
function envFor(node: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [path.dirname(node), process.env.PATH].join(path.delimiter), ...extra };
  delete env.GDL_NATIVE_STATUS;
  return env;
}

describe.skipIf(nodes.length === 0)("other Node versions: native setup, notebooks 02 and 04 (QUICK) on tensorflow, one of them on wasm", () => {
  for (const node of nodes) {
    const version = versionOf(node);
    describe(`Node ${version} (${node})`, () => {
      it("runs, and the native setup works on it (tfjs-node loads and computes)", async () => {
        expect(version, node).toMatch(/^v\d+\./);
        const r = await run(node, [path.join(root, "scripts", "setup-native.mjs")], { env: envFor(node), timeoutMs: 600_000 });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/already loads TensorFlow 2\.|ok: restored in|ok: tfjs-node loads TensorFlow 2\./);
      }, 600_000);

      for (const [backend, NOTEBOOKS] of planFor(node)) {
        it(`notebook${NOTEBOOKS.length > 1 ? "s" : ""} ${NOTEBOOKS.map((n) => n.slice(0, 2)).join(" and ")} on ${backend}, their kernels on ${version}`, async () => {
          const out = fs.mkdtempSync(path.join(tmp, `${version}-${backend}-`));
          const report = path.join(out, "kernels.jsonl");
          const env = envFor(node, {
            QUICK: "1", GDL_BACKEND: backend, GDL_NOTEBOOK_OUT: out, GDL_NODE_REPORT: report,
            NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${JSON.stringify(REPORTER)}`].filter(Boolean).join(" "),
          });
          const r = await run(node, [path.join(root, "scripts", "run-notebooks.mjs"), ...NOTEBOOKS.map((n) => path.join(root, "notebooks", n))], { env, timeoutMs: 1_500_000 });
          expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
          // The runner's "ok <notebook> (N s)" lines: what each costs, in the CI log.
          console.log(`node-versions: ${version} ${backend}: ${[...`${r.stdout}\n${r.stderr}`.matchAll(/^ok\s+\S*\/(\S+)\s+\(([\d.]+ s)\)/gm)].map((m) => `${m[1]} ${m[2]}`).join(", ")}`);
          for (const nb of NOTEBOOKS) {
            const cells = (JSON.parse(fs.readFileSync(path.join(out, nb), "utf8")) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code");
            const errors = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "error");
            expect(errors.map((e) => `${e.ename}: ${e.evalue}`), nb).toEqual([]);
            const text = cells.flatMap((c) => c.outputs ?? []).map((o) => [o.text ?? ""].flat().join("")).join("");
            expect(text, `${nb}: no "tfjs backend: ${backend}" line`).toContain(`tfjs backend: ${backend} (`);
          }
          const kernels = fs.readFileSync(report, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { node: string; execPath: string });
          expect(kernels.length, "one kernel per notebook").toBeGreaterThanOrEqual(NOTEBOOKS.length);
          expect([...new Set(kernels.map((k) => k.node))]).toEqual([version]);
        }, 1_500_000);
      }
    });
  }
});

if (nodes.length === 0) {
  describe("other Node versions", () => {
    it.skip("not run: set GDL_SMOKE_NODES=/path/to/node22:/path/to/node26 (.ci/run does)", () => {});
  });
}
