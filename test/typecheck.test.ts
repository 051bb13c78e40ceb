import { it, expect } from "vitest";
import { run } from "./helpers/run";
import * as path from "path";

// tslab compiles notebooks and lib/ with its own, non-strict TypeScript and ignores
// tsconfig.json, so the strict check of lib/, test/ and scripts/ happens here.
it("lib/, test/ and scripts/ pass a strict tsc --noEmit", async () => {
  const root = path.resolve(__dirname, "..");
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const r = await run(process.execPath, [tsc, "--noEmit", "-p", path.join(root, "tsconfig.json")], { cwd: root });
  expect(r.stdout + r.stderr, "tsc reported errors").toBe("");
  expect(r.status).toBe(0);
}, 180_000);
