// Node's synchronous zlib calls, by fflate (MIT), returning Buffers as Node does.
import { Buffer } from "buffer";
import * as fflate from "fflate";

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
const level = (o?: { level?: number }): Level => (o?.level ?? 6) as Level;

export const gzipSync = (b: Uint8Array, o?: { level?: number }) => Buffer.from(fflate.gzipSync(b, { level: level(o) }));
export const gunzipSync = (b: Uint8Array) => Buffer.from(fflate.gunzipSync(b));
export const deflateSync = (b: Uint8Array, o?: { level?: number }) => Buffer.from(fflate.zlibSync(b, { level: level(o) }));
export const inflateSync = (b: Uint8Array) => Buffer.from(fflate.unzlibSync(b));
export default { gzipSync, gunzipSync, deflateSync, inflateSync };
