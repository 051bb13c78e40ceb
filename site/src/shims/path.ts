// POSIX `path` for the browser kernel. A first argument that is a URL
// ("https://host/site") keeps its origin, so lib's project root can be the site's URL and
// path.join(root, "datasets", ...) stays a URL the fs shim can fetch.
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i;

function normalizeParts(p: string): string {
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (!seg || seg === ".") continue;
    if (seg === "..") { if (out.length && out[out.length - 1] !== "..") out.pop(); else if (!abs) out.push(".."); continue; }
    out.push(seg);
  }
  const s = out.join("/");
  return abs ? `/${s}` : s || ".";
}

function split(p: string): [string, string] {
  const m = ORIGIN.exec(p);
  return m ? [m[0], p.slice(m[0].length) || "/"] : ["", p];
}

export const sep = "/";
export const delimiter = ":";

export function normalize(p: string): string {
  const [origin, rest] = split(p);
  const trailing = rest.endsWith("/") && rest.length > 1;
  const n = normalizeParts(rest);
  return origin + n + (trailing && n !== "/" ? "/" : "");
}

export function join(...parts: string[]): string {
  const list = parts.filter((p) => p !== "");
  if (!list.length) return ".";
  const [origin, first] = split(list[0]);
  const n = normalizeParts([first, ...list.slice(1)].join("/"));
  return origin + (origin && !n.startsWith("/") ? `/${n}` : n);
}

export function resolve(...parts: string[]): string {
  let acc = "";
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i];
    if (!p) continue;
    acc = acc ? `${p}/${acc}` : p;
    if (p.startsWith("/") || ORIGIN.test(p)) break;
  }
  if (!acc.startsWith("/") && !ORIGIN.test(acc)) acc = `/${acc}`;
  const [origin, rest] = split(acc);
  return origin + normalizeParts(rest);
}

export function dirname(p: string): string {
  const [origin, rest] = split(p);
  const s = rest.replace(/\/+$/, "");
  const i = s.lastIndexOf("/");
  if (i < 0) return origin ? origin : ".";
  return origin + (i === 0 ? "/" : s.slice(0, i));
}

export function basename(p: string, ext?: string): string {
  const b = p.replace(/\/+$/, "").split("/").pop() ?? "";
  return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
}

export function extname(p: string): string {
  const b = basename(p);
  const i = b.lastIndexOf(".");
  return i <= 0 ? "" : b.slice(i);
}

export const isAbsolute = (p: string) => p.startsWith("/") || ORIGIN.test(p);

export function relative(from: string, to: string): string {
  const a = resolve(from).split("/").filter(Boolean), b = resolve(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...Array(a.length - i).fill(".."), ...b.slice(i)].join("/");
}

export const posix = { sep, delimiter, normalize, join, resolve, dirname, basename, extname, isAbsolute, relative };
export default posix;
