// `fs` for the browser kernel's worker: a small in-memory file system over the static site.
// Paths are URLs (lib's project root is the site's URL, see ../worker/index.ts). A file exists
// when it was put here (vfs.put: Fashion-MNIST, unpacked by DecompressionStream) or when the
// site's manifest (written by scripts/site.mjs) lists it; reading a listed file fetches it with
// a synchronous request, which workers allow. Writes, renames and removals stay in memory (this
// kernel's lifetime: lib's saveWeights works, its save is gone when the kernel restarts).
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

export function statSync(p: string, opts?: { throwIfNoEntry?: boolean }) {
  const c = clean(p);
  const isDir = dirs.has(c), isFile = files.has(c) || listed.has(c);
  if (!isDir && !isFile) {
    if (opts?.throwIfNoEntry === false) return undefined as never;
    throw enoent(p, "stat");
  }
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
  vfs.put(p, typeof data === "string" ? new TextEncoder().encode(data) : data.slice());
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

export function mkdirSync(p: string): void { dirs.add(clean(p)); addDirsOf(clean(p)); }

/** `p` itself and every file or folder under it. */
function under(c: string): { files: string[]; dirs: string[] } {
  const inside = (k: string) => k === c || k.startsWith(`${c}/`);
  return { files: [...new Set([...files.keys(), ...listed])].filter(inside), dirs: [...dirs].filter(inside) };
}

export function rmSync(p: string, opts?: { force?: boolean; recursive?: boolean }): void {
  const c = clean(p);
  if (!existsSync(c)) { if (opts?.force) return; throw enoent(p, "rm"); }
  const u = under(c);
  for (const f of u.files) { files.delete(f); listed.delete(f); }
  for (const d of u.dirs) dirs.delete(d);
}

/** Moves a file or a folder; files the site serves are fetched first, then kept in memory. */
export function renameSync(from: string, to: string): void {
  const a = clean(from), b = clean(to);
  if (!existsSync(a)) throw enoent(from, "rename");
  const u = under(a);
  const moved = u.files.map((f) => [b + f.slice(a.length), readFileSync(f) as Uint8Array] as const);
  rmSync(b, { force: true });
  rmSync(a, { force: true });
  for (const d of u.dirs) mkdirSync(b + d.slice(a.length));
  for (const [f, bytes] of moved) vfs.put(f, bytes);
}

export function cpSync(from: string, to: string): void {
  const a = clean(from), b = clean(to);
  if (!existsSync(a)) throw enoent(from, "cp");
  const u = under(a);
  for (const d of u.dirs) mkdirSync(b + d.slice(a.length));
  for (const f of u.files) vfs.put(b + f.slice(a.length), readFileSync(f) as Uint8Array);
}

// File descriptors: lib opens a lock file with "wx", writes it and closes it.
const fds = new Map<number, { path: string; chunks: Uint8Array[] }>();
let nextFd = 100;
export function openSync(p: string, flags = "r"): number {
  const c = clean(p);
  if (flags.includes("x") && existsSync(c)) throw Object.assign(new Error(`EEXIST: file already exists, open '${p}'`), { code: "EEXIST", errno: -17, path: p, syscall: "open" });
  if (/[wa]/.test(flags)) writeFileSync(c, new Uint8Array(0));
  else if (!existsSync(c)) throw enoent(p, "open");
  fds.set(nextFd, { path: c, chunks: [] });
  return nextFd++;
}
export function writeSync(fd: number, data: string | Uint8Array): number {
  const f = fds.get(fd);
  if (!f) throw new Error(`EBADF: bad file descriptor, write`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  f.chunks.push(bytes);
  const all = new Uint8Array(f.chunks.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of f.chunks) { all.set(x, o); o += x.length; }
  vfs.put(f.path, all);
  return bytes.length;
}
export function closeSync(fd: number): void { fds.delete(fd); }

export const promises = {
  readFile: async (p: string, enc?: string) => readFileSync(p, enc),
  writeFile: async (p: string, d: string | Uint8Array) => writeFileSync(p, d),
  rm: async (p: string, o?: { force?: boolean; recursive?: boolean }) => rmSync(p, o),
  rename: async (a: string, b: string) => renameSync(a, b),
  mkdir: async (p: string) => mkdirSync(p),
};

export default { existsSync, statSync, readFileSync, writeFileSync, readdirSync, mkdirSync, rmSync, renameSync, cpSync, openSync, writeSync, closeSync, promises, vfs };
