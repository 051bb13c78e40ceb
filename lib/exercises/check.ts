// Shared machinery for exercise checks (every chapter): run a learner's
// function against hidden cases, never throw, print one clear verdict with a
// hint. A stub that calls todo() is reported as "not done yet", so notebooks
// with unfinished exercises still run top to bottom.
import * as tf from "@tensorflow/tfjs";

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

// Exercises whose latest check passed. On globalThis, like keep()'s store: a kernel may load
// lib/ modules afresh, and a module-level Set would then forget earlier checks.
const PASSED = "__gdlPassedChecks";
const passed: Set<string> = ((globalThis as Record<string, unknown>)[PASSED] ??= new Set<string>()) as Set<string>;

/**
 * True when the latest check of exercise `name` passed in this kernel, so a cell that puts the
 * learner's function to work can wait for it: `if (hasPassed("klPerDimension")) { ... }`.
 */
export function hasPassed(name: string): boolean {
  return passed.has(name);
}

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
  if (r.status === "pass") passed.add(r.name);
  else passed.delete(r.name);
  printer(r.message);
  return r;
}


// ---- building blocks shared by the chapters' exercise modules -------------

/** One exercise: `check(fn)` prints ✅/❌/⏳ and never throws; `evaluate(fn)` returns the result (tests). */
export function exercise<F>(name: string, hint: string, cases: (fn: F) => CheckCase[]) {
  const evaluate = (fn: F): CheckResult => {
    if (typeof fn !== "function") {
      return runCheck(name, [{ name: "argument", run: () => { throw new Mismatch(`pass your function itself, e.g. check.${name}(${name}); got ${typeof fn}`); } }], hint);
    }
    // Hidden inputs are made inside each case and disposed after it, so a failing case cannot leak them.
    return runCheck(name, cases(fn), hint);
  };
  return { evaluate, check: (fn: F): void => { evaluate(fn); } };
}

/**
 * Make fresh inputs, call the learner's function once, then check: it left no
 * tensors behind (a returned tensor is allowed), it did not dispose its inputs,
 * and `verify` accepts the result. Inputs and result are always freed.
 */
export function callAndVerify<T extends tf.Tensor[], R>(make: () => T, call: (inputs: T) => R, verify: (result: R, inputs: T) => void): void {
  const inputs = make();
  let result: R | undefined;
  try {
    const before = tf.memory().numTensors;
    result = call(inputs);
    const leaked = tf.memory().numTensors - before - (result instanceof tf.Tensor ? 1 : 0);
    if (inputs.some((t) => t.isDisposed)) throw new Mismatch("your function disposed its input tensor; only dispose tensors you created");
    if (leaked > 0) {
      throw new Mismatch(`your function left ${leaked} tensor${leaked === 1 ? "" : "s"} behind; wrap the tensor maths in tf.tidy(() => ...) so only the result survives`);
    }
    verify(result, inputs);
  } finally {
    if (result instanceof tf.Tensor && !result.isDisposed) result.dispose();
    tf.dispose(inputs.filter((t) => !t.isDisposed));
  }
}

/** "a tensor of shape [2,3]", "an array of length 4", or the typeof: for mismatch messages. */
export const shapeOf = (v: unknown): string =>
  v instanceof tf.Tensor ? `a tensor of shape [${v.shape}]` : Array.isArray(v) ? `an array of length ${v.length}` : typeof v;
