// Files that carry their own checksum. Beside `<file>` lives `<file>.sha256.json`
// with its size and SHA-256, so a same-size corruption (a bad disk, a stray
// write, a copy padded with zeros) is caught on read instead of loading as
// garbage - weights that decode to NaN, a cache of black images.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export const SUM_SUFFIX = ".sha256.json";

export interface Checksum {
  bytes: number;
  sha256: string;
}

export function checksumOf(data: Uint8Array): Checksum {
  return { bytes: data.byteLength, sha256: crypto.createHash("sha256").update(data).digest("hex") };
}

/** Write `data` to a temp file beside `file`, then rename: readers see the old file or the whole new one. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Write `data` and then its checksum file. `atomic: false` for files inside a
 * folder that is itself renamed into place (saveWeights' temp folder).
 */
export function writeChecked(file: string, data: Uint8Array, opts: { atomic?: boolean } = {}): void {
  const sum = JSON.stringify(checksumOf(data)) + "\n";
  const write = opts.atomic === false ? fs.writeFileSync : writeFileAtomic;
  write(file, data);
  write(file + SUM_SUFFIX, sum);
}

/**
 * The recorded checksum of `file`: null when it has none (a file written before
 * checksums existed), a string saying why when the checksum file is unreadable.
 */
export function readChecksum(file: string): Checksum | string | null {
  const sumFile = file + SUM_SUFFIX;
  let text: string;
  try {
    text = fs.readFileSync(sumFile, "utf8");
  } catch {
    return null;
  }
  let c: Checksum | null = null;
  try {
    c = JSON.parse(text);
  } catch {
    c = null;
  }
  if (!c || typeof c !== "object" || !Number.isInteger(c.bytes) || typeof c.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(c.sha256)) {
    return `its checksum file ${sumFile} is damaged (expected {"bytes": n, "sha256": "<64 hex digits>"})`;
  }
  return c;
}

/** Why `data` (the content of `file`) does not match checksum `want`, or null when it does. */
export function checksumProblem(file: string, data: Uint8Array, want: Checksum): string | null {
  if (data.byteLength !== want.bytes) return `it has ${data.byteLength} bytes, ${file}${SUM_SUFFIX} records ${want.bytes}`;
  const got = checksumOf(data).sha256;
  if (got !== want.sha256) return `its SHA-256 is ${got.slice(0, 12)}…, ${file}${SUM_SUFFIX} records ${want.sha256.slice(0, 12)}… (same size, different content)`;
  return null;
}

/**
 * ok: `data` verified. Else `why`: "missing" (no file), "unverified" (no checksum file: written
 * before checksums existed) or "corrupt" (a mismatch), and `problem` says it in words.
 * (One flat shape: tslab compiles lib/ without strict mode, where union narrowing is weaker.)
 */
export interface CheckedRead {
  ok: boolean;
  data: Buffer | null;
  why: "" | "missing" | "unverified" | "corrupt";
  problem: string;
}

/** Read `file` and verify it against its checksum file. */
export function readChecked(file: string): CheckedRead {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    return { ok: false, data: null, why: "missing", problem: `cannot read it (${(e as Error).message})` };
  }
  const want = readChecksum(file);
  if (want === null) return { ok: false, data: null, why: "unverified", problem: `it has no checksum file ${file}${SUM_SUFFIX}` };
  const problem = typeof want === "string" ? want : checksumProblem(file, data, want);
  return problem ? { ok: false, data: null, why: "corrupt", problem } : { ok: true, data, why: "", problem: "" };
}

/**
 * A cache file's bytes when intact and `bytes` long, else null: the caller
 * rebuilds it. A corrupt one is named on stderr, so a failing disk does not
 * go unnoticed; one without a checksum file (an older version's) is rebuilt quietly.
 */
export function readCache(file: string, bytes: number, what: string): Uint8Array | null {
  const r = readChecked(file);
  const d = r.data;
  if (d && d.byteLength === bytes) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (r.why === "corrupt") console.warn(`${what}: cache file ${file} is corrupt (${r.problem}); rebuilding it.`);
  return null;
}

/** Write a cache file and its checksum, each atomically. */
export function writeCache(file: string, data: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeChecked(file, data);
}
