// Prints the plain closing line "N passed, N failed[, N skipped]" that CI reads,
// after vitest's own summary.
import type { Reporter } from "vitest/reporters";
import type { File, Task } from "@vitest/runner";
import { nativeSummary } from "./helpers/native";

function count(tasks: Task[], acc = { passed: 0, failed: 0, skipped: 0 }) {
  for (const t of tasks) {
    if (t.type === "suite") count(t.tasks, acc);
    else if (t.mode === "skip" || t.mode === "todo") acc.skipped++;
    else if (t.result?.state === "pass") acc.passed++;
    else if (t.result?.state === "fail") acc.failed++;
  }
  return acc;
}

export default class SummaryReporter implements Reporter {
  onFinished(files: File[] = [], errors: unknown[] = []): void {
    const c = count(files);
    // A file that failed to load has no tests; count it as a failure.
    const broken = files.filter((f) => f.result?.state === "fail" && f.tasks.length === 0).length;
    const failed = c.failed + broken + (errors.length ? 1 : 0);
    // Whether the tensorflow backend was exercised (vitest.config.ts's tensorflow project).
    console.log(`\n${nativeSummary()}`);
    console.log(`${c.passed} passed, ${failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`);
  }
}
