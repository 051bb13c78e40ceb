// Argument checks shared across layers (latent/, eval/, ...): a wrong shape
// fails at the call with a message naming the argument, not deep inside tfjs.
import type * as tf from "@tensorflow/tfjs";

/** A shape as the messages print it: [any, 4] for [null, 4]. */
export const shapeStr = (s: readonly (number | null)[]): string => `[${s.map((d) => (d === null ? "any" : d)).join(", ")}]`;

/** Throw a clear error when `t` does not have shape `want` (null = any size). */
export function checkShape(t: tf.Tensor, want: readonly (number | null)[], what: string, fix = ""): void {
  const ok = t.rank === want.length && want.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) throw new Error(`${what}: expected shape ${shapeStr(want)}, got ${shapeStr(t.shape)}${fix ? `; ${fix}` : ""}.`);
}
