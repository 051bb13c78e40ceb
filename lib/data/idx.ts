// Parser for the IDX format used by MNIST and Fashion-MNIST (optionally gzipped).
// Spec: magic = 0x00 0x00 <dtype> <ndim>, then ndim big-endian uint32 sizes, then data.
import * as fs from "fs";
import * as zlib from "zlib";

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Read an IDX file of unsigned bytes (dtype 0x08). `expectDims` guards against swapped files. */
export function readIdx(file: string, expectDims: number): IdxArray {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`Cannot read ${file}: ${(e as Error).message}`);
  }
  let buf: Buffer = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(raw);
    } catch (e) {
      throw new Error(
        `${file} is not a valid gzip file (${(e as Error).message}); it is probably truncated or corrupt. ` +
          `Delete it and fetch it again (npm run datasets), or point GDL_FASHION_MNIST_DIR at a good copy.`,
      );
    }
  }
  return parseIdx(buf, file, expectDims);
}

export function parseIdx(buf: Uint8Array, file: string, expectDims: number): IdxArray {
  if (buf.length < 4) throw new Error(`${file} is too short to be an IDX file (${buf.length} bytes).`);
  const dtype = buf[2];
  const ndim = buf[3];
  if (buf[0] !== 0 || buf[1] !== 0 || dtype !== 0x08 || ndim !== expectDims) {
    const got = Array.from(buf.subarray(0, 4)).map((b) => "0x" + b.toString(16).padStart(2, "0")).join(" ");
    const want = `0x00 0x00 0x08 0x${expectDims.toString(16).padStart(2, "0")}`;
    throw new Error(
      `${file} has the wrong magic number: got ${got}, expected ${want} (unsigned-byte IDX with ${expectDims} dimension${expectDims === 1 ? "" : "s"}). ` +
        `Is it the right file (images vs labels), and not compressed twice?`,
    );
  }
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) throw new Error(`${file} is truncated inside its header.`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - headerLen !== count) {
    throw new Error(
      `${file} is truncated or corrupt: its header promises ${count} bytes of data (shape ${shape.join("x")}) ` +
        `but ${buf.length - headerLen} follow. Delete it and fetch it again (npm run datasets).`,
    );
  }
  return { shape, data: new Uint8Array(buf.buffer, buf.byteOffset + headerLen, count) };
}
