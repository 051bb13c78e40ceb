import { it, expect } from "vitest";
import { spawnSync } from "child_process";
import * as path from "path";

// tslab compiles notebooks and lib/ with its own, non-strict TypeScript and ignores
// tsconfig.json, so the strict check of lib/, test/ and scripts/ happens here.
it("lib/, test/ and scripts/ pass a strict tsc --noEmit", () => {
  const root = path.resolve(__dirname, "..");
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", path.join(root, "tsconfig.json")], { encoding: "utf8", cwd: root });
  expect(r.stdout + r.stderr, "tsc reported errors").toBe("");
  expect(r.status).toBe(0);
}, 180_000);
