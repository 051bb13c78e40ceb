// The part of Node's `util` lib uses: inspect (and its custom symbol), format.
import { inspect as show } from "../worker/format";

export const inspect = Object.assign((v: unknown) => show(v), { custom: Symbol.for("nodejs.util.inspect.custom") });
export function format(...args: unknown[]): string {
  return args.map((a) => (typeof a === "string" ? a : show(a))).join(" ");
}
export const promisify = <T extends (...a: never[]) => unknown>(f: T) => f;
export const types = { isTypedArray: (v: unknown) => ArrayBuffer.isView(v) && !(v instanceof DataView) };
export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;
export default { inspect, format, promisify, types, TextEncoder, TextDecoder };
