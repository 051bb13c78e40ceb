// A value as text, close to Node's util.inspect (what tslab prints for console.log and a
// cell's Out[n]), honouring util.inspect.custom as Node does.
const CUSTOM = Symbol.for("nodejs.util.inspect.custom");
const MAX_ITEMS = 100;

function isTensor(v: unknown): boolean {
  const t = v as { dataSync?: unknown; shape?: unknown; dtype?: unknown };
  return !!t && typeof t.dataSync === "function" && Array.isArray(t.shape) && typeof t.dtype === "string";
}

function key(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
}

function fmt(value: unknown, depth: number, seen: Set<unknown>, top: boolean): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined": return "undefined";
    case "string": return top ? `'${value}'` : `'${value.replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `${value}n`;
    case "boolean": return String(value);
    case "symbol": return value.toString();
    case "function": return `[${/^class\b/.test(Function.prototype.toString.call(value)) ? "class" : "Function"} ${(value as { name?: string }).name || "(anonymous)"}]`;
  }
  const v = value as object;
  const o = v as Record<string | symbol, unknown>;
  if (typeof o[CUSTOM] === "function") {
    const r = (o[CUSTOM] as (d: number, opts: unknown) => unknown)(depth, {});
    return typeof r === "string" ? r : fmt(r, depth, seen, false);
  }
  if (isTensor(v)) return String(v);
  if (seen.has(v)) return "[Circular *1]";
  if (v instanceof Error) return v.stack ?? `${v.name}: ${v.message}`;
  if (v instanceof Date) return isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (v instanceof RegExp) return v.toString();
  if (v instanceof Promise) return "Promise { <pending> }";
  if (depth > 2) return Array.isArray(v) ? "[Array]" : "[Object]";
  seen.add(v);
  try {
    if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
      const a = v as ArrayLike<unknown>;
      const items = Array.from({ length: Math.min(a.length, MAX_ITEMS) }, (_, i) => fmt(a[i], depth + 1, seen, false));
      if (a.length > MAX_ITEMS) items.push(`... ${a.length - MAX_ITEMS} more item${a.length - MAX_ITEMS === 1 ? "" : "s"}`);
      const prefix = Array.isArray(v) ? "" : `${v.constructor.name}(${a.length}) `;
      return wrap(prefix, "[", "]", items);
    }
    if (v instanceof Map) {
      return wrap(`Map(${v.size}) `, "{", "}", [...v].slice(0, MAX_ITEMS).map(([k, x]) => `${fmt(k, depth + 1, seen, false)} => ${fmt(x, depth + 1, seen, false)}`));
    }
    if (v instanceof Set) return wrap(`Set(${v.size}) `, "{", "}", [...v].slice(0, MAX_ITEMS).map((x) => fmt(x, depth + 1, seen, false)));
    const ctor = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
    const prefix = ctor && ctor !== "Object" ? `${ctor} ` : Object.getPrototypeOf(v) === null ? "[Object: null prototype] " : "";
    const items = Object.keys(o).map((k) => `${key(k)}: ${fmt(o[k], depth + 1, seen, false)}`);
    if (!items.length) return `${prefix}{}`;
    return wrap(prefix, "{", "}", items);
  } finally {
    seen.delete(v);
  }
}

function wrap(prefix: string, open: string, close: string, items: string[]): string {
  if (!items.length) return `${prefix}${open}${close}`;
  const one = `${prefix}${open} ${items.join(", ")} ${close}`;
  if (one.length <= 72 && !one.includes("\n")) return one;
  return `${prefix}${open}\n${items.map((i) => `  ${i.replace(/\n/g, "\n  ")}`).join(",\n")}\n${close}`;
}

/** Like util.inspect(v). */
export function inspect(v: unknown): string {
  return fmt(v, 0, new Set(), false);
}

/** Like util.format(...args): strings as they are, other values inspected. */
export function formatArgs(args: readonly unknown[]): string {
  return args.map((a) => (typeof a === "string" ? a : inspect(a))).join(" ");
}
