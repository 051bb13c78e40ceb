// Image grids: many small images tiled into one PNG (nearest-neighbour upscaled,
// so pixels stay crisp in every front end), optionally as SVG with text labels.
import * as tf from "@tensorflow/tfjs";
import { encode } from "fast-png";
import { show } from "../display";

export type ImageBatch = tf.Tensor3D | tf.Tensor4D | { data: Float32Array | Uint8Array; shape: [number, number, number, number] };

export interface GridOptions {
  /** Tiles per row (default: ceil(sqrt(n))). */
  cols?: number;
  /** Integer upscaling of each pixel (default: tiles about 64 px wide). */
  scale?: number;
  /** Gap between tiles in source pixels (default 1). */
  gap?: number;
}

export interface LabelledGridOptions extends GridOptions {
  labels?: readonly string[];
  title?: string;
}

interface Pixels { data: Float32Array; n: number; h: number; w: number; c: number }

function pixelsOf(images: ImageBatch): Pixels {
  let shape: number[];
  let data: Float32Array;
  if (images instanceof tf.Tensor) {
    shape = images.shape.slice();
    if (shape.length === 3) shape.push(1);
    if (shape.length !== 4) throw new Error(`image grid: expected images of shape [n,h,w] or [n,h,w,c], got [${images.shape.join(",")}].`);
    data = images.dataSync() as Float32Array;
    if (!(data instanceof Float32Array)) data = Float32Array.from(data);
  } else {
    shape = images.shape.slice();
    data = images.data instanceof Float32Array ? images.data : Float32Array.from(images.data, (v) => v / 255);
  }
  const [n, h, w, c] = shape;
  if (n === 0) throw new Error(`image grid: got 0 images (shape [${shape.join(",")}]); pass at least one image.`);
  if (c !== 1 && c !== 3) throw new Error(`image grid: expected 1 or 3 channels, got ${c} (shape [${shape.join(",")}]).`);
  if (data.length !== n * h * w * c) throw new Error(`image grid: data length ${data.length} does not match shape [${shape.join(",")}].`);
  return { data, n, h, w, c };
}

function layout(p: Pixels, o: GridOptions, band = 0) {
  if (o.cols !== undefined && (!Number.isInteger(o.cols) || o.cols < 1)) throw new Error(`image grid: cols must be a whole number >= 1 (tiles per row), got ${o.cols}.`);
  if (o.gap !== undefined && (!Number.isInteger(o.gap) || o.gap < 0)) throw new Error(`image grid: gap must be a whole number of source pixels >= 0 (0 = no gap), got ${o.gap}.`);
  const cols = Math.min(o.cols ?? Math.ceil(Math.sqrt(p.n)), p.n);
  const rows = Math.ceil(p.n / cols);
  const scale = o.scale ?? Math.max(1, Math.round(64 / p.w));
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`image grid: scale must be a positive integer, got ${scale}.`);
  const gap = o.gap ?? 1;
  const tileW = p.w * scale, tileH = p.h * scale, g = gap * scale;
  // `band` leaves white rows under each tile row for captions drawn by the SVG.
  const rowH = tileH + band;
  return { cols, rows, scale, g, tileW, tileH, rowH, width: cols * tileW + (cols - 1) * g, height: rows * rowH + (rows - 1) * g };
}

/** PNG bytes of the images tiled row by row; values are clipped to [0, 1]. */
export function imageGridPng(images: ImageBatch, opts: GridOptions = {}): Uint8Array {
  return renderGrid(pixelsOf(images), opts).png;
}

function renderGrid(p: Pixels, opts: GridOptions, band = 0) {
  const L = layout(p, opts, band);
  const out = new Uint8Array(L.width * L.height * 3).fill(255);
  for (let i = 0; i < p.n; i++) {
    const ox = (i % L.cols) * (L.tileW + L.g), oy = Math.floor(i / L.cols) * (L.rowH + L.g);
    for (let y = 0; y < L.tileH; y++) {
      const sy = Math.floor(y / L.scale);
      for (let x = 0; x < L.tileW; x++) {
        const sx = Math.floor(x / L.scale);
        const src = ((i * p.h + sy) * p.w + sx) * p.c;
        const dst = ((oy + y) * L.width + ox + x) * 3;
        for (let k = 0; k < 3; k++) {
          const v = p.data[src + (p.c === 1 ? 0 : k)];
          out[dst + k] = Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : v));
        }
      }
    }
  }
  const png = encode({ width: L.width, height: L.height, data: out, channels: 3, depth: 8 });
  return { png, L };
}

const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);

/** SVG: the grid PNG with a caption under each tile (and an optional title). */
export function imageGridSvg(images: ImageBatch, opts: LabelledGridOptions = {}): string {
  const p = pixelsOf(images);
  if (opts.labels && opts.labels.length !== p.n) {
    throw new Error(`image grid: got ${opts.labels.length} labels for ${p.n} images; pass one label per image.`);
  }
  const lab = opts.labels ? 14 : 0, top = opts.title ? 20 : 0;
  const { png, L } = renderGrid(p, opts, lab);
  const parts: string[] = [];
  if (opts.title) parts.push(`<text x="${L.width / 2}" y="14" text-anchor="middle" font-size="13" font-weight="bold">${esc(opts.title)}</text>`);
  parts.push(`<image x="0" y="${top}" width="${L.width}" height="${L.height}" href="data:image/png;base64,${Buffer.from(png).toString("base64")}"/>`);
  opts.labels?.forEach((label, i) => {
    const x = (i % L.cols) * (L.tileW + L.g) + L.tileW / 2;
    const y = top + Math.floor(i / L.cols) * (L.rowH + L.g) + L.tileH + 11;
    parts.push(`<text x="${x}" y="${y}" text-anchor="middle" font-size="10">${esc(label)}</text>`);
  });
  const height = top + L.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${height}" font-family="sans-serif">${parts.join("")}</svg>`;
}

/**
 * HTML: a table of tiles with a caption under each. Unlike SVG with an embedded
 * raster, plain <table>/<img> survives nbconvert's HTML export and the sanitiser
 * of untrusted notebooks.
 */
export function imageGridHtml(images: ImageBatch, opts: LabelledGridOptions = {}): string {
  const p = pixelsOf(images);
  if (opts.labels && opts.labels.length !== p.n) {
    throw new Error(`image grid: got ${opts.labels.length} labels for ${p.n} images; pass one label per image.`);
  }
  const L = layout(p, opts);
  const tileBytes = p.h * p.w * p.c;
  const cells: string[] = [];
  for (let i = 0; i < p.n; i++) {
    const one: Pixels = { data: p.data.subarray(i * tileBytes, (i + 1) * tileBytes), n: 1, h: p.h, w: p.w, c: p.c };
    const png = renderGrid(one, { cols: 1, scale: L.scale, gap: 0 }).png;
    const cap = opts.labels ? `<br><span style="font-size:10px">${esc(opts.labels[i])}</span>` : "";
    cells.push(
      `<td style="padding:1px 2px;text-align:center;vertical-align:top;border:none">` +
        `<img width="${L.tileW}" height="${L.tileH}" alt="${esc(opts.labels?.[i] ?? `image ${i}`)}" ` +
        `src="data:image/png;base64,${Buffer.from(png).toString("base64")}">${cap}</td>`,
    );
  }
  const rows: string[] = [];
  for (let r = 0; r < L.rows; r++) rows.push(`<tr>${cells.slice(r * L.cols, (r + 1) * L.cols).join("")}</tr>`);
  const title = opts.title ? `<caption style="font-weight:bold">${esc(opts.title)}</caption>` : "";
  return `<table style="border-collapse:collapse;margin:0">${title}${rows.join("")}</table>`;
}

/** Display images in the notebook: a captioned HTML table when labels/title are given (with a
 *  plain PNG grid as the fallback representation), else a PNG. */
export function showImages(images: ImageBatch, opts: LabelledGridOptions = {}): void {
  if (opts.labels || opts.title) {
    show.bundle({
      "text/html": imageGridHtml(images, opts),
      "image/png": Buffer.from(imageGridPng(images, opts)).toString("base64"),
      "text/plain": `[${opts.title ?? "image grid"}]`,
    });
  } else {
    show.png(imageGridPng(images, opts), "[image grid]");
  }
}
