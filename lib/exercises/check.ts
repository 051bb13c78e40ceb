// Shared machinery for exercise checks (every chapter): run a learner's
// function against hidden cases, never throw, print one clear verdict with a
// hint. A stub that calls todo() is reported as "not done yet", so notebooks
// with unfinished exercises still run top to bottom.

export class NotDoneYet extends Error {
  constructor(what = "this exercise") {
    super(`${what} is not done yet`);
    this.name = "NotDoneYet";
  }
}

/** Put `return todo();` in an exercise stub; the check reports "not done yet". */
export function todo(what?: string): never {
  throw new NotDoneYet(what);
}

/** Thrown by expectations; its message is shown to the learner. */
export class Mismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Mismatch";
  }
}

export type CheckStatus = "pass" | "fail" | "todo";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  passed: number;
  total: number;
  /** The line(s) printed. */
  message: string;
}

export interface CheckCase {
  /** Shown on failure, e.g. "three points in the unit square". */
  name: string;
  run: () => void;
}

let printer: (line: string) => void = (line) => console.log(line);

/** Redirect check output (tests); returns the previous printer. */
export function setCheckPrinter(p: (line: string) => void): (line: string) => void {
  const old = printer;
  printer = p;
  return old;
}

function fmt(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : v.toPrecision(6);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = Array.from(v as ArrayLike<unknown>);
    const head = a.slice(0, 6).map(fmt).join(", ");
    return `[${head}${a.length > 6 ? `, ... (${a.length} items)` : ""}]`;
  }
  if (v && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${k}: ${fmt(x)}`).join(", ")}}`;
  return String(v);
}

/** |actual - expected| <= tol (relative for large values); equal infinities pass; NaN always fails. */
export function expectClose(actual: unknown, expected: number, tol: number, what: string): void {
  if (typeof actual !== "number") throw new Mismatch(`${what}: expected a number, got ${typeof actual} (${fmt(actual)})`);
  if (Number.isNaN(actual)) throw new Mismatch(`${what}: got NaN, expected ${fmt(expected)}`);
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) {
    if (actual !== expected) throw new Mismatch(`${what}: got ${fmt(actual)}, expected ${fmt(expected)}`);
    return;
  }
  if (Math.abs(actual - expected) > tol * Math.max(1, Math.abs(expected))) {
    throw new Mismatch(`${what}: got ${fmt(actual)}, expected ${fmt(expected)}`);
  }
}

export function expectArrayClose(actual: unknown, expected: ArrayLike<number>, tol: number, what: string): void {
  if (!Array.isArray(actual) && !ArrayBuffer.isView(actual)) throw new Mismatch(`${what}: expected an array, got ${fmt(actual)}`);
  const a = actual as ArrayLike<unknown>;
  if (a.length !== expected.length) throw new Mismatch(`${what}: expected ${expected.length} numbers, got ${a.length}`);
  for (let i = 0; i < expected.length; i++) expectClose(a[i], expected[i], tol, `${what}[${i}]`);
}

export function expectTrue(cond: boolean, message: string): void {
  if (!cond) throw new Mismatch(message);
}

/**
 * Run the cases in order, stop at the first failure, print the verdict.
 * Never throws: a learner's exception becomes a failed check with its message.
 */
export function runCheck(name: string, cases: readonly CheckCase[], hint: string): CheckResult {
  let passed = 0;
  for (const c of cases) {
    try {
      c.run();
      passed++;
    } catch (e) {
      if (e instanceof NotDoneYet) {
        return report({ name, status: "todo", passed, total: cases.length, message: `⏳ ${name}: not done yet. Replace \`todo()\` in the exercise cell with your code, run it, then run this check again.` });
      }
      const why = e instanceof Mismatch ? e.message : `your function threw ${(e as Error)?.name ?? "an error"}: ${(e as Error)?.message ?? String(e)}`;
      return report({
        name, status: "fail", passed, total: cases.length,
        message: `❌ ${name}: failed case "${c.name}" (${passed}/${cases.length} cases passed).\n   ${why}\n   Hint: ${hint}`,
      });
    }
  }
  return report({ name, status: "pass", passed, total: cases.length, message: `✅ ${name}: passed all ${cases.length} hidden cases.` });
}

function report(r: CheckResult): CheckResult {
  printer(r.message);
  return r;
}
