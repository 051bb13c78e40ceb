// `npm run setup:native`: every failure is one message naming what is missing and
// the fix, and nothing is built or installed before the inputs are checked. (The
// full build runs in .ci/run on a clean clone, and here whenever it is set up.)
import { describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { root, run } from "./helpers/run";
import { nativeStatus } from "./helpers/native";

const script = path.join(root, "scripts", "setup-native.mjs");
const setup = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [script, ...args], { env: { ...process.env, ...env } });

/** The one failure message: one "failed:" line with the reason, the wasm reassurance last. */
function expectOneMessage(stderr: string, reason: RegExp) {
  const failed = stderr.split("\n").filter((l) => l.startsWith("setup:native failed:"));
  expect(failed, stderr).toHaveLength(1);
  expect(failed[0]).toMatch(reason);
  expect(stderr.trim().split("\n").pop()).toBe("The workbook keeps working on the wasm backend.");
}

describe("npm run setup:native", () => {
  it("a GDL_TENSORFLOW_DIR without TensorFlow's C library fails naming the variable and the fix", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-tf-"));
    try {
      const empty = await setup(["--force"], { GDL_TENSORFLOW_DIR: dir });
      expect(empty.status).toBe(1);
      expectOneMessage(empty.stderr, new RegExp(`GDL_TENSORFLOW_DIR=${dir} is not a TensorFlow C library: .*neither libtensorflow_cc\\.so\\.2 .* nor lib/libtensorflow\\.so\\.2 .*Point it at the tensorflow folder of a Python installation`));
      // A Python-wheel layout missing its framework library names that file.
      fs.writeFileSync(path.join(dir, "libtensorflow_cc.so.2"), "");
      const half = await setup(["--force"], { GDL_TENSORFLOW_DIR: dir });
      expect(half.status).toBe(1);
      expectOneMessage(half.stderr, /libtensorflow_cc\.so\.2 is there but .*libtensorflow_framework\.so\.2 is missing/);
      // Headers missing.
      fs.writeFileSync(path.join(dir, "libtensorflow_framework.so.2"), "");
      const noHeaders = await setup(["--force"], { GDL_TENSORFLOW_DIR: dir });
      expectOneMessage(noHeaders.stderr, /include\/tensorflow\/c\/c_api\.h is missing/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("no C++ compiler: one message with the package to install", async () => {
    const r = await setup(["--force"], { CXX: "/nonexistent/c++" });
    expect(r.status).toBe(1);
    expectOneMessage(r.stderr, /missing a C\+\+ compiler \(\/nonexistent\/c\+\+ from \$CXX not found\)\. Debian\/Ubuntu: apt-get install g\+\+ make python3/);
  }, 60_000);

  it("rejects unknown options", async () => {
    const r = await setup(["--frce"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option --frce/);
  }, 60_000);

  const native = nativeStatus();
  it.skipIf(!native.ok)("when tfjs-node loads, a second run keeps it and says where TensorFlow came from", async () => {
    const r = await setup([]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/already loads TensorFlow 2\.\d+\.\d+\S* \(.+\); nothing to do/);
    // The Node 23+ patch of tfjs-node's dist/ (test/tfjs-node-patch.test.ts) is applied on this path too.
    expect(r.stderr).toMatch(/Its Node 23\+ patch \(tensorflow\/tfjs#8425\) is in place\./);
  }, 60_000);
});
