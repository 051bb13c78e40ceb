// Is the native backend (tfjs-node, `npm run setup:native`) usable here? The test
// suite runs its backend-dependent files on wasm and, when it is, on tensorflow too
// (vitest.config.ts). Before it asks, `npm test` sets the backend up as `npm start` does
// (ensureNativeSetup: scripts/setup-native.mjs --auto; GDL_NATIVE=0 skips it). Without it
// a plain `npm test` says so (a skipped test and the closing summary line);
// GDL_REQUIRE_NATIVE=1 (CI) makes that a failure.
import { spawnSync } from "child_process";
import * as path from "path";

export interface NativeStatus { ok: boolean; reason: string }

const STATUS_ENV = "GDL_NATIVE_STATUS";
export const NATIVE_REQUIRED = process.env.GDL_REQUIRE_NATIVE === "1";
const projectRoot = path.resolve(__dirname, "..", "..");

/**
 * Once per `npm test`, in vitest's main process before the projects are chosen: the automatic
 * native setup (silent when tfjs-node loads, a restore from the cache after `npm ci`, else the
 * build, with its progress on stderr). It never fails; nativeStatus() then says what came of it.
 */
export function ensureNativeSetup(): void {
  if (process.env[STATUS_ENV]) return; // a worker, or already decided
  spawnSync(process.execPath, [path.join(projectRoot, "scripts", "setup-native.mjs"), "--auto"], { cwd: projectRoot, stdio: ["ignore", "inherit", "inherit"] });
}

/** Checked once per `npm test` (in vitest's main process); workers read the result from the environment. */
export function nativeStatus(): NativeStatus {
  const cached = process.env[STATUS_ENV];
  if (cached) return JSON.parse(cached) as NativeStatus;
  const r = spawnSync(process.execPath, ["-e", `
    process.env.TF_CPP_MIN_LOG_LEVEL = "2";
    const tf = require("@tensorflow/tfjs-node");
    tf.add(tf.ones([2]), 1).dataSync();
    console.log("TF " + tf.backend().binding.TF_Version);`], { cwd: projectRoot, encoding: "utf8" });
  const v = /^TF (\S+)/m.exec(r.stdout ?? "");
  const status: NativeStatus = v
    ? { ok: true, reason: `TensorFlow ${v[1]}` }
    : { ok: false, reason: ((r.stderr ?? "").split("\n").find((l) => /Error|cannot open/.test(l)) ?? `exit ${r.status}`).trim().slice(0, 200) };
  process.env[STATUS_ENV] = JSON.stringify(status);
  return status;
}

/** The line the suite prints about the tensorflow backend. */
export function nativeSummary(s: NativeStatus = nativeStatus()): string {
  return s.ok
    ? `tensorflow backend (tfjs-node, ${s.reason}): tested`
    : `tensorflow backend NOT TESTED: tfjs-node does not load here (${s.reason}). Run npm run setup:native to see why${NATIVE_REQUIRED ? " (GDL_REQUIRE_NATIVE=1: this is a failure)" : ""}.`;
}
