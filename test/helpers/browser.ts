// Shared by the real-browser tests: Debian's Chromium through playwright-core, free ports,
// pixel statistics of what the page really shows, and the latent-explorer hover checks.
import { expect } from "vitest";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { decode } from "fast-png";
import type { Browser, Locator, Page } from "playwright-core";

export const root = path.resolve(__dirname, "..", "..");
export const CHROMIUM = process.env.GDL_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"];
export const shots = path.join(root, "build", "screenshots");

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the browser tests need it. Install it with: sudo apt-get install chromium (or set GDL_CHROMIUM=/path/to/chromium)`);
  }
  const { chromium } = await import("playwright-core");
  fs.mkdirSync(shots, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    s.on("error", reject);
  });
}

/** A page whose console errors and uncaught exceptions are collected in `errors`. */
export async function newPage(browser: Browser, errors: string[], viewport = { width: 1280, height: 1000 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()} @ ${m.location().url}`); });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return page;
}

/** How much a screenshot (PNG) shows: the share of pixels that differ clearly from its most common colour. */
export interface Ink { width: number; height: number; ink: number; colours: number }

export function inkOf(png: Buffer | Uint8Array): Ink {
  const img = decode(png);
  const ch = img.channels, d = img.data;
  const counts = new Map<number, number>();
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const key = ((d[i * ch] >> 3) << 10) | ((d[i * ch + 1] >> 3) << 5) | (d[i * ch + 2] >> 3);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let bg = 0, best = -1;
  for (const [k, c] of counts) if (c > best) { best = c; bg = k; }
  const br = ((bg >> 10) & 31) << 3, bgG = ((bg >> 5) & 31) << 3, bb = (bg & 31) << 3;
  let inked = 0;
  for (let i = 0; i < n; i++) {
    const dist = Math.abs(d[i * ch] - br) + Math.abs(d[i * ch + 1] - bgG) + Math.abs(d[i * ch + 2] - bb);
    if (dist > 48) inked++;
  }
  return { width: img.width, height: img.height, ink: n ? inked / n : 0, colours: counts.size };
}

/** Screenshot of `l` (saved to `file` when given) and its ink. */
export async function inkOfElement(l: Locator, file?: string): Promise<Ink> {
  // A clip of the page rather than locator.screenshot(), which waits for the element to be
  // "stable" and times out beside a live Plotly plot.
  await l.evaluate((e) => e.scrollIntoView({ block: "center" }));
  const page = l.page();
  const b = await l.boundingBox();
  const vp = page.viewportSize()!;
  if (!b) throw new Error("element has no box (not rendered?)");
  const x = Math.max(0, b.x), y = Math.max(0, b.y);
  const clip = { x, y, width: Math.max(1, Math.min(vp.width, b.x + b.width) - x), height: Math.max(1, Math.min(vp.height, b.y + b.height) - y) };
  const png = await page.screenshot({ clip, animations: "disabled", ...(file ? { path: file } : {}) });
  return inkOf(png);
}

/** Ink of a rectangle of the viewport (page coordinates of the visible area). */
export async function inkOfClip(page: Page, clip: { x: number; y: number; width: number; height: number }): Promise<Ink> {
  return inkOf(await page.screenshot({ clip, animations: "disabled" }));
}

// ---- latent explorer (lib/plot/explorer.ts) ----

export interface Pixels { mean: number; std: number; sample: number[] }

/** Pixels of the explorer's image panel, read back through its canvas. */
export function panelPixels(ex: Locator): Promise<Pixels> {
  return ex.locator("canvas").evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    const v: number[] = [];
    for (let i = 0; i < d.length; i += 4) v.push(d[i]);
    const mean = v.reduce((s, a) => s + a, 0) / v.length;
    const std = Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length);
    return { mean, std, sample: v.filter((_, i) => i % 7 === 0) };
  });
}

export const pixelDiff = (a: Pixels, b: Pixels) => a.sample.reduce((s, v, i) => s + Math.abs(v - b.sample[i]), 0) / a.sample.length;

export async function center(l: Locator): Promise<[number, number]> {
  const b = await l.boundingBox();
  if (!b) throw new Error("element has no box (not rendered?)");
  return [b.x + b.width / 2, b.y + b.height / 2];
}

/** Move the mouse to `at` and wait until the explorer says it shows a `prefix` ("point"/"grid") image. */
export async function shownAfter(page: Page, ex: Locator, at: [number, number], prefix: string): Promise<string> {
  await page.mouse.move(at[0], at[1], { steps: 4 });
  await expect.poll(async () => (await ex.getAttribute("data-shown")) ?? "", { timeout: 5000 }).toMatch(new RegExp(`^${prefix}:`));
  return (await ex.getAttribute("data-shown"))!;
}

/**
 * Any explorer: once ready, two far-apart empty spots of the plot decode to two different,
 * non-flat images, and a point shows its own image. Returns the panel pixels seen.
 */
export async function exploreEmptySpots(page: Page, ex: Locator): Promise<void> {
  await expect.poll(() => ex.getAttribute("data-ready"), { timeout: 60_000 }).toBe("1");
  await ex.scrollIntoViewIfNeeded();
  const drag = await ex.locator(".nsewdrag").first().boundingBox();
  expect(drag, "the explorer's Plotly plot area is not rendered").toBeTruthy();
  const s1 = await shownAfter(page, ex, [drag!.x + 8, drag!.y + 8], "grid");
  const px1 = await panelPixels(ex);
  const s2 = await shownAfter(page, ex, [drag!.x + drag!.width - 8, drag!.y + drag!.height - 8], "grid");
  const px2 = await panelPixels(ex);
  expect(s1).not.toBe(s2);
  expect(px1.std, "decoded image under the mouse is flat").toBeGreaterThan(5);
  expect(px2.std, "decoded image under the mouse is flat").toBeGreaterThan(5);
  expect(pixelDiff(px1, px2), "the decoded image did not change when the mouse moved").toBeGreaterThan(3);
  const point = ex.locator(".scatterlayer .point").first();
  await shownAfter(page, ex, await center(point), "point");
  expect(pixelDiff(await panelPixels(ex), px2)).toBeGreaterThan(3);
}

/** One figure of a notebook output, with its pixels read from a screenshot. */
export interface OutputFigure { index: number; width: number; height: number; ink: Ink; blank: boolean; flatSource: boolean }

/**
 * The figures of one output as JupyterLab shows it (the output itself for images, else its
 * top-level SVGs, images and canvases) of 24 px or more, each screenshot saved as file(index).
 * blank: under 0.1% of the pixels differ from the background (a flat noise map with one bright
 * pixel, 03's model-sample correlations, is ~0.3% and is a real picture), or one colour.
 * flatSource: the figure is a PNG that is itself one flat colour, so it is drawn faithfully (a
 * content note, e.g. an untrained model's grey output, not a rendering failure).
 */
export async function outputFigures(o: Locator, mime: string, file: (index: number) => string): Promise<OutputFigure[]> {
  const figs = /^image\//.test(mime) ? o.locator("img") : o.locator("svg:not(svg svg), img, canvas");
  const shown: OutputFigure[] = [];
  for (let f = 0; f < (await figs.count()); f++) {
    const fig = figs.nth(f);
    if (!(await fig.isVisible())) continue;
    const box = await fig.boundingBox();
    if (!box || box.width < 24 || box.height < 24) continue; // icons, legend swatches
    const ink = await inkOfElement(fig, file(f + 1));
    const blank = ink.ink < 0.001 || ink.colours < 2;
    const src = (await fig.getAttribute("src")) ?? "";
    const flatSource = blank && src.startsWith("data:image/png;base64,") && inkOf(Buffer.from(src.slice(22), "base64")).ink < 0.001;
    shown.push({ index: f + 1, width: Math.round(box.width), height: Math.round(box.height), ink, blank, flatSource });
  }
  return shown;
}

/**
 * Every figure shown in a page's notebook outputs (exported HTML): images, top-level SVGs and
 * canvases of 24 px or more must show something; the latent mosaic must show its tiles.
 * Returns what is blank, and saves each figure under `dir`.
 */
export async function blankFigures(page: Page, dir: string): Promise<{ blank: string[]; figures: number }> {
  fs.mkdirSync(dir, { recursive: true });
  await page.mouse.move(0, 0);
  const figs = page.locator(".jp-OutputArea-output").locator("img, svg:not(svg svg), canvas");
  const blank: string[] = [];
  let figures = 0;
  for (let i = 0; i < (await figs.count()); i++) {
    const f = figs.nth(i);
    await f.evaluate((e) => e.scrollIntoView({ block: "center" }));
    const box = await f.boundingBox();
    if (!box || box.width < 24 || box.height < 24 || !(await f.isVisible())) continue;
    figures++;
    const mosaic = (await f.getAttribute("class"))?.includes("gdl-mosaic") ?? false;
    const ink = await inkOfElement(f, path.join(dir, `figure${String(i + 1).padStart(3, "0")}.png`));
    // A mosaic is mostly tiles: an empty box with tick labels has ~2% ink.
    if (ink.ink < (mosaic ? 0.15 : 0.001) || ink.colours < 2) {
      blank.push(`figure ${i + 1} (${await f.evaluate((e) => e.tagName.toLowerCase())}${mosaic ? ".gdl-mosaic" : ""}, ${Math.round(box.width)}x${Math.round(box.height)}): ink ${(ink.ink * 100).toFixed(2)}%`);
    }
  }
  return { blank, figures };
}
