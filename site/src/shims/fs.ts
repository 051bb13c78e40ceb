// `fs` for the browser kernel's worker: a small in-memory file system over the static site.
// Paths are URLs (lib's project root is the site's URL, see ../worker/index.ts). A file exists
// when it was put here (vfs.put: Fashion-MNIST, unpacked by DecompressionStream) or when the
// site's manifest (written by scripts/site.mjs) lists it; reading a listed file fetches it with
// a synchronous request, which workers allow. Writes stay in memory.
import { Buffer } from "buffer";

const files = new Map<string, Uint8Array>();
const listed = new Set<string>();
const dirs = new Set<string>();

function addDirsOf(p: string): void {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p)?.[0] ?? "";
  let rest = p.slice(origin.length);
  for (let i = rest.lastIndexOf("/"); i > 0; i = rest.lastIndexOf("/")) {
    rest = rest.slice(0, i);
    dirs.add(origin + rest);
  }
  dirs.add(origin || "/");
}

const clean = (p: string) => String(p).replace(/\/+$/, "");

export const vfs = {
  put(path: string, bytes: Uint8Array): void { files.set(clean(path), bytes); addDirsOf(clean(path)); },
  has: (path: string) => files.has(clean(path)),
  /** Files the site serves (absolute URLs), from its manifest. */
  list(urls: readonly string[]): void { for (const u of urls) { listed.add(clean(u)); addDirsOf(clean(u)); } },
};

function enoent(p: string, call: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, ${call} '${p}'`), { code: "ENOENT", errno: -2, path: p, syscall: call });
}

function fetchSync(url: string): Uint8Array | null {
  const xhr = new XMLHttpRequest();
  xhr.open("GET", url, false);
  xhr.responseType = "arraybuffer";
  xhr.send();
  return xhr.status >= 200 && xhr.status < 300 ? new Uint8Array(xhr.response as ArrayBuffer) : null;
}

export function existsSync(p: string): boolean {
  const c = clean(p);
  return files.has(c) || listed.has(c) || dirs.has(c);
}

export function statSync(p: string) {
  const c = clean(p);
  const isDir = dirs.has(c), isFile = files.has(c) || listed.has(c);
  if (!isDir && !isFile) throw enoent(p, "stat");
  const size = files.get(c)?.length ?? 0;
  return { isDirectory: () => isDir, isFile: () => isFile && !isDir, size, mtimeMs: 0, mtime: new Date(0) };
}

export function readFileSync(p: string, enc?: string | { encoding?: string }): Buffer | string {
  const c = clean(p);
  let bytes = files.get(c);
  if (!bytes && listed.has(c)) {
    const got = fetchSync(c);
    if (got) { bytes = got; files.set(c, got); }
  }
  if (!bytes) throw enoent(p, "open");
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const encoding = typeof enc === "string" ? enc : enc?.encoding;
  return encoding ? b.toString(encoding as BufferEncoding) : b;
}

export function writeFileSync(p: string, data: string | Uint8Array): void {
  vfs.put(p, typeof data === "string" ? new TextEncoder().encode(data) : data);
}

export function readdirSync(p: string): string[] {
  const c = clean(p);
  if (!dirs.has(c)) throw enoent(p, "scandir");
  const names = new Set<string>();
  for (const f of [...files.keys(), ...listed, ...dirs]) {
    if (f.startsWith(`${c}/`)) names.add(f.slice(c.length + 1).split("/")[0]);
  }
  return [...names].sort();
}

export function mkdirSync(p: string): void { dirs.add(clean(p)); }

export const promises = {
  readFile: async (p: string, enc?: string) => readFileSync(p, enc),
  writeFile: async (p: string, d: string | Uint8Array) => writeFileSync(p, d),
};

export default { existsSync, statSync, readFileSync, writeFileSync, readdirSync, mkdirSync, promises, vfs };
