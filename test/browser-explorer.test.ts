// The latent explorer in a REAL browser (Debian's Chromium via playwright-core):
// a generated notebook with two explorers runs through the project's notebook
// runner; then (1) the exported HTML is served from 127.0.0.1 and (2) the
// signed executed notebook is opened in a classic Jupyter Notebook server. In
// both, the explorers must render from the saved outputs alone (the Plotly
// bundle travels once, in the first output), and hovering points / empty
// space must show the right decoded images.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, spawnSync, ChildProcess } from "child_process";
import { run, runNotebook, writeNotebook } from "./helpers/run";
import { blankFigures, center, freePort, inkOfElement, launchChromium, newPage as newPageOf, panelPixels, pixelDiff as diff, root, shots, shownAfter } from "./helpers/browser";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import type { Browser, Locator, Page } from "playwright-core";

// Inside the project (gitignored build/) so the notebook resolves node_modules; ./lib is a symlink.
const work = path.join(root, "build", "test-notebooks", `explorer-${process.pid}`);
const out = path.join(work, "out");
const NB = "explorer-browser-test";
const BUNDLE_MARKER = "DecompressionStream('gzip')";

// (No {x, y} shorthand for variables of earlier cells: tslab does not rewrite them.)
const CELLS = [
  'import { initBackend } from "./lib/engine/backend";\nawait initBackend();',
  `import * as tf from "@tensorflow/tfjs";
import { latentExplorer } from "./lib/plot/explorer";
import { pcaPlane } from "./lib/latent/plane";
// A "decoder" with no training: a bright blob that moves with z, so every location decodes differently.
function blob(z: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const g = tf.linspace(0, 27, 28);
    const cx = z.slice([0, 0], [-1, 1]).tanh().mul(9).add(13.5).reshape([-1, 1, 1]);
    const cy = z.slice([0, 1], [-1, 1]).tanh().mul(-9).add(13.5).reshape([-1, 1, 1]);
    return g.reshape([1, 1, 28]).sub(cx).square().add(g.reshape([1, 28, 1]).sub(cy).square()).div(-18).exp().expandDims(3) as tf.Tensor4D;
  });
}
const n = 240;
const x = new Float32Array(n);
const y = new Float32Array(n);
const labels = new Uint8Array(n);
for (let i = 0; i < n; i++) {
  labels[i] = i % 3;
  const a = (labels[i] * 2 * Math.PI) / 3 + 0.3, r = 0.5 * ((i * 37) % 17) / 17;
  x[i] = 1.6 * Math.cos(a) + r * Math.cos(i);
  y[i] = 1.6 * Math.sin(a) + r * Math.sin(i);
}
const classNames = ["ring", "square", "star"];
const tensorsBefore = tf.memory().numTensors;`,
  `// Explorer A: 2-D latent; each point's own image is an inverted blob (bright background), unlike the grid.
const own = tf.tidy(() => tf.scalar(1).sub(blob(tf.tensor2d(Array.from(x, (v, i) => [v, y[i]])))) as tf.Tensor4D);
const infoA = latentExplorer({ points: { x: x, y: y, labels: labels, classNames: classNames }, decode: blob, pointImages: own, range: [-4, 4], title: "A" });
own.dispose();
console.log(JSON.stringify(infoA));`,
  `// Explorer B: 3-D latent explored on its PCA plane (lift maps the plane back to z); point images decoded.
const z3 = tf.tidy(() => tf.tensor2d(Array.from(x, (v, i) => [v, y[i], 0.5 * v - 0.2 * y[i]])));
const plane = pcaPlane(z3);
const proj = plane.project(z3);
const xy = proj.arraySync() as number[][];
tf.dispose([z3, proj]);
const infoB = latentExplorer({
  points: { x: xy.map((p) => p[0]), y: xy.map((p) => p[1]), labels: labels, classNames: classNames },
  decode: (z) => tf.tidy(() => blob(z.slice([0, 0], [-1, 2]) as tf.Tensor2D)), lift: plane.lift, range: [-5, 5], title: "B",
});
console.log(JSON.stringify(infoB));
console.log("leaked tensors:", tf.memory().numTensors - tensorsBefore);`,
  `// A decoded-grid mosaic (an SVG holding a PNG <image>): blank in HTML exports before.
import { showLatentMosaic } from "./lib/plot/mosaic";
const axis = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5];
tf.tidy(() => {
  const zs: number[][] = [];
  for (const zy of axis.slice().reverse()) for (const zx of axis) zs.push([zx, zy]);
  showLatentMosaic(blob(tf.tensor2d(zs)), { xs: axis, ys: axis.slice().reverse(), title: "Mosaic" });
});`,
];

let browser: Browser | undefined;
let server: http.Server | undefined;
let jupyter: ChildProcess | undefined;

const newPage = (errors: string[]): Promise<Page> => newPageOf(browser!, errors);

/** Hover two points of different classes and an empty corner; check the images shown. */
async function exercise(page: Page, ex: Locator, expect_: { points: number; ownImagesInverted: boolean }) {
  await expect.poll(() => ex.getAttribute("data-ready"), { timeout: 60_000 }).toBe("1");
  await ex.scrollIntoViewIfNeeded(); // the mouse can only hover what is on screen
  // Plotly drew one SVG path per point, one trace per class.
  const traces = ex.locator(".scatterlayer .trace");
  expect(await traces.count()).toBe(3);
  expect(await ex.locator(".scatterlayer .point").count()).toBe(expect_.points);

  const p1 = traces.nth(0).locator(".point").nth(5), p2 = traces.nth(2).locator(".point").nth(5);
  const s1 = await shownAfter(page, ex, await center(p1), "point");
  const px1 = await panelPixels(ex);
  const s2 = await shownAfter(page, ex, await center(p2), "point");
  const px2 = await panelPixels(ex);
  expect(s1).not.toBe(s2);
  expect(px1.std).toBeGreaterThan(20); // an image, not a flat fill
  expect(px2.std).toBeGreaterThan(20);
  expect(diff(px1, px2)).toBeGreaterThan(10); // different points, different images
  await expect.poll(() => ex.locator(".gdl-ex-caption").textContent()).toMatch(/^star #\d+ at/);
  if (expect_.ownImagesInverted) expect(px1.mean).toBeGreaterThan(128); // the given pointImages, not a decode

  // Empty space (top-left corner of the plot area, far from every point): the grid decode there.
  const drag = await ex.locator(".nsewdrag").first().boundingBox();
  const s3 = await shownAfter(page, ex, [drag!.x + 8, drag!.y + 8], "grid");
  expect(s3).toBe("grid:0"); // top-left cell of the sprite sheet
  const px3 = await panelPixels(ex);
  expect(px3.std).toBeGreaterThan(10);
  expect(px3.mean).toBeLessThan(128); // dark background with a blob: a grid decode
  expect(diff(px3, px1)).toBeGreaterThan(10);
  await expect.poll(() => ex.locator(".gdl-ex-caption").textContent()).toMatch(/^decoded at/);
  // Another empty spot decodes to another image.
  const s4 = await shownAfter(page, ex, [drag!.x + drag!.width - 8, drag!.y + drag!.height - 8], "grid");
  expect(s4).not.toBe(s3);
  expect(diff(await panelPixels(ex), px3)).toBeGreaterThan(10);
  // Back onto a point: its image again.
  await shownAfter(page, ex, await center(p1), "point");
}

describe("latent explorer in a real browser", () => {
  beforeAll(async () => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    fs.symlinkSync(path.join(root, "lib"), path.join(work, "lib"));
    writeNotebook(path.join(work, `${NB}.ipynb`), CELLS);
    const r = await runNotebook(path.join(work, `${NB}.ipynb`), { QUICK: "1", GDL_NOTEBOOK_OUT: out });
    if (r.status !== 0) throw new Error(`the explorer test notebook failed:\n${r.stdout}\n${r.stderr}`);
    browser = await launchChromium();
  }, 700_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (jupyter?.pid) { try { process.kill(-jupyter.pid, "SIGTERM"); } catch { /* already gone */ } }
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("the saved notebook carries the Plotly bundle once and stays small", () => {
    const ipynb = fs.readFileSync(path.join(out, `${NB}.ipynb`), "utf8");
    const html = fs.readFileSync(path.join(out, `${NB}.html`), "utf8");
    expect(ipynb.split(BUNDLE_MARKER).length - 1).toBe(1);
    expect(html.split(BUNDLE_MARKER).length - 1).toBe(1);
    const nb = JSON.parse(ipynb) as { cells: { outputs?: { output_type: string; text?: string | string[]; data?: Record<string, string | string[]> }[] }[] };
    const text = nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "stream").map((o) => [o.text].flat().join("")).join("");
    const [a, b] = text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    expect(a.bundleBytes).toBeGreaterThan(1e6);
    expect(b.bundleBytes).toBe(0);
    expect(a.htmlBytes - a.bundleBytes).toBeLessThan(1e6); // sprites + data of one explorer
    expect(text).toMatch(/leaked tensors: 0/);
    const htmlOutputBytes = nb.cells.flatMap((c) => c.outputs ?? []).reduce((s, o) => s + [o.data?.["text/html"] ?? []].flat().join("").length, 0);
    console.log(`explorer outputs in the notebook: ${(htmlOutputBytes / 1e6).toFixed(2)} MB (bundle ${(a.bundleBytes / 1e6).toFixed(2)} MB once; explorer A ${((a.htmlBytes - a.bundleBytes) / 1e3).toFixed(0)} kB, B ${(b.htmlBytes / 1e3).toFixed(0)} kB)`);
  });

  it("exported HTML (served from 127.0.0.1): both explorers render and hover shows the right images", async () => {
    server = http.createServer((req, res) => {
      const file = path.join(out, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
      if (!file.startsWith(out) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404).end(); return; }
      res.writeHead(200, { "content-type": file.endsWith(".html") ? "text/html; charset=utf-8" : "application/octet-stream" });
      fs.createReadStream(file).pipe(res);
    });
    const port = await freePort();
    await new Promise<void>((r) => server!.listen(port, "127.0.0.1", r));
    const errors: string[] = [], external: string[] = [];
    const page = await newPage(errors);
    // Offline: anything not on 127.0.0.1 fails (nbconvert's template links a CDN require.js / MathJax).
    await page.route((u) => !u.href.startsWith(`http://127.0.0.1:${port}/`) && !u.href.startsWith("data:"), (r) => { external.push(r.request().url()); return r.abort(); });
    await page.goto(`http://127.0.0.1:${port}/${NB}.html`);
    const explorers = page.locator(".gdl-explorer");
    await expect.poll(() => explorers.count()).toBe(2);
    await exercise(page, explorers.nth(0), { points: 240, ownImagesInverted: true });
    await exercise(page, explorers.nth(1), { points: 240, ownImagesInverted: false });
    // Screenshot: explorer A while a point is hovered (tooltip + its image beside the plot).
    await explorers.nth(0).scrollIntoViewIfNeeded();
    await page.mouse.move(...(await center(explorers.nth(0).locator(".scatterlayer .trace").nth(1).locator(".point").nth(3))));
    await page.waitForTimeout(300);
    await explorers.nth(0).screenshot({ path: path.join(shots, "explorer-exported-html.png") });
    // Our outputs load nothing from the network; only the template's CDN links were blocked.
    expect(external.filter((u) => !/require\.js|mathjax/i.test(u))).toEqual([]);
    // No console errors, except the template's own require.js/MathJax links failing offline
    // (nbconvert 7 points them at a CDN; Debian's nbconvert 6 at file:///usr/share/javascript,
    // which a served page may not load).
    const template = /require(\.min)?\.js|mathjax/i;
    expect(errors.filter((e) => !(template.test(e) && /Not allowed to load local resource|Failed to load resource|ERR_FAILED/.test(e)))).toEqual([]);
    // Every figure of the export shows something, the mosaic included.
    const { blank, figures } = await blankFigures(page, path.join(shots, "exported-html"));
    expect(figures).toBeGreaterThanOrEqual(3);
    expect(blank).toEqual([]);
    expect(await page.locator("img.gdl-mosaic").count()).toBe(1);
    await page.close();
  }, 180_000);

  it("HTML exported by Debian's nbconvert 6 (GDL_PYTHON=/usr/bin/python3): every figure shows, the mosaic too", async () => {
    const r = await run("/usr/bin/python3", ["-m", "nbconvert", "--to", "html", "--output", `${NB}-nbconvert6`, path.join(out, `${NB}.ipynb`)]);
    expect(r.status, `Debian's nbconvert (python3-nbconvert, pulled in by jupyter-notebook) failed:\n${r.stderr}`).toBe(0);
    expect(server, "the exported-HTML test starts the server").toBeTruthy();
    const port = (server!.address() as { port: number }).port;
    const page = await newPage([]);
    await page.route((u) => !u.href.startsWith(`http://127.0.0.1:${port}/`) && !u.href.startsWith("data:"), (rt) => rt.abort());
    await page.goto(`http://127.0.0.1:${port}/${NB}-nbconvert6.html`);
    const mosaic = page.locator("img.gdl-mosaic");
    await expect.poll(() => mosaic.count()).toBe(1);
    const ink = await inkOfElement(mosaic, path.join(shots, "mosaic-nbconvert6.png"));
    expect(ink.ink, "the mosaic's tiles are missing (an empty box)").toBeGreaterThan(0.15);
    await page.close();
  }, 120_000);

  it("classic Jupyter Notebook: the signed executed notebook renders the explorers from its saved outputs", async () => {
    const hasNotebook = spawnSync("/usr/bin/python3", ["-c", "import notebook"]).status === 0;
    expect(hasNotebook, "classic Notebook missing: apt-get install jupyter-notebook").toBe(true);
    const port = await freePort(), token = `t${process.pid}${Date.now()}`;
    jupyter = spawn("/usr/bin/python3", ["-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--NotebookApp.token=${token}`,
      `--notebook-dir=${out}`, "--NotebookApp.open_browser=False", ...(process.getuid?.() === 0 ? ["--allow-root"] : [])], {
      env: { ...process.env, JUPYTER_PATH: path.join(root, "jupyter") }, detached: true, stdio: "ignore",
    });
    const base = `http://127.0.0.1:${port}`;
    await expect.poll(async () => {
      try { return (await fetch(`${base}/api?token=${token}`)).status; } catch { return 0; }
    }, { timeout: 60_000, interval: 250 }).toBe(200);
    const errors: string[] = [];
    const page = await newPage(errors);
    await page.goto(`${base}/notebooks/${NB}.ipynb?token=${token}`);
    const explorers = page.locator(".gdl-explorer");
    await expect.poll(() => explorers.count(), { timeout: 60_000 }).toBe(2);
    // Trusted (the runner signed it): no "not trusted" fallback text, scripts ran.
    await exercise(page, explorers.nth(0), { points: 240, ownImagesInverted: true });
    await exercise(page, explorers.nth(1), { points: 240, ownImagesInverted: false });
    await explorers.nth(1).scrollIntoViewIfNeeded();
    await page.mouse.move(...(await center(explorers.nth(1).locator(".nsewdrag").first())));
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(shots, "explorer-classic-notebook.png") });
    // The classic Notebook page logs its own errors (e.g. Debian's missing widgets nbextension);
    // none may come from our outputs: no uncaught exception, no message about Plotly or the explorer.
    expect(errors.filter((e) => e.startsWith("pageerror") || /gdl|plotly|latent explorer/i.test(e.replace(/ @ \S+$/, "")))).toEqual([]);

    // An UNtrusted copy (any edit invalidates the signature): scripts do not run, so the output
    // must show its static fallback - the note and the decoded-grid picture - not an empty box.
    const nb = JSON.parse(fs.readFileSync(path.join(out, `${NB}.ipynb`), "utf8"));
    nb.metadata.edited_by_test = true;
    fs.writeFileSync(path.join(out, "untrusted.ipynb"), JSON.stringify(nb));
    await page.goto(`${base}/notebooks/untrusted.ipynb?token=${token}`);
    await expect.poll(() => page.locator(".gdl-ex-msg").count(), { timeout: 60_000 }).toBe(2);
    const first = page.locator(".gdl-ex-msg").first();
    expect(await first.isVisible()).toBe(true);
    expect(await first.textContent()).toMatch(/needs JavaScript.*trust the notebook/i);
    const grid = page.locator("img.gdl-ex-grid").first();
    await expect.poll(() => grid.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth), { timeout: 10_000 }).toBeGreaterThan(100);
    expect(await grid.isVisible()).toBe(true);
    expect(await page.locator(".gdl-explorer .scatterlayer").count()).toBe(0);
    await page.locator(".gdl-explorer").first().screenshot({ path: path.join(shots, "explorer-untrusted-fallback.png") });
    await page.close();
  }, 180_000);
});
