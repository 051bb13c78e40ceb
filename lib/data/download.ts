// Verified, atomic downloads: bytes go to a temp file beside the target, are
// checked, and only then renamed into place. A failed or interrupted download
// never leaves a file under the final name.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { checksumOf } from "./checked-file";

export interface Expected {
  /** SHA-256 of the content; of the *uncompressed* bytes when `gunzipped` is true. */
  sha256: string;
  gunzipped?: boolean;
}

export function sha256Of(bytes: Uint8Array, gunzipped = false): string {
  return checksumOf(gunzipped ? zlib.gunzipSync(bytes) : bytes).sha256;
}

/** Download `url` to `dest` if it passes the check. Returns the bytes written. */
export async function downloadVerified(url: string, dest: string, expected: Expected, timeoutMs = 120_000): Promise<number> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${Date.now()}.tmp`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok || !res.body) throw new Error(`GET ${url} answered ${res.status} ${res.statusText}`);
    const chunks: Uint8Array[] = [];
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    const bytes = Buffer.concat(chunks);
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (Number.isFinite(declared) && declared !== bytes.length) {
      throw new Error(`download of ${url} was cut short: got ${bytes.length} of ${declared} bytes`);
    }
    fs.writeFileSync(tmp, bytes);
    let got: string;
    try {
      got = sha256Of(bytes, expected.gunzipped);
    } catch (e) {
      throw new Error(`${url} is not valid gzip (${(e as Error).message}); the download is corrupt or truncated`);
    }
    if (got !== expected.sha256) {
      throw new Error(`checksum mismatch for ${url}: SHA-256 ${got}, expected ${expected.sha256}. The file was not kept.`);
    }
    fs.renameSync(tmp, dest);
    return bytes.length;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
