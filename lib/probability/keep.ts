// Notebook cells get re-run. A cell that loads data into a tensor would leak
// the previous copy each time; `keep(name, value)` frees whatever the same
// name held before (any tensors directly in it, or in its fields), then
// remembers the new value. (A candidate for a shared lib/ home.)
import * as tf from "@tensorflow/tfjs";

const KEY = "__gdlKept";

function tensorsIn(v: unknown): tf.Tensor[] {
  if (v instanceof tf.Tensor) return [v];
  if (v && typeof v === "object") return Object.values(v).filter((x): x is tf.Tensor => x instanceof tf.Tensor);
  return [];
}

export function keep<T>(name: string, value: T): T {
  const g = globalThis as Record<string, unknown>;
  const store = (g[KEY] ??= new Map<string, unknown>()) as Map<string, unknown>;
  const old = store.get(name);
  if (old !== undefined && old !== value) {
    const fresh = new Set(tensorsIn(value));
    for (const t of tensorsIn(old)) if (!fresh.has(t) && !t.isDisposed) t.dispose();
  }
  store.set(name, value);
  return value;
}
