// Synthetic cartoon faces: a stand-in for CelebA that needs no download. Each
// face is drawn (anti-aliased) from a handful of parameters - face shape, skin
// tone, hair colour and length, smile, glasses, eye size, background, shirt -
// so every image carries exact attribute labels, and the same face can be
// redrawn with one attribute changed (a counterfactual pair). Image i depends
// only on (seed, i): the first 100 faces of a 10k set are the 100-face set.
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../probability/rng";
import { readCache, writeCache } from "./checked-file";
import { projectRoot } from "../settings";

/** Bump when the drawing changes: it is part of every cache key and file name. */
export const SYNTHETIC_FACES_VERSION = 1;

type RGB = readonly [number, number, number];

export const SKIN_TONES: readonly RGB[] = [
  [0.98, 0.87, 0.78], [0.93, 0.76, 0.62], [0.80, 0.60, 0.44], [0.62, 0.43, 0.30], [0.43, 0.29, 0.20],
];
export const HAIR_COLOURS = ["black", "brown", "blond", "red", "gray"] as const;
export type HairColour = (typeof HAIR_COLOURS)[number];
export const HAIR_RGB: Record<HairColour, RGB> = {
  black: [0.10, 0.08, 0.07], brown: [0.42, 0.25, 0.12], blond: [0.95, 0.80, 0.38],
  red: [0.78, 0.30, 0.12], gray: [0.68, 0.68, 0.70],
};
const HAIR_WEIGHTS = [0.3, 0.3, 0.2, 0.1, 0.1];
export const BACKGROUNDS: readonly RGB[] = [
  [0.55, 0.70, 0.90], [0.75, 0.88, 0.72], [0.92, 0.90, 0.80], [0.80, 0.78, 0.92], [0.60, 0.62, 0.66], [0.95, 0.80, 0.80],
];
export const SHIRTS: readonly RGB[] = [
  [0.20, 0.30, 0.60], [0.65, 0.15, 0.18], [0.20, 0.50, 0.30], [0.30, 0.30, 0.32], [0.90, 0.90, 0.88],
];
const FRAME: RGB = [0.06, 0.06, 0.08];
const LIPS: RGB = [0.55, 0.10, 0.14];
const SCLERA: RGB = [0.98, 0.98, 0.98];
const PUPIL: RGB = [0.10, 0.12, 0.20];

/** Everything that determines one face. Geometry is in 32-pixel units (scaled for other sizes). */
export interface FaceParams {
  oval: boolean;
  /** Index into SKIN_TONES (0 = palest). */
  skin: number;
  hair: HairColour;
  longHair: boolean;
  smiling: boolean;
  glasses: boolean;
  bigEyes: boolean;
  /** Index into BACKGROUNDS, with a brightness factor around 1. */
  background: number;
  backgroundShade: number;
  /** Index into SHIRTS. */
  shirt: number;
  /** Head position jitter and size factor. */
  dx: number;
  dy: number;
  scale: number;
}

/** Binary labels, named like CelebA's list_attr_celeba.csv where CelebA has the attribute. */
export const FACE_ATTRIBUTES = [
  "Smiling", "Eyeglasses", "Black_Hair", "Brown_Hair", "Blond_Hair", "Red_Hair", "Gray_Hair",
  "Long_Hair", "Oval_Face", "Big_Eyes", "Pale_Skin",
] as const;
export type FaceAttribute = (typeof FACE_ATTRIBUTES)[number];

export function attributesOf(p: FaceParams): Record<FaceAttribute, 0 | 1> {
  const b = (v: boolean): 0 | 1 => (v ? 1 : 0);
  return {
    Smiling: b(p.smiling), Eyeglasses: b(p.glasses),
    Black_Hair: b(p.hair === "black"), Brown_Hair: b(p.hair === "brown"), Blond_Hair: b(p.hair === "blond"),
    Red_Hair: b(p.hair === "red"), Gray_Hair: b(p.hair === "gray"),
    Long_Hair: b(p.longHair), Oval_Face: b(p.oval), Big_Eyes: b(p.bigEyes), Pale_Skin: b(p.skin === 0),
  };
}

/** A well-mixed 31-bit seed for image `index` of the set with seed `seed`. */
function imageSeed(seed: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) & 0x7fffffff;
}

/** The parameters of face `index` in the set `seed` (independent of how many faces are drawn). */
export function faceParams(seed: number, index: number): FaceParams {
  const r = new Rng(imageSeed(seed, index));
  return {
    oval: r.uniform() < 0.5,
    skin: r.int(SKIN_TONES.length),
    hair: HAIR_COLOURS[r.categorical(HAIR_WEIGHTS)],
    longHair: r.uniform() < 0.45,
    smiling: r.uniform() < 0.5,
    glasses: r.uniform() < 0.3,
    bigEyes: r.uniform() < 0.5,
    background: r.int(BACKGROUNDS.length),
    backgroundShade: r.between(0.85, 1.1),
    shirt: r.int(SHIRTS.length),
    dx: r.between(-1.5, 1.5),
    dy: r.between(-1.2, 1.2),
    scale: r.between(0.93, 1.07),
  };
}

// ---------------------------------------------------------------- drawing
// A float RGB canvas; each shape gives a coverage in [0,1] per pixel (1-pixel
// anti-aliased edge from an approximate signed distance) and is alpha-blended.

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

class Canvas {
  constructor(readonly buf: Float32Array, readonly size: number) {}

  /** Alpha-blend colour `rgb` with coverage `a` into the pixel starting at buffer index `i`. */
  private blend(i: number, a: number, rgb: RGB): void {
    const b = this.buf;
    b[i] += a * (rgb[0] - b[i]);
    b[i + 1] += a * (rgb[1] - b[i + 1]);
    b[i + 2] += a * (rgb[2] - b[i + 2]);
  }

  /**
   * Filled ellipse. The hot path of the generator, so no per-pixel closure:
   * each row visits only the span the ellipse can touch, pixels well inside
   * are covered without the distance estimate, and `clipBelowY`/`clipAboveY`
   * cut it at a horizontal line (hair cap, smile arc) with a soft edge.
   */
  ellipse(cx: number, cy: number, rx: number, ry: number, rgb: RGB, clipAboveY = Infinity): void {
    const s = this.size;
    const rmin = Math.min(rx, ry);
    const inner = 1 - 0.5 / rmin, outer = 1 + 0.5 / rmin; // f beyond these: coverage exactly 1 or 0
    const inner2 = inner > 0 ? inner * inner : 0, outer2 = outer * outer;
    const ya = Math.max(0, Math.floor(cy - ry - 1)), yb = Math.min(s, Math.ceil(cy + ry + 1), Math.ceil(clipAboveY + 0.5));
    for (let y = ya; y < yb; y++) {
      const py = y + 0.5, uy = (py - cy) / ry;
      const rowClip = clamp01(clipAboveY - py + 0.5);
      if (rowClip <= 0) continue;
      const half = rx * Math.sqrt(Math.max(0, outer2 - uy * uy)) + 1;
      const xa = Math.max(0, Math.floor(cx - half)), xb = Math.min(s, Math.ceil(cx + half));
      for (let x = xa; x < xb; x++) {
        const ux = (x + 0.5 - cx) / rx;
        const f2 = ux * ux + uy * uy;
        if (f2 >= outer2) continue;
        let a: number;
        if (f2 <= inner2) a = 1;
        else {
          const f = Math.sqrt(f2), gx = ux / rx, gy = uy / ry;
          a = clamp01(0.5 - ((f - 1) * f) / Math.sqrt(gx * gx + gy * gy));
          if (a <= 0) continue;
        }
        if (rowClip < a) a = rowClip;
        this.blend((y * s + x) * 3, a, rgb);
      }
    }
  }

  /** Ring of radius r and line width w around (cx, cy), optionally only below the line y = clipBelowY. */
  ring(cx: number, cy: number, r: number, w: number, rgb: RGB, clipBelowY = -Infinity): void {
    const s = this.size;
    const R = r + w / 2 + 0.5, Rin = Math.max(0, r - w / 2 - 0.5);
    const ya = Math.max(0, Math.floor(cy - R), Math.floor(clipBelowY - 0.5)), yb = Math.min(s, Math.ceil(cy + R));
    for (let y = ya; y < yb; y++) {
      const py = y + 0.5, dy = py - cy;
      const rowClip = clamp01(py - clipBelowY + 0.5);
      if (rowClip <= 0) continue;
      const xa = Math.max(0, Math.floor(cx - R)), xb = Math.min(s, Math.ceil(cx + R));
      for (let x = xa; x < xb; x++) {
        const dx = x + 0.5 - cx, d2 = dx * dx + dy * dy;
        if (d2 >= R * R || d2 <= Rin * Rin) continue;
        let a = clamp01(0.5 - (Math.abs(Math.sqrt(d2) - r) - w / 2));
        if (a <= 0) continue;
        if (rowClip < a) a = rowClip;
        this.blend((y * s + x) * 3, a, rgb);
      }
    }
  }

  /** Axis-aligned rectangle [x0,x1] x [y0,y1] with soft (partially covered) edges. */
  rect(x0: number, y0: number, x1: number, y1: number, rgb: RGB): void {
    const s = this.size;
    const xa = Math.max(0, Math.floor(x0 - 0.5)), xb = Math.min(s, Math.ceil(x1 + 0.5));
    const ya = Math.max(0, Math.floor(y0 - 0.5)), yb = Math.min(s, Math.ceil(y1 + 0.5));
    for (let y = ya; y < yb; y++) {
      const py = y + 0.5, ay = Math.min(clamp01(py - y0 + 0.5), clamp01(y1 - py + 0.5));
      if (ay <= 0) continue;
      for (let x = xa; x < xb; x++) {
        const px = x + 0.5;
        const a = Math.min(ay, clamp01(px - x0 + 0.5), clamp01(x1 - px + 0.5));
        if (a <= 0) continue;
        this.blend((y * s + x) * 3, a, rgb);
      }
    }
  }
}

function shade(rgb: RGB, k: number): RGB {
  return [clamp01(rgb[0] * k), clamp01(rgb[1] * k), clamp01(rgb[2] * k)];
}

/** Geometry of a face in pixels (exported so tests and pixel checks can find the parts). */
export function faceLayout(p: FaceParams, size = 32) {
  const u = (size / 32) * p.scale;
  const cx = size / 2 + p.dx * (size / 32);
  const cy = size * 0.5 + p.dy * (size / 32);
  const rx = (p.oval ? 7.0 : 8.2) * u;
  const ry = (p.oval ? 9.6 : 8.6) * u;
  const eyeY = cy - 0.6 * u;
  const eyeDx = 3.4 * u;
  return {
    u, cx, cy, rx, ry, eyeY, eyeDx,
    eyeR: (p.bigEyes ? 1.55 : 0.95) * u,
    lensR: 2.5 * u,
    mouthY: cy + 0.5 * ry,
    hairline: cy - 0.32 * ry,
  };
}

/** Draw face `p` into `buf` (size*size*3 floats in [0,1], overwritten). */
export function drawFace(p: FaceParams, size: number, buf: Float32Array): void {
  const L = faceLayout(p, size);
  const { u, cx, cy, rx, ry } = L;
  const c = new Canvas(buf, size);
  const skin = SKIN_TONES[p.skin], hair = HAIR_RGB[p.hair];
  // Background: the palette colour with a gentle vertical gradient.
  const bg = BACKGROUNDS[p.background];
  for (let y = 0; y < size; y++) {
    const k = p.backgroundShade * (1.05 - (0.15 * y) / size);
    const r = clamp01(bg[0] * k), g = clamp01(bg[1] * k), b = clamp01(bg[2] * k);
    for (let x = 0, i = y * size * 3; x < size; x++, i += 3) { buf[i] = r; buf[i + 1] = g; buf[i + 2] = b; }
  }
  // Shoulders and neck.
  c.ellipse(cx, size + 2.5 * u, 13.5 * u, 7.5 * u, SHIRTS[p.shirt]);
  // Long hair falls behind the head down to the shoulders.
  if (p.longHair) c.ellipse(cx, cy + 3 * u, rx + 2.6 * u, ry + 5.5 * u, shade(hair, 0.9));
  c.rect(cx - 2.6 * u, cy + ry - 3 * u, cx + 2.6 * u, size - 3 * u, shade(skin, 0.88));
  // Head, then the hair cap above the hairline.
  c.ellipse(cx, cy, rx, ry, skin);
  const hairline = L.hairline;
  c.ellipse(cx, cy - 0.8 * u, rx + 1.1 * u, ry + 1.1 * u, hair, hairline);
  // Eyes: white, then a pupil.
  for (const side of [-1, 1]) {
    const ex = cx + side * L.eyeDx;
    c.ellipse(ex, L.eyeY, L.eyeR + 0.7 * u, L.eyeR + 0.2 * u, SCLERA);
    c.ellipse(ex, L.eyeY, L.eyeR * 0.75, L.eyeR * 0.75, PUPIL);
  }
  // Glasses: two rings, a bridge and the arms to the edge of the face.
  if (p.glasses) {
    const w = 1.0 * u;
    for (const side of [-1, 1]) c.ring(cx + side * L.eyeDx, L.eyeY, L.lensR, w, FRAME);
    const half = 0.45 * u;
    c.rect(cx - L.eyeDx + L.lensR, L.eyeY - 0.5 * u - half, cx + L.eyeDx - L.lensR, L.eyeY - 0.5 * u + half, FRAME);
    c.rect(cx - rx + 0.3 * u, L.eyeY - half, cx - L.eyeDx - L.lensR, L.eyeY + half, FRAME);
    c.rect(cx + L.eyeDx + L.lensR, L.eyeY - half, cx + rx - 0.3 * u, L.eyeY + half, FRAME);
  }
  // Mouth: a U-shaped arc when smiling, a flat line otherwise.
  if (p.smiling) {
    const ay = L.mouthY - 2.6 * u;
    c.ring(cx, ay, 3.2 * u, 1.2 * u, LIPS, ay + 0.3 * u);
  } else {
    c.rect(cx - 2.3 * u, L.mouthY - 0.45 * u, cx + 2.3 * u, L.mouthY + 0.45 * u, LIPS);
  }
}

// ---------------------------------------------------------------- data sets

export interface SyntheticFaceOptions {
  /** Number of faces (any positive integer). */
  count: number;
  /** Seed of the set (default 1). Same seed -> identical pixels. */
  seed?: number;
  /** Side in pixels (default 32; any multiple of 8 from 16 up). */
  size?: number;
  /** Index of the first face (default 0): faces start..start+count-1 of the set. */
  start?: number;
  /** Force parameters on every face, e.g. { glasses: true } (counterfactual copies). */
  set?: Partial<FaceParams>;
  /** "memory" (default): keep in this process; "disk": also datasets/cache/ (atomic, SHA-256 checked); "none". */
  cache?: "memory" | "disk" | "none";
}

/** Raw faces: bytes (0-255), parameters and labels. */
export interface SyntheticFacesRaw {
  /** [count, size, size, 3] RGB bytes, row-major. */
  pixels: Uint8Array;
  count: number;
  size: number;
  params: FaceParams[];
  attributes: Record<FaceAttribute, Uint8Array>;
}

function checkOptions(o: SyntheticFaceOptions): Required<Omit<SyntheticFaceOptions, "set">> & { set: Partial<FaceParams> } {
  if (typeof o !== "object" || o === null) throw new Error("synthetic faces: pass options, e.g. { count: 1000, seed: 1 }.");
  const { count, seed = 1, size = 32, start = 0, cache = "memory", set = {} } = o;
  if (!Number.isInteger(count) || count < 1) throw new Error(`synthetic faces: count must be a positive integer, got ${count}.`);
  if (!Number.isInteger(seed)) throw new Error(`synthetic faces: seed must be an integer, got ${seed}.`);
  if (!Number.isInteger(size) || size < 16 || size % 8 !== 0) throw new Error(`synthetic faces: size must be a multiple of 8 and at least 16 (e.g. 32 or 64), got ${size}.`);
  if (!Number.isInteger(start) || start < 0) throw new Error(`synthetic faces: start must be a non-negative integer, got ${start}.`);
  if (cache !== "memory" && cache !== "disk" && cache !== "none") throw new Error(`synthetic faces: cache must be "memory", "disk" or "none", got ${JSON.stringify(cache)}.`);
  if (set.hair !== undefined && !HAIR_COLOURS.includes(set.hair)) throw new Error(`synthetic faces: set.hair must be one of ${HAIR_COLOURS.join(", ")}, got ${JSON.stringify(set.hair)}.`);
  if (set.skin !== undefined && !(Number.isInteger(set.skin) && set.skin >= 0 && set.skin < SKIN_TONES.length)) throw new Error(`synthetic faces: set.skin must be 0..${SKIN_TONES.length - 1}, got ${set.skin}.`);
  return { count, seed, size, start, cache, set };
}

/** Draw faces (no caching). Exposed for benchmarks; most code wants syntheticFaces(). */
export function renderFaces(params: readonly FaceParams[], size = 32): Uint8Array {
  const per = size * size * 3;
  const out = new Uint8Array(params.length * per);
  const buf = new Float32Array(per);
  for (let i = 0; i < params.length; i++) {
    drawFace(params[i], size, buf);
    const o = i * per;
    for (let j = 0; j < per; j++) out[o + j] = (buf[j] * 255 + 0.5) | 0;
  }
  return out;
}

function labelsOf(params: readonly FaceParams[]): Record<FaceAttribute, Uint8Array> {
  const out = {} as Record<FaceAttribute, Uint8Array>;
  for (const a of FACE_ATTRIBUTES) out[a] = new Uint8Array(params.length);
  params.forEach((p, i) => {
    const at = attributesOf(p);
    for (const a of FACE_ATTRIBUTES) out[a][i] = at[a];
  });
  return out;
}

// In-process cache of pixel bytes, bounded so a notebook session cannot hoard memory.
const MEMORY_LIMIT_BYTES = 512 * 2 ** 20;
const memory = new Map<string, Uint8Array>();

function remember(key: string, pixels: Uint8Array): void {
  if (pixels.byteLength > MEMORY_LIMIT_BYTES) return;
  memory.set(key, pixels);
  let total = 0;
  for (const v of memory.values()) total += v.byteLength;
  for (const [k, v] of memory) {
    if (total <= MEMORY_LIMIT_BYTES) break;
    if (k === key) continue;
    memory.delete(k); // oldest first (Map keeps insertion order)
    total -= v.byteLength;
  }
}

/** Folder of the on-disk cache: $GDL_CACHE_DIR or datasets/cache/. */
export function cacheDir(): string {
  return process.env.GDL_CACHE_DIR ? path.resolve(process.env.GDL_CACHE_DIR) : path.join(projectRoot(), "datasets", "cache");
}

function diskName(key: string): string {
  // The key is short and safe except for the JSON of `set`; hash it into the name.
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return `synthetic-faces-v${SYNTHETIC_FACES_VERSION}-${h.toString(16).padStart(8, "0")}.u8`;
}

/** Faces start..start+count-1 of set `seed` as bytes with parameters and labels, cached. */
export function syntheticFaces(options: SyntheticFaceOptions): SyntheticFacesRaw {
  const o = checkOptions(options);
  const params: FaceParams[] = [];
  for (let i = 0; i < o.count; i++) params.push({ ...faceParams(o.seed, o.start + i), ...o.set });
  const key = `v${SYNTHETIC_FACES_VERSION}|seed=${o.seed}|start=${o.start}|n=${o.count}|size=${o.size}|set=${JSON.stringify(o.set)}`;
  const bytes = o.count * o.size * o.size * 3;
  let pixels = o.cache === "none" ? undefined : memory.get(key);
  if (!pixels && o.cache === "disk") {
    const file = path.join(cacheDir(), diskName(key));
    pixels = readCache(file, bytes, "synthetic faces") ?? undefined;
    if (!pixels) {
      pixels = renderFaces(params, o.size);
      writeCache(file, pixels);
    }
  }
  if (!pixels) pixels = renderFaces(params, o.size);
  if (o.cache !== "none") remember(key, pixels);
  return { pixels, count: o.count, size: o.size, params, attributes: labelsOf(params) };
}

/** A face data set as the notebooks use it (same shape as loadCelebA's result). */
export interface FaceDataset {
  /** [n, size, size, 3] float32 in [0, 1]. The caller owns it: dispose (or keep()) it. */
  images: tf.Tensor4D;
  /** Attribute name -> 0/1 per image. */
  attributes: Record<string, Uint8Array>;
  attributeNames: readonly string[];
  /** Where the images came from (for printing). */
  source: string;
  /** The drawing parameters (synthetic faces only). */
  params?: FaceParams[];
}

/** Synthetic faces as a float tensor in [0, 1] with their labels. */
export function loadSyntheticFaces(options: SyntheticFaceOptions): FaceDataset {
  const raw = syntheticFaces(options);
  const f = new Float32Array(raw.pixels.length);
  for (let i = 0; i < f.length; i++) f[i] = raw.pixels[i] / 255;
  const images = tf.tensor4d(f, [raw.count, raw.size, raw.size, 3]);
  return {
    images, attributes: raw.attributes, attributeNames: FACE_ATTRIBUTES, params: raw.params,
    source: `synthetic faces v${SYNTHETIC_FACES_VERSION} (seed ${options.seed ?? 1}, ${raw.size}x${raw.size})`,
  };
}

/** Indices of the images whose attribute `name` is 1 (or 0 with `value: 0`). */
export function withAttribute(ds: Pick<FaceDataset, "attributes">, name: string, value: 0 | 1 = 1): number[] {
  const a = ds.attributes[name];
  if (!a) throw new Error(`unknown attribute ${JSON.stringify(name)}; this data set has: ${Object.keys(ds.attributes).join(", ")}.`);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] === value) out.push(i);
  return out;
}
