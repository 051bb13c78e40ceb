// CelebA (Liu et al. 2015) in the Kaggle layout the book uses: a folder with
// img_align_celeba/ (202,599 aligned 178x218 JPEGs, often nested once more as
// img_align_celeba/img_align_celeba/) and list_attr_celeba.csv (image_id + 40
// attributes as -1/1). Images are centre-cropped to a square, area-resized to
// the model size and streamed in batches, so the 200k images never sit in
// memory at once. JPEG is decoded by jpeg-js, PNG by fast-png (pure JS).
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import * as jpeg from "jpeg-js";
import { decode as decodePng, convertIndexedToRgb } from "fast-png";
import { projectRoot } from "../settings";
import { readCache, writeCache } from "./checked-file";
import type { FaceDataset } from "./synthetic-faces";

export const CELEBA_ENV = "GDL_CELEBA_DIR";
export const CELEBA_ATTR_CSV = "list_attr_celeba.csv";
export const CELEBA_ATTR_TXT = "list_attr_celeba.txt";
export const CELEBA_IMAGE_DIR = "img_align_celeba";

function howToGet(): string {
  return [
    "To use CelebA:",
    "  1. download the Kaggle data set \"jessicali9530/celeba-dataset\" (about 1.4 GB) or the official img_align_celeba.zip + list_attr_celeba.txt;",
    "  2. unzip it so that one folder holds img_align_celeba/ (the JPEGs, possibly nested as img_align_celeba/img_align_celeba/) and list_attr_celeba.csv;",
    `  3. put that folder at datasets/celeba/ or set ${CELEBA_ENV}=/path/to/that/folder before starting Jupyter.`,
    "Without CelebA, the notebooks use the synthetic faces of lib/data/synthetic-faces.ts.",
  ].join("\n");
}

/** Folders searched for CelebA, in order. */
export function celebaSearchDirs(): string[] {
  const env = process.env[CELEBA_ENV];
  return env ? [path.resolve(env)] : [path.join(projectRoot(), "datasets", "celeba")];
}

export interface CelebALocation {
  root: string;
  /** The folder that directly holds the image files. */
  imageDir: string;
  /** list_attr_celeba.csv (or the original .txt). */
  attrFile: string;
}

/** Find the image folder and attribute file, or throw naming what is missing where and how to fix it. */
export function locateCelebA(dir?: string): CelebALocation {
  const dirs = dir ? [path.resolve(dir)] : celebaSearchDirs();
  const report: string[] = [];
  for (const root of dirs) {
    if (!fs.existsSync(root)) { report.push(`  ${root}: no such folder`); continue; }
    if (!fs.statSync(root).isDirectory()) { report.push(`  ${root}: not a folder`); continue; }
    const nested = path.join(root, CELEBA_IMAGE_DIR, CELEBA_IMAGE_DIR);
    const flat = path.join(root, CELEBA_IMAGE_DIR);
    const imageDir = isDir(nested) ? nested : isDir(flat) ? flat : null;
    const csv = path.join(root, CELEBA_ATTR_CSV), txt = path.join(root, CELEBA_ATTR_TXT);
    const attrFile = fs.existsSync(csv) ? csv : fs.existsSync(txt) ? txt : null;
    if (imageDir && attrFile) return { root, imageDir, attrFile };
    const missing = [
      imageDir ? null : `the image folder ${flat}${path.sep}`,
      attrFile ? null : `the attribute file ${csv}`,
    ].filter(Boolean);
    report.push(`  ${root}: missing ${missing.join(" and ")}`);
  }
  throw new Error(`CelebA not found. Looked in:\n${report.join("\n")}\n${howToGet()}`);
}

function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

export interface CelebAAttributes {
  file: string;
  /** Attribute names in file order (40 for CelebA). */
  names: string[];
  /** Image file names, one per row. */
  ids: string[];
  /** Row-major [ids.length, names.length], 1 = has the attribute, 0 = not (the file's -1). */
  values: Uint8Array;
}

const attrCache = new Map<string, CelebAAttributes>();

/**
 * Parse list_attr_celeba.csv ("image_id,5_o_Clock_Shadow,..." then one row per
 * image with -1/1) or the original list_attr_celeba.txt (a count line, a names
 * line, then whitespace-separated rows). Every row is checked.
 */
export function readCelebAAttributes(file: string): CelebAAttributes {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch {
    throw new Error(`CelebA attribute file ${file} does not exist. It comes with the data set (list_attr_celeba.csv in the Kaggle download).\n${howToGet()}`);
  }
  const key = `${path.resolve(file)}|${st.size}|${st.mtimeMs}`;
  const hit = attrCache.get(key);
  if (hit) return hit;
  const text = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  const lines = text.split(/\r?\n/);
  const isTxt = file.endsWith(".txt");
  const split = isTxt ? (l: string) => l.trim().split(/\s+/) : (l: string) => l.split(",").map((f) => f.trim());
  const bad = (line: number, why: string) =>
    new Error(`${file}, line ${line}: ${why}. Each row must be an image file name followed by one -1/1 value per attribute. ` +
      "The file may be truncated or edited; download it again (list_attr_celeba.csv of the Kaggle CelebA data set).");
  let first = 0;
  if (isTxt) {
    if (!/^\s*\d+\s*$/.test(lines[0] ?? "")) throw bad(1, `expected the number of images, got ${JSON.stringify(lines[0]?.slice(0, 60))}`);
    first = 1;
  }
  const header = split(lines[first] ?? "");
  // The CSV header starts with "image_id"; the .txt names line has no first column.
  const names = isTxt ? header : header.slice(1);
  if (!isTxt && header[0] !== "image_id") {
    throw bad(first + 1, `expected a header starting with "image_id", got ${JSON.stringify((lines[first] ?? "").slice(0, 60))}`);
  }
  if (names.length === 0 || names.some((n) => !/^[A-Za-z0-9_]+$/.test(n))) {
    throw bad(first + 1, `expected attribute names like 5_o_Clock_Shadow,Smiling,..., got ${JSON.stringify((lines[first] ?? "").slice(0, 80))}`);
  }
  const k = names.length;
  const ids: string[] = [];
  const rows: Uint8Array[] = [];
  for (let li = first + 1; li < lines.length; li++) {
    const line = lines[li];
    if (line.trim() === "") continue;
    const f = split(line);
    if (f.length !== k + 1) throw bad(li + 1, `expected ${k + 1} fields (image_id and ${k} attributes), got ${f.length}`);
    if (!/\.(jpe?g|png)$/i.test(f[0])) throw bad(li + 1, `the first field should be an image file name like 000001.jpg, got ${JSON.stringify(f[0])}`);
    const row = new Uint8Array(k);
    for (let j = 0; j < k; j++) {
      const v = f[j + 1];
      if (v === "1") row[j] = 1;
      else if (v === "-1" || v === "0") row[j] = 0;
      else throw bad(li + 1, `attribute ${names[j]} must be -1 or 1, got ${JSON.stringify(v)}`);
    }
    ids.push(f[0]);
    rows.push(row);
  }
  if (ids.length === 0) throw bad(first + 2, "no image rows after the header");
  const values = new Uint8Array(ids.length * k);
  rows.forEach((r, i) => values.set(r, i * k));
  const out = { file, names, ids, values };
  attrCache.set(key, out);
  return out;
}

// ---------------------------------------------------------------- images

/** Decode a JPEG or PNG file to 8-bit RGB. */
export function decodeImage(bytes: Uint8Array, file: string): { width: number; height: number; rgb: Uint8Array } {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  try {
    if (isJpeg) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
      const n = img.width * img.height;
      // Greyscale JPEGs still decode to 3 channels with formatAsRGBA false; guard anyway.
      if (img.data.length !== n * 3) throw new Error(`decoded ${img.data.length} bytes for ${img.width}x${img.height}, expected ${n * 3}`);
      return { width: img.width, height: img.height, rgb: img.data };
    }
    if (isPng) return pngToRgb(decodePng(bytes));
  } catch (e) {
    throw new Error(`${file}: could not decode the image (${(e as Error).message}). The file is damaged; extract it from the archive again.`);
  }
  throw new Error(`${file}: not a JPEG or PNG file (first bytes ${Array.from(bytes.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ")}).`);
}

function pngToRgb(png: ReturnType<typeof decodePng>): { width: number; height: number; rgb: Uint8Array } {
  const { width, height } = png;
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  if (png.palette) {
    const src = convertIndexedToRgb(png);
    const c = src.length / n;
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = src[i * c + k];
    return { width, height, rgb };
  }
  const c = png.channels, d = png.data, shift = png.depth === 16 ? 8 : 0;
  if (png.depth !== 8 && png.depth !== 16) throw new Error(`unsupported PNG bit depth ${png.depth} (use 8-bit RGB)`);
  for (let i = 0; i < n; i++) {
    if (c >= 3) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = d[i * c + k] >> shift;
    else rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = d[i * c] >> shift; // grey (+alpha)
  }
  return { width, height, rgb };
}

/** Source index ranges and weights of an area (box-filter) resize along one axis. */
function areaWeights(srcLen: number, srcOffset: number, srcSpan: number, outLen: number) {
  const taps: { i0: number; w: Float32Array }[] = [];
  const scale = srcSpan / outLen;
  for (let o = 0; o < outLen; o++) {
    let a = srcOffset + o * scale, b = srcOffset + (o + 1) * scale;
    if (b - a < 1) { const mid = (a + b) / 2; a = mid - 0.5; b = mid + 0.5; } // upscaling: nearest-ish
    const i0 = Math.max(0, Math.floor(a)), i1 = Math.min(srcLen, Math.ceil(b));
    const w = new Float32Array(i1 - i0);
    let sum = 0;
    for (let i = i0; i < i1; i++) { w[i - i0] = Math.max(0, Math.min(b, i + 1) - Math.max(a, i)); sum += w[i - i0]; }
    for (let i = 0; i < w.length; i++) w[i] /= sum;
    taps.push({ i0, w });
  }
  return taps;
}

/**
 * Centre-crop to a square (CelebA's 178x218 -> 178x178, the face centred) and
 * area-resize to size x size. Writes floats in [0,1] into `out` at `offset`.
 */
export function cropResize(img: { width: number; height: number; rgb: Uint8Array }, size: number, out: Float32Array, offset = 0): void {
  const side = Math.min(img.width, img.height);
  const x0 = (img.width - side) / 2, y0 = (img.height - side) / 2;
  const xs = areaWeights(img.width, x0, side, size), ys = areaWeights(img.height, y0, side, size);
  const row = new Float32Array(img.width * 3);
  for (let oy = 0; oy < size; oy++) {
    row.fill(0);
    const { i0: yi0, w: yw } = ys[oy];
    for (let t = 0; t < yw.length; t++) {
      const base = (yi0 + t) * img.width * 3, wt = yw[t];
      for (let j = 0; j < row.length; j++) row[j] += wt * img.rgb[base + j];
    }
    for (let ox = 0; ox < size; ox++) {
      const { i0: xi0, w: xw } = xs[ox];
      let r = 0, g = 0, b = 0;
      for (let t = 0; t < xw.length; t++) {
        const j = (xi0 + t) * 3, wt = xw[t];
        r += wt * row[j]; g += wt * row[j + 1]; b += wt * row[j + 2];
      }
      const o = offset + (oy * size + ox) * 3;
      out[o] = r / 255; out[o + 1] = g / 255; out[o + 2] = b / 255;
    }
  }
}

function imagePath(loc: CelebALocation, id: string, row: number): string {
  const p = path.join(loc.imageDir, id);
  if (isDir(p)) {
    throw new Error(`CelebA image ${p} is a folder, not an image file (listed on row ${row + 1} of ${loc.attrFile}). ` +
      `Each row must name a JPEG directly inside ${loc.imageDir}: move the real file there (or remove the folder), or extract img_align_celeba.zip again into ${loc.root}.`);
  }
  if (fs.existsSync(p)) return p;
  // Tolerate a folder converted to PNG (or back) under the same stem.
  const stem = id.replace(/\.(jpe?g|png)$/i, "");
  for (const ext of [".jpg", ".png", ".jpeg"]) {
    const q = path.join(loc.imageDir, stem + ext);
    if (fs.existsSync(q)) return q;
  }
  throw new Error(`CelebA image ${p} is missing (listed on row ${row + 1} of ${loc.attrFile}). ` +
    `The image folder is incomplete: extract img_align_celeba.zip again into ${loc.root}, or pass { limit } to use only the first images.`);
}

// ---------------------------------------------------------------- loading

export interface CelebAOptions {
  /** The CelebA folder (default: $GDL_CELEBA_DIR, else datasets/celeba/). */
  dir?: string;
  /** Output side in pixels (default 32, the synthetic faces' size; the book uses 64). */
  size?: number;
  /** First row of the attribute file to use (default 0). */
  start?: number;
  /** Number of images (default: all rows for streaming; 10,000 for loadCelebA). */
  limit?: number;
}

export interface CelebABatch {
  /** [b, size, size, 3] float32 in [0,1]; the consumer disposes it. */
  images: tf.Tensor4D;
  attributes: Record<string, Uint8Array>;
  ids: string[];
  /** Row of the first image of the batch. */
  start: number;
}

function checkOpts(o: CelebAOptions, rows: number): { size: number; start: number; end: number } {
  const size = o.size ?? 32, start = o.start ?? 0;
  if (!Number.isInteger(size) || size < 4) throw new Error(`CelebA: size must be an integer >= 4 (e.g. 32 or 64), got ${size}.`);
  if (!Number.isInteger(start) || start < 0 || start >= rows) throw new Error(`CelebA: start must be an integer in 0..${rows - 1}, got ${start}.`);
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1)) throw new Error(`CelebA: limit must be a positive integer, got ${o.limit}.`);
  return { size, start, end: Math.min(rows, start + (o.limit ?? rows)) };
}

function attributesSlice(a: CelebAAttributes, lo: number, hi: number): Record<string, Uint8Array> {
  const k = a.names.length;
  const out: Record<string, Uint8Array> = {};
  a.names.forEach((name, j) => {
    const col = new Uint8Array(hi - lo);
    for (let i = lo; i < hi; i++) col[i - lo] = a.values[i * k + j];
    out[name] = col;
  });
  return out;
}

/** Decode rows lo..hi-1 into floats [n*size*size*3] (files are read ahead while decoding). */
async function decodeRows(loc: CelebALocation, attrs: CelebAAttributes, lo: number, hi: number, size: number): Promise<Float32Array> {
  const per = size * size * 3;
  const out = new Float32Array((hi - lo) * per);
  const read = (i: number) => {
    const p = imagePath(loc, attrs.ids[i], i);
    return fs.promises.readFile(p).then((b) => ({ p, b }), (e: Error) => {
      throw new Error(`CelebA image ${p} (row ${i + 1} of ${attrs.file}) cannot be read: ${e.message}. Check its permissions, or extract img_align_celeba.zip again into ${loc.root}.`);
    });
  };
  let next = lo < hi ? read(lo) : null;
  for (let i = lo; i < hi; i++) {
    const { p, b } = await next!;
    next = i + 1 < hi ? read(i + 1) : null;
    cropResize(decodeImage(b, p), size, out, (i - lo) * per);
  }
  return out;
}

/**
 * Stream CelebA in batches: `for await (const b of celebaBatches({ batchSize: 128 })) { ...; b.images.dispose(); }`.
 * Only one batch is decoded at a time.
 */
export async function* celebaBatches(opts: CelebAOptions & { batchSize?: number } = {}): AsyncGenerator<CelebABatch> {
  const loc = locateCelebA(opts.dir);
  const attrs = readCelebAAttributes(loc.attrFile);
  const { size, start, end } = checkOpts(opts, attrs.ids.length);
  const bs = opts.batchSize ?? 128;
  if (!Number.isInteger(bs) || bs < 1) throw new Error(`CelebA: batchSize must be a positive integer, got ${bs}.`);
  for (let lo = start; lo < end; lo += bs) {
    const hi = Math.min(end, lo + bs);
    const data = await decodeRows(loc, attrs, lo, hi, size);
    yield { images: tf.tensor4d(data, [hi - lo, size, size, 3]), attributes: attributesSlice(attrs, lo, hi), ids: attrs.ids.slice(lo, hi), start: lo };
  }
}

const MAX_IN_MEMORY = 60_000;

/**
 * The first `limit` (default 10,000) images as one tensor, like loadSyntheticFaces.
 * Decoded pixels are cached under datasets/cache/ (atomic write, SHA-256 checked), so a second
 * load skips the JPEG decoding. For all 200k images use celebaBatches().
 */
export async function loadCelebA(opts: CelebAOptions & { cache?: boolean } = {}): Promise<FaceDataset> {
  const loc = locateCelebA(opts.dir);
  const attrs = readCelebAAttributes(loc.attrFile);
  const { size, start, end } = checkOpts({ ...opts, limit: opts.limit ?? 10_000 }, attrs.ids.length);
  const n = end - start;
  if (n > MAX_IN_MEMORY) {
    throw new Error(`loadCelebA: limit ${n} would hold ${(n * size * size * 12 / 2 ** 30).toFixed(1)} GiB of floats; use at most ${MAX_IN_MEMORY} images, or stream them with celebaBatches().`);
  }
  const per = size * size * 3;
  const cacheFile = opts.cache === false ? null : path.join(
    process.env.GDL_CACHE_DIR ? path.resolve(process.env.GDL_CACHE_DIR) : path.join(projectRoot(), "datasets", "cache"),
    `celeba-${size}px-${start}-${n}-${fingerprint(loc)}.u8`);
  let data: Float32Array | null = null;
  const cached = cacheFile ? readCache(cacheFile, n * per, "loadCelebA") : null;
  if (cached) {
    data = new Float32Array(n * per);
    for (let i = 0; i < data.length; i++) data[i] = cached[i] / 255;
  }
  if (!data) {
    data = await decodeRows(loc, attrs, start, end, size);
    if (cacheFile) {
      const bytes = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) bytes[i] = Math.round(data[i] * 255);
      writeCache(cacheFile, bytes);
    }
  }
  return {
    images: tf.tensor4d(data, [n, size, size, 3]),
    attributes: attributesSlice(attrs, start, end),
    attributeNames: attrs.names,
    source: `CelebA (${loc.root}, ${n} images from row ${start}, ${size}x${size})`,
  };
}

/** Identifies a CelebA copy for the cache name: the attribute file's path, size and time. */
function fingerprint(loc: CelebALocation): string {
  const st = fs.statSync(loc.attrFile);
  const key = `${path.resolve(loc.attrFile)}|${st.size}|${st.mtimeMs}`;
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** True when CelebA is present where the loader looks (for notebooks choosing a data set). */
export function celebaAvailable(dir?: string): boolean {
  try { locateCelebA(dir); return true; } catch { return false; }
}
