// Re-running a notebook cell must not leak tensors. A cell that creates
// long-lived tensors (a data set, a model) stores them with keep("name", value):
// the value kept under that name by an earlier run is disposed first.
import * as tf from "@tensorflow/tfjs";

// The store lives on globalThis: a kernel may load lib/ modules afresh, and a
// module-level Map would then forget what earlier runs kept.
const STORE = "__gdlKept";
const kept: Map<string, unknown> = ((globalThis as Record<string, unknown>)[STORE] ??= new Map<string, unknown>()) as Map<string, unknown>;

function disposeDeep(v: unknown, seen: Set<unknown>): void {
  if (v === null || typeof v !== "object" || seen.has(v)) return;
  seen.add(v);
  if (v instanceof tf.Tensor) {
    if (!v.isDisposed) v.dispose();
    return;
  }
  if (v instanceof tf.LayersModel) {
    v.dispose();
    return;
  }
  if (typeof (v as { dispose?: unknown }).dispose === "function" && !(v instanceof Map)) {
    (v as { dispose: () => void }).dispose();
    return;
  }
  for (const x of Array.isArray(v) ? v : Object.values(v as object)) disposeDeep(x, seen);
}

/** Store `value` under `name`, disposing the tensors/models of what was stored there before. */
export function keep<T>(name: string, value: T): T {
  const prev = kept.get(name);
  if (prev !== undefined && prev !== value) {
    // Do not free tensors the new value still uses.
    const protect = new Set<unknown>();
    collect(value, protect);
    disposeExcept(prev, protect);
  }
  kept.set(name, value);
  return value;
}

function collect(v: unknown, out: Set<unknown>): void {
  if (v === null || typeof v !== "object" || out.has(v)) return;
  out.add(v);
  if (v instanceof tf.Tensor || v instanceof tf.LayersModel) return;
  for (const x of Array.isArray(v) ? v : Object.values(v as object)) collect(x, out);
}

function disposeExcept(v: unknown, protect: Set<unknown>): void {
  disposeDeep(v, new Set(protect));
}

/** Dispose everything kept (e.g. at the end of a notebook). */
export function releaseAll(): void {
  for (const v of kept.values()) disposeDeep(v, new Set());
  kept.clear();
}
