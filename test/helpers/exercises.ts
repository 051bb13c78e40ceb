// Shared harness for the chapters' exercise-check tests: capture what checks
// print, and assert the verdicts every exercise must give.
import { beforeAll, afterAll, it, expect } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { setCheckPrinter, todo, type CheckResult } from "../../lib/exercises/check";

/** For each exercise: the reference solution and plausible wrong answers (each must fail). */
export type ExerciseTable<Ev extends Record<string, (fn: never) => CheckResult>> = {
  [K in keyof Ev]: { solution: Parameters<Ev[K]>[0]; wrong: Parameters<Ev[K]>[0][] };
};

/** Lines printed by check.* during the file's tests (printer restored afterwards). */
export function capturePrinted(setup?: () => Promise<unknown> | void): string[] {
  const printed: string[] = [];
  let restore: (l: string) => void;
  beforeAll(async () => {
    await setup?.();
    restore = setCheckPrinter((l) => printed.push(l));
  });
  afterAll(() => { setCheckPrinter(restore); });
  return printed;
}

/**
 * One test per exercise: the solution passes every case (✅), each wrong answer
 * fails with a hint, a todo() stub reports "not done yet"; with `tensors`, the
 * solution's check leaves tf.memory().numTensors unchanged.
 */
export function itGivesTheRightVerdicts<Ev extends Record<string, (fn: never) => CheckResult>>(
  evaluate: Ev, table: ExerciseTable<Ev>, opts: { tensors?: boolean } = {},
): void {
  for (const name of Object.keys(table) as (keyof Ev & string)[]) {
    const extra = opts.tensors ? ", no leaks" : "";
    it(`${name}: the solution passes, wrong answers fail with a hint, a stub reports not done${extra}`, () => {
      const ev = evaluate[name] as unknown as (fn: unknown) => CheckResult;
      const before = opts.tensors ? tf.memory().numTensors : 0;
      const ok = ev(table[name].solution);
      expect(ok.status, ok.message).toBe("pass");
      expect(ok.passed).toBe(ok.total);
      expect(ok.message).toMatch(/^✅/);
      if (opts.tensors) expect(tf.memory().numTensors).toBe(before);
      table[name].wrong.forEach((w, i) => {
        const bad = ev(w);
        expect(bad.status, `wrong answer #${i} to ${name} passed`).toBe("fail");
        expect(bad.message).toMatch(/❌.*\n.*\n\s+Hint: /);
      });
      const stub = ev(() => todo());
      expect(stub.status).toBe("todo");
      expect(stub.message).toMatch(/not done yet/);
    });
  }
}
