// Quick mode (QUICK=1) trims epochs and sample counts so CI runs every notebook
// fast; the same notebooks run in full for learners. Read it only through here.
export function isQuick(): boolean {
  const v = process.env.QUICK;
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** `full` normally, `quick` under QUICK=1. */
export function pick<T>(full: T, quick: T): T {
  return isQuick() ? quick : full;
}

/** Absolute project root, whichever folder the kernel or test started in. */
export function projectRoot(): string {
  // lib/settings.ts -> project root is one level up (symlinks resolved by Node).
  const path = require("path") as typeof import("path");
  return process.env.GDL_PROJECT_ROOT ?? path.resolve(__dirname, "..");
}
