// Every notebook in JupyterLab 4, as a learner uses it: a JupyterLab server on 127.0.0.1
// (started here, from the same Python `npm start` uses), Debian's Chromium through
// playwright-core, Run → Run All Cells in quick mode, then every output of every cell is
// checked where the learner sees it: no error outputs, every image/SVG/canvas shows
// something (pixels read from a screenshot), Plotly plots have traces, no HTML shown as
// text; the latent explorers decode under the mouse; a training cell's progress updates in
// place and Kernel → Interrupt stops it with TrainingInterrupted; the console stays clean.
// Screenshots: build/screenshots/jupyterlab/.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Browser, Locator, Page } from "playwright-core";
import { exploreEmptySpots, freePort, launchChromium, newPage, outputFigures, root, shots } from "./helpers/browser";
import { jupyterEnv, jupyterPython } from "../scripts/jupyter-env.mjs";

const nbDir = path.join(root, "notebooks");
const notebooks = fs.readdirSync(nbDir).filter((f) => /^\d.*\.ipynb$/.test(f)).sort();
// A copy inside the project (build/ is git-ignored) so node_modules resolves and the
// committed notebooks are never written; ./lib is a link, as in notebooks/.
const work = path.join(root, "build", "test-jupyterlab", String(process.pid));
const shotDir = path.join(shots, "jupyterlab");
const RAW_HTML = /<\/?(div|span|svg|img|table|tr|td|script|style|canvas|b|p)\b[^>]*>/i;

let browser: Browser | undefined;
let server: ChildProcess | undefined;
let base = "";
let token = "";
const consoleErrors: string[] = [];
/** Figures whose own image is flat (shown as it is, but worth a look). */
const flat: string[] = [];

async function api(p: string, method = "GET"): Promise<Response> {
  return fetch(`${base}${p}${p.includes("?") ? "&" : "?"}token=${token}`, { method });
}

async function shutdownKernels(): Promise<void> {
  const sessions = (await (await api("/api/sessions")).json()) as { id: string }[];
  for (const s of sessions) await api(`/api/sessions/${s.id}`, "DELETE");
}

async function menu(page: Page, top: string, item: string): Promise<void> {
  await page.locator(".lm-MenuBar-itemLabel", { hasText: new RegExp(`^${top}$`) }).click();
  await page.locator(".lm-Menu-itemLabel", { hasText: new RegExp(`^${item}$`) }).first().click();
}

interface OutputModel { output_type: string; ename?: string; evalue?: string; name?: string; text?: string }

/** The notebook's cells as JupyterLab's model holds them (window.jupyterapp is exposed by the server flag). */
function modelCells(page: Page): Promise<{ type: string; count: number | null; outputs: OutputModel[] }[]> {
  return page.evaluate(() => {
    const app = (window as unknown as { jupyterapp: any }).jupyterapp;
    const model = app.shell.currentWidget.content.model;
    const cells = [];
    for (let i = 0; i < model.cells.length; i++) {
      const c = model.cells.get(i);
      const j = c.toJSON();
      cells.push({ type: c.type, count: j.execution_count ?? null, outputs: (j.outputs ?? []).map((o: any) => ({ output_type: o.output_type, ename: o.ename, evalue: o.evalue, name: o.name, text: [o.text ?? ""].flat().join("") })) });
    }
    return cells;
  });
}

function kernelStatus(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { jupyterapp: any }).jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status ?? "none");
}

async function openNotebook(page: Page, nb: string): Promise<void> {
  await page.goto(`${base}/lab/tree/${encodeURIComponent(nb)}?token=${token}&reset`);
  await page.locator(".jp-Notebook .jp-Cell").first().waitFor({ timeout: 60_000 });
  await expect.poll(() => kernelStatus(page), { timeout: 60_000, interval: 250 }).toBe("idle");
}

/** Run → Run All Cells, then wait until every code cell has run and the kernel is idle. */
async function runAll(page: Page, timeoutMs: number): Promise<void> {
  await menu(page, "Run", "Run All Cells");
  await expect.poll(async () => {
    const cells = await modelCells(page);
    const code = cells.filter((c) => c.type === "code");
    const pending = code.filter((c) => c.count === null).length;
    const failed = code.some((c) => c.outputs.some((o) => o.output_type === "error"));
    return (pending === 0 || failed) && (await kernelStatus(page)) === "idle" ? "done" : `${pending} cells to run`;
  }, { timeout: timeoutMs, interval: 1000 }).toBe("done");
}

interface Problem { cell: number; what: string }

/** Every output element of every cell: renders, and what it draws is not blank. */
async function checkOutputs(page: Page, nb: string): Promise<{ problems: Problem[]; figures: number }> {
  const problems: Problem[] = [];
  let figures = 0;
  const dir = path.join(shotDir, nb.replace(/\.ipynb$/, ""));
  fs.mkdirSync(dir, { recursive: true });
  const cells = page.locator(".jp-Notebook > .jp-Cell, .jp-Notebook .jp-WindowedPanel-viewport > .jp-Cell");
  const n = await cells.count();
  for (let i = 0; i < n; i++) {
    const cell = cells.nth(i);
    const text = async (l: Locator) => (await l.innerText()).slice(0, 4000);
    if (await cell.evaluate((e) => e.classList.contains("jp-MarkdownCell"))) {
      const md = cell.locator(".jp-RenderedMarkdown");
      if ((await md.count()) && RAW_HTML.test(await text(md.first()))) problems.push({ cell: i, what: `markdown shows raw HTML: ${(await text(md.first())).match(RAW_HTML)![0]}` });
      continue;
    }
    const outs = cell.locator(".jp-OutputArea-output");
    const k = await outs.count();
    for (let j = 0; j < k; j++) {
      const o = outs.nth(j);
      const mime = (await o.getAttribute("data-mime-type")) ?? "";
      const where = `${mime} output ${j + 1}`;
      if (!(await o.isVisible())) continue;
      if (/text\/plain|stdout|stderr/.test(mime)) {
        const t = await text(o);
        if (RAW_HTML.test(t)) problems.push({ cell: i, what: `${where} shows HTML as text: ${t.match(RAW_HTML)![0]}` });
        continue;
      }
      if (mime === "text/html") {
        const t = await text(o);
        if (RAW_HTML.test(t)) problems.push({ cell: i, what: `${where} shows HTML as text: ${t.match(RAW_HTML)![0]}` });
        // No label cut by its SVG's edge (Observable Plot's default margin cut "0.6912" to ".6912").
        const clipped = await o.evaluate((el) => Array.from(el.querySelectorAll("svg:not(svg svg)")).flatMap((svg) => {
          const r = svg.getBoundingClientRect();
          return Array.from(svg.querySelectorAll("text")).filter((t) => {
            const b = t.getBoundingClientRect();
            return b.width > 0 && (b.left < r.left - 1 || b.right > r.right + 1);
          }).map((t) => t.textContent ?? "");
        }));
        if (clipped.length) problems.push({ cell: i, what: `${where}: labels cut at the figure's edge: ${clipped.slice(0, 5).join(", ")}` });
        const plots = o.locator(".js-plotly-plot");
        for (let p = 0; p < (await plots.count()); p++) {
          const traces = await plots.nth(p).locator(".main-svg .trace, .main-svg .imagelayer image").count();
          if (traces === 0) problems.push({ cell: i, what: `${where}: Plotly plot ${p + 1} drew no trace` });
        }
      }
      // Every figure the output holds must show something (pixels read from a screenshot).
      for (const fig of await outputFigures(o, mime, (f) => path.join(dir, `cell${String(i).padStart(2, "0")}-out${j + 1}-fig${f}.png`))) {
        figures++;
        if (fig.flatSource) flat.push(`${nb} cell ${i}: ${where}: figure ${fig.index} is a flat image`);
        else if (fig.blank) problems.push({ cell: i, what: `${where}: figure ${fig.index} (${fig.width}×${fig.height}) is blank (ink ${(fig.ink.ink * 100).toFixed(2)}%)` });
      }
    }
  }
  return { problems, figures };
}

describe("JupyterLab 4 in a real browser: every notebook, every output", () => {
  beforeAll(async () => {
    const py = await jupyterPython(["jupyterlab"]);
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(path.join(work, "settings", "@jupyterlab", "notebook-extension"), { recursive: true });
    fs.mkdirSync(path.join(work, "settings", "@jupyterlab", "apputils-extension"), { recursive: true });
    fs.mkdirSync(path.join(work, "settings", "@jupyterlab", "docmanager-extension"), { recursive: true });
    fs.mkdirSync(path.join(work, "notebooks"), { recursive: true });
    fs.mkdirSync(path.join(work, "config"), { recursive: true });
    // JupyterLab 4 renders only the cells in view by default: render all, so every output is in the page.
    fs.writeFileSync(path.join(work, "settings", "@jupyterlab", "notebook-extension", "tracker.jupyterlab-settings"), JSON.stringify({ windowingMode: "none" }));
    // Offline: no news or update checks.
    fs.writeFileSync(path.join(work, "settings", "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false", checkForUpdates: false }));
    fs.writeFileSync(path.join(work, "settings", "@jupyterlab", "docmanager-extension", "plugin.jupyterlab-settings"), JSON.stringify({ autosave: false }));
    for (const nb of notebooks) fs.copyFileSync(path.join(nbDir, nb), path.join(work, "notebooks", nb));
    fs.symlinkSync(path.join(root, "lib"), path.join(work, "notebooks", "lib"));
    const port = await freePort();
    token = `t${process.pid}${Date.now()}`;
    base = `http://127.0.0.1:${port}`;
    server = spawn(py, ["-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--IdentityProvider.token=${token}`,
      `--notebook-dir=${path.join(work, "notebooks")}`, "--LabApp.expose_app_in_browser=True", "--ServerApp.open_browser=False",
      ...(process.getuid?.() === 0 ? ["--allow-root"] : [])], {
      env: jupyterEnv({ QUICK: process.env.QUICK ?? "1", JUPYTERLAB_SETTINGS_DIR: path.join(work, "settings"), JUPYTERLAB_WORKSPACES_DIR: path.join(work, "workspaces"), JUPYTER_CONFIG_DIR: path.join(work, "config") }),
      detached: true, stdio: ["ignore", "ignore", fs.openSync(path.join(work, "server.log"), "w")],
    });
    for (let t = Date.now(); ; await new Promise((r) => setTimeout(r, 300))) {
      try { if ((await api("/api/status")).status === 200) break; } catch { /* not up yet */ }
      if (Date.now() - t > 90_000) throw new Error(`JupyterLab did not answer on ${base} within 90 s; see ${path.join(work, "server.log")}`);
    }
    browser = await launchChromium();
    fs.rmSync(shotDir, { recursive: true, force: true });
    fs.mkdirSync(shotDir, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    if (flat.length) console.log(`flat images (their PNG is one colour):\n  ${flat.join("\n  ")}`);
    await browser?.close();
    if (server?.pid) { try { process.kill(-server.pid, "SIGTERM"); } catch { /* gone */ } }
    fs.rmSync(work, { recursive: true, force: true });
  });

  for (const nb of notebooks) {
    it(`${nb}: Run All renders every output`, async () => {
      const errors: string[] = [];
      const page = await newPage(browser!, errors, { width: 1400, height: 1000 });
      try {
        await openNotebook(page, nb);
        await runAll(page, 900_000);
        await page.screenshot({ path: path.join(shotDir, `${nb.replace(/\.ipynb$/, "")}.png`) });
        const cells = await modelCells(page);
        const errorOutputs = cells.flatMap((c, i) => c.outputs.filter((o) => o.output_type === "error").map((o) => `cell ${i}: ${o.ename}: ${o.evalue}`));
        expect(errorOutputs, `${nb}: error outputs`).toEqual([]);
        expect(cells.filter((c) => c.type === "code").every((c) => c.count !== null), "every code cell ran").toBe(true);
        const { problems, figures } = await checkOutputs(page, nb);
        console.log(`${nb}: ${cells.length} cells, ${cells.reduce((s, c) => s + c.outputs.length, 0)} outputs, ${figures} figures checked`);
        expect(problems.map((p) => `cell ${p.cell}: ${p.what}`), `${nb}: outputs that do not render`).toEqual([]);
        // The latent explorers (04-07) decode under the mouse.
        const explorers = page.locator(".gdl-explorer");
        const ne = await explorers.count();
        if (/^0[4-7]/.test(nb)) expect(ne, `${nb} should show a latent explorer`).toBeGreaterThan(0);
        for (let e = 0; e < ne; e++) {
          await exploreEmptySpots(page, explorers.nth(e));
          await explorers.nth(e).screenshot({ path: path.join(shotDir, `${nb.replace(/\.ipynb$/, "")}-explorer${e + 1}.png`) });
        }
      } finally {
        consoleErrors.push(...errors.map((e) => `${nb}: ${e}`));
        await page.close();
        await shutdownKernels();
      }
    }, 1_200_000);
  }

  it("a training cell shows progress in place, and Kernel → Interrupt stops it with TrainingInterrupted", async () => {
    const errors: string[] = [];
    const page = await newPage(browser!, errors, { width: 1400, height: 1000 });
    const nb = "interrupt.ipynb";
    fs.writeFileSync(path.join(work, "notebooks", nb), JSON.stringify({
      nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "tslab-workbook", display_name: "TypeScript (workbook)", language: "typescript" } },
      cells: [{ id: "train", cell_type: "code", execution_count: null, metadata: {}, outputs: [], source:
        'import * as tf from "@tensorflow/tfjs";\nimport { initBackend } from "./lib/engine/backend";\nimport { buildAutoencoder } from "./lib/models/autoencoder";\nimport { train } from "./lib/train/train";\n' +
        'await initBackend();\nconst model = buildAutoencoder();\nconst images = tf.randomUniform([1000, 32, 32, 1]) as tf.Tensor4D;\n' +
        'await train(model, images, { epochs: 200, batchSize: 50, title: "Long training" });' }],
    }));
    try {
      await openNotebook(page, nb);
      await page.locator(".jp-Cell").first().click();
      await menu(page, "Run", "Run All Cells");
      const area = page.locator(".jp-Cell").first().locator(".jp-OutputArea-output");
      const seen = new Set<string>();
      const started = Date.now();
      // Watch the progress: one output whose text moves on (step n/m), never a second output.
      while (seen.size < 3 && Date.now() - started < 90_000) {
        const failed = (await modelCells(page))[0].outputs.find((o) => o.output_type === "error");
        if (failed) {
          await page.screenshot({ path: path.join(shotDir, "training-failed.png") });
          throw new Error(`the training cell failed before it could be interrupted: ${failed.ename}: ${failed.evalue}`);
        }
        const texts = await area.allInnerTexts();
        const progress = texts.map((t) => t.match(/epoch \d+\/\d+ · step \d+\/\d+/)?.[0]).filter((m): m is string => !!m);
        if (progress.length) {
          expect(progress.length, "progress should update one output in place, not append outputs").toBe(1);
          seen.add(progress[0]);
        }
        await page.waitForTimeout(200);
      }
      await page.screenshot({ path: path.join(shotDir, "training-progress.png") });
      expect(seen.size, `progress steps seen: ${[...seen].join(", ")}; outputs: ${(await area.allInnerTexts()).join(" | ").slice(0, 400)}`).toBeGreaterThanOrEqual(3);
      await menu(page, "Kernel", "Interrupt Kernel");
      await expect.poll(() => kernelStatus(page), { timeout: 60_000, interval: 250 }).toBe("idle");
      const cells = await modelCells(page);
      const err = cells[0].outputs.find((o) => o.output_type === "error");
      expect(err?.ename).toBe("TrainingInterrupted");
      expect(err?.evalue).toMatch(/^Training interrupted (during|after) epoch \d+/);
      await expect.poll(() => page.locator(".jp-Cell").first().innerText(), { timeout: 10_000 }).toMatch(/TrainingInterrupted/);
      await page.screenshot({ path: path.join(shotDir, "training-interrupted.png") });
    } finally {
      consoleErrors.push(...errors.map((e) => `interrupt: ${e}`));
      await page.close();
      await shutdownKernels();
    }
  }, 600_000);

  it("the browser console logged no errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
