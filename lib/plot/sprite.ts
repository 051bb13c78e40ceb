// Sprite sheets and the latent-grid lookup for the explorer: many small images
// packed into ONE PNG (one base64 string in the notebook, one image decode in
// the browser), and the table that maps a 2-D latent location to its grid cell.
import * as tf from "@tensorflow/tfjs";
import { encode } from "fast-png";

/** Images as plain pixels: [n, h, w, c] row-major, values in [0, 1]. */
export interface PixelBatch { data: Float32Array; n: number; h: number; w: number; c: number }

/** Where tile k sits: column k % cols, row floor(k / cols), no gaps. */
export interface SpriteLayout { count: number; tileW: number; tileH: number; cols: number; rows: number; channels: 1 | 3 }

export interface Sprite extends SpriteLayout { png: Uint8Array; base64: string }

/** Read a [n,h,w,c] (or [n,h,w]) tensor into plain pixels; errors name `what`. */
export function pixelsOfTensor(t: tf.Tensor, what: string): PixelBatch {
  const shape = t.shape.slice();
  if (shape.length === 3) shape.push(1);
  if (shape.length !== 4) throw new Error(`${what}: expected images of shape [n,h,w,c], got [${t.shape.join(",")}]`);
  const [n, h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new Error(`${what}: expected 1 or 3 channels, got ${c} (shape [${t.shape.join(",")}])`);
  const d = t.dataSync();
  return { data: d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>), n, h, w, c };
}

/** Tile positions for `count` tiles: a near-square sheet. */
export function spriteLayout(count: number, tileW: number, tileH: number, channels: 1 | 3, cols?: number): SpriteLayout {
  if (!(count > 0)) throw new Error(`sprite: need at least one image, got ${count}`);
  const c = Math.max(1, Math.min(cols ?? Math.ceil(Math.sqrt(count)), count));
  return { count, tileW, tileH, cols: c, rows: Math.ceil(count / c), channels };
}

/** Top-left pixel of tile k in the sheet. */
export function tileOrigin(L: SpriteLayout, k: number): [number, number] {
  return [(k % L.cols) * L.tileW, Math.floor(k / L.cols) * L.tileH];
}

/**
 * Pack images into one PNG sheet (greyscale stays 1 channel: smaller). Values
 * are clipped to [0, 1] and rounded to `levels` evenly spaced values per
 * channel (256 = exact 8-bit; 32 looks the same in a preview and deflates
 * about 4x smaller).
 */
export function packSprite(p: PixelBatch, opts: { cols?: number; levels?: number } = {}): Sprite {
  if (p.c !== 1 && p.c !== 3) throw new Error(`sprite: expected 1 or 3 channels, got ${p.c}`);
  const levels = opts.levels ?? 256;
  if (!Number.isInteger(levels) || levels < 2 || levels > 256) throw new Error(`sprite: levels must be an integer in 2..256, got ${levels}`);
  const steps = levels - 1, toByte = 255 / steps;
  if (p.data.length !== p.n * p.h * p.w * p.c) throw new Error(`sprite: data length ${p.data.length} does not match [${p.n},${p.h},${p.w},${p.c}]`);
  const L = spriteLayout(p.n, p.w, p.h, p.c as 1 | 3, opts.cols);
  const W = L.cols * L.tileW, H = L.rows * L.tileH, c = p.c;
  const out = new Uint8Array(W * H * c);
  for (let k = 0; k < p.n; k++) {
    const [ox, oy] = tileOrigin(L, k);
    for (let y = 0; y < p.h; y++) {
      const src = (k * p.h + y) * p.w * c, dst = ((oy + y) * W + ox) * c;
      for (let i = 0; i < p.w * c; i++) {
        const v = p.data[src + i];
        out[dst + i] = v > 0 ? (v < 1 ? Math.round(Math.round(v * steps) * toByte) : 255) : 0; // NaN -> 0
      }
    }
  }
  const png = encode({ width: W, height: H, data: out, channels: c, depth: 8 });
  return { ...L, png, base64: Buffer.from(png).toString("base64") };
}

// ---- latent grid ---------------------------------------------------------------

/**
 * An n x n grid of cells covering [x0,x1] x [y0,y1]. Cell (i, j): column i
 * counts along x (left to right), row j counts DOWN from the top (highest y),
 * so the grid's sprite sheet is itself the familiar "latent manifold" picture.
 * Sprite index = j * n + i.
 */
export interface LatentGrid { x0: number; x1: number; y0: number; y1: number; n: number }

/** Cell centres in sprite order, as [n*n, 2] (x, y) pairs. */
export function gridCenters(g: LatentGrid): Float32Array {
  const out = new Float32Array(g.n * g.n * 2);
  const dx = (g.x1 - g.x0) / g.n, dy = (g.y1 - g.y0) / g.n;
  for (let j = 0; j < g.n; j++) {
    for (let i = 0; i < g.n; i++) {
      const k = j * g.n + i;
      out[2 * k] = g.x0 + (i + 0.5) * dx;
      out[2 * k + 1] = g.y1 - (j + 0.5) * dy;
    }
  }
  return out;
}

/**
 * The browser's lookup, as plain JS source (it runs in the page; tests run the
 * same text in Node): nearest cell to (x, y), clamped to the grid, with the
 * cell's centre and whether (x, y) lay inside the grid.
 */
export const GRID_LOOKUP_JS =
  "function gdlGridCell(g,x,y){var dx=(g.x1-g.x0)/g.n,dy=(g.y1-g.y0)/g.n;" +
  "var i=Math.floor((x-g.x0)/dx),j=Math.floor((g.y1-y)/dy);" +
  "var inside=i>=0&&i<g.n&&j>=0&&j<g.n;" +
  "i=Math.min(g.n-1,Math.max(0,i));j=Math.min(g.n-1,Math.max(0,j));" +
  "return{index:j*g.n+i,cx:g.x0+(i+0.5)*dx,cy:g.y1-(j+0.5)*dy,inside:inside};}";

export interface GridCell { index: number; cx: number; cy: number; inside: boolean }

/** Node-side handle on the browser's lookup (same source text). */
export const gridCell: (g: LatentGrid, x: number, y: number) => GridCell =
  new Function(`${GRID_LOOKUP_JS}; return gdlGridCell;`)();
