// A decoded-grid mosaic: the images decoded from a regular grid of latent
// points, tiled in the same orientation as the latent scatter (x to the right,
// y up), with the latent coordinates on the axes so you can read off where in
// the scatter each tile comes from.
import * as tf from "@tensorflow/tfjs";
import { imageGridPng, ImageBatch } from "./image-grid";
import { show } from "../display";

export interface MosaicOptions {
  /** Latent value of each column, left to right (length = cols). */
  xs: readonly number[];
  /** Latent value of each row, top to bottom (length = rows; usually decreasing). */
  ys: readonly number[];
  xLabel?: string;
  yLabel?: string;
  title?: string;
  /** Integer upscaling of each pixel (default: mosaic about 640 px wide). */
  scale?: number;
  /** Show every k-th tick label (default: about 8 labels per axis). */
  tickEvery?: number;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

function sizeOf(images: ImageBatch): number[] {
  return images instanceof tf.Tensor ? images.shape : images.shape;
}

/** SVG of the mosaic with tick labels along the bottom (x) and left (y) edges. */
export function latentMosaicSvg(images: ImageBatch, opts: MosaicOptions): string {
  const shape = sizeOf(images);
  const n = shape[0], h = shape[1], w = shape[2];
  const cols = opts.xs.length, rows = opts.ys.length;
  if (cols < 1 || rows < 1 || cols * rows !== n) {
    throw new Error(`latentMosaicSvg: ${n} images do not fill a grid of ${rows} rows (ys) x ${cols} columns (xs); expected ${rows * cols} images, as from decodeAll(decoder, latentGrid(range, ${cols}, ${rows})).`);
  }
  const scale = opts.scale ?? Math.max(1, Math.round(640 / (cols * w)));
  const png = imageGridPng(images, { cols, scale, gap: 0 });
  const tw = w * scale, th = h * scale;
  const left = 58, bottom = 44, top = opts.title ? 24 : 6, right = 10;
  const W = left + cols * tw + right, H = top + rows * th + bottom;
  const every = (k: number) => opts.tickEvery ?? Math.max(1, Math.ceil(k / 8));
  const parts: string[] = [];
  if (opts.title) parts.push(`<text x="${left + (cols * tw) / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(opts.title)}</text>`);
  parts.push(`<image x="${left}" y="${top}" width="${cols * tw}" height="${rows * th}" href="data:image/png;base64,${Buffer.from(png).toString("base64")}" style="image-rendering:pixelated"/>`);
  parts.push(`<rect x="${left}" y="${top}" width="${cols * tw}" height="${rows * th}" fill="none" stroke="#888"/>`);
  const ex = every(cols), ey = every(rows);
  opts.xs.forEach((v, i) => {
    if (i % ex !== 0 && i !== cols - 1) return;
    const x = left + i * tw + tw / 2, y = top + rows * th;
    parts.push(`<line x1="${x}" x2="${x}" y1="${y}" y2="${y + 4}" stroke="#444"/><text x="${x}" y="${y + 15}" text-anchor="middle" font-size="10">${fmt(v)}</text>`);
  });
  opts.ys.forEach((v, i) => {
    if (i % ey !== 0 && i !== rows - 1) return;
    const y = top + i * th + th / 2;
    parts.push(`<line x1="${left - 4}" x2="${left}" y1="${y}" y2="${y}" stroke="#444"/><text x="${left - 6}" y="${y + 3}" text-anchor="end" font-size="10">${fmt(v)}</text>`);
  });
  parts.push(`<text x="${left + (cols * tw) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${esc(opts.xLabel ?? "z[0]")}</text>`);
  parts.push(`<text transform="translate(14 ${top + (rows * th) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(opts.yLabel ?? "z[1]")}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">${parts.join("")}</svg>`;
}

/**
 * The mosaic as HTML: the SVG as an <img>. HTML exporters that sanitise inline SVG (nbconvert 6)
 * strip its <image>, leaving an empty box with run-together labels; an <img> of the whole SVG
 * survives every front end and export.
 */
export function latentMosaicHtml(images: ImageBatch, opts: MosaicOptions): string {
  return svgAsImg(latentMosaicSvg(images, opts), opts.title);
}

function svgAsImg(svg: string, title?: string): string {
  const [, w, h] = /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)" font-family/.exec(svg)!;
  return `<img class="gdl-mosaic" width="${w}" height="${h}" alt="${esc(title ?? "latent mosaic")}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}"/>`;
}

/**
 * Display the mosaic: HTML (see latentMosaicHtml), the SVG with axes, and the bare tiles as a
 * PNG for front ends that show neither.
 */
export function showLatentMosaic(images: ImageBatch, opts: MosaicOptions): void {
  const svg = latentMosaicSvg(images, opts);
  const png = imageGridPng(images, { cols: opts.xs.length, gap: 0 });
  show.bundle({
    "text/html": svgAsImg(svg, opts.title), "image/svg+xml": svg,
    "image/png": Buffer.from(png).toString("base64"), "text/plain": `[${opts.title ?? "latent mosaic"}]`,
  });
}
