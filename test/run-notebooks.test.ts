import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { root, run, writeNotebook, type RunResult } from "./helpers/run";
import { launchChromium, shots } from "./helpers/browser";
import { jupyterPython } from "../scripts/jupyter-env.mjs";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-runner-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("npm run notebooks", () => {
  it("names an invalid notebook file in one line, runs the others, exits non-zero", async () => {
    const bad = path.join(tmp, "bad.ipynb");
    fs.writeFileSync(bad, '{"cells": [,]}');
    const notebook = path.join(tmp, "not-a-notebook.ipynb");
    fs.writeFileSync(notebook, "[1]");
    const good = path.join(tmp, "good.ipynb");
    writeNotebook(good, ['console.log("the good notebook ran")']);
    const r = await run(process.execPath, [path.join(root, "scripts", "run-notebooks.mjs"), bad, notebook, good],
      { env: { ...process.env, GDL_NOTEBOOK_OUT: path.join(tmp, "out") } });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/Traceback/);
    const lines = r.stderr.split("\n");
    expect(lines.filter((l) => l.includes("bad.ipynb:"))).toEqual([`FAIL  ${bad}: not valid JSON (Expecting value: line 1 column 12 (char 11))`]);
    expect(lines.filter((l) => l.includes("not-a-notebook.ipynb:"))).toEqual([expect.stringMatching(/^FAIL  .*not-a-notebook\.ipynb: valid JSON but not a Jupyter notebook \(.+\)$/)]);
    expect(r.stdout).toMatch(new RegExp(`ok    ${good.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(r.stderr).toMatch(/2 of 3 notebooks failed: .*bad\.ipynb, .*not-a-notebook\.ipynb/);
    const executed = JSON.parse(fs.readFileSync(path.join(tmp, "out", "good.ipynb"), "utf8"));
    expect(JSON.stringify(executed.cells[0].outputs)).toMatch(/the good notebook ran/);
  }, 180_000);
});

// A cell that stops making progress fails after GDL_STALL_TIMEOUT seconds of silence (not after
// nbclient's 1800 s cell timeout), saying what the kernel was doing; a dying kernel fails its cell
// at once with its exit code. One runner call with five notebooks (each starts its own kernel);
// the others still run after each failure.
describe("npm run notebooks: stalled cells and dead kernels", () => {
  const STALL = 4;
  const nb = (name: string) => path.join(tmp, "stall", `${name}.ipynb`);
  let r: RunResult;
  let seconds: number;
  /** The runner's report on one notebook: its FAIL line up to the next notebook's. */
  const report = (name: string) => {
    const lines = r.stderr.split("\n");
    const start = lines.findIndex((l) => l.startsWith(`FAIL  ${nb(name)}`));
    if (start < 0) return "";
    const end = lines.findIndex((l, i) => i > start && /^(FAIL  |\d+ of \d+ notebooks failed)/.test(l));
    return lines.slice(start, end < 0 ? undefined : end).join("\n");
  };
  /** Seconds the runner says a notebook took (kernel start included). */
  const took = (name: string) => Number(/\(([\d.]+) s\)/.exec(report(name))?.[1] ?? NaN);

  beforeAll(async () => {
    fs.mkdirSync(path.join(tmp, "stall"), { recursive: true });
    writeNotebook(nb("hang"), ['console.log("before")', "// waits forever\nawait new Promise(() => {});", 'console.log("never runs")']);
    writeNotebook(nb("busy"), ["await new Promise((r) => setTimeout(r, 10));\nconst t0 = Date.now(); while (Date.now() - t0 < 120_000) {}"]);
    writeNotebook(nb("exit"), ['console.log("before")', 'console.log("about to exit");\nprocess.exit(3);', 'console.log("never runs")']);
    writeNotebook(nb("kill"), ['console.log("before")', 'process.kill(process.pid, "SIGKILL");']);
    // Quiet for half the limit, then a cell that runs 2.5x the limit but prints every second.
    writeNotebook(nb("progress"), [
      `await new Promise((r) => setTimeout(r, ${STALL * 500}));\nconsole.log("quiet, then done")`,
      `for (let i = 0; i < ${STALL * 2.5}; i++) { await new Promise((r) => setTimeout(r, 1000)); console.log(\`step \${i}\`); }`,
    ]);
    const t0 = Date.now();
    r = await run(process.execPath, [path.join(root, "scripts", "run-notebooks.mjs"), ...["hang", "busy", "exit", "kill", "progress"].map(nb)],
      { env: { ...process.env, GDL_STALL_TIMEOUT: String(STALL), GDL_NOTEBOOK_OUT: path.join(tmp, "stall-out") } });
    seconds = (Date.now() - t0) / 1000;
  }, 300_000);

  it("a cell awaiting a promise that never settles fails after the stall limit, naming the cell and an idle kernel", () => {
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const text = report("hang");
    expect(text).toMatch(/cell 2 \(code cell 2\):\n\s+1 \| \/\/ waits forever\n\s+2 \| await new Promise\(\(\) => \{\}\);/);
    expect(text).toMatch(new RegExp(`stalled: no output and no reply from this cell for ${STALL} s.*; the limit is ${STALL} s`));
    expect(text).toMatch(/the kernel process \(pid \d+\) was alive and idle \(0\.\d s of CPU in the last \d+ s/);
    expect(text).toContain("a promise that never settles");
    expect(text).toContain(`GDL_STALL_TIMEOUT=SECONDS`);
    expect(took("hang")).toBeLessThan(STALL + 40); // kernel start included; was nbclient's 1800 s
    const executed = JSON.parse(fs.readFileSync(path.join(tmp, "stall-out", "hang.ipynb"), "utf8"));
    expect(JSON.stringify(executed.cells[0].outputs)).toContain("before");
    expect(executed.cells[2].outputs).toEqual([]);
  });

  it("a cell in a synchronous loop without output fails too, naming a busy kernel", () => {
    const text = report("busy");
    expect(text).toMatch(/cell 1 \(code cell 1\):\n\s+1 \| await new Promise/);
    expect(text).toMatch(new RegExp(`stalled: no output and no reply from this cell for ${STALL} s`));
    expect(text).toMatch(/was alive and busy .*its event loop blocked: it did not answer heartbeats/);
    expect(took("busy")).toBeLessThan(STALL + 40);
  });

  it("a cell that kills the kernel fails at once, naming the cell, saying the kernel died and how", () => {
    const exit = report("exit");
    expect(exit).toMatch(/cell 2 \(code cell 2\):\n\s+1 \| console\.log\("about to exit"\);\n\s+2 \| process\.exit\(3\);/);
    expect(exit).toContain("the kernel died while this cell ran: its process ended (exit code 3: process.exit(3)");
    expect(exit).toMatch(/the cell's last output:\n\s+about to exit/);
    expect(exit).not.toContain("stalled");
    const kill = report("kill");
    expect(kill).toMatch(/cell 2 \(code cell 2\):\n\s+1 \| process\.kill\(process\.pid, "SIGKILL"\);/);
    expect(kill).toContain("the kernel died while this cell ran: its process ended (killed by signal SIGKILL");
    expect(kill).not.toContain("stalled");
    // Found by nbclient's once-a-second poll of the process, not by the stall limit.
    for (const name of ["exit", "kill"]) expect(took(name), name).toBeLessThan(STALL + 25);
  });

  it("a quiet cell within the limit and a long cell that prints progress pass; every notebook ran", () => {
    expect(r.stdout).toMatch(new RegExp(`ok    ${nb("progress").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(report("progress")).toBe("");
    const executed = JSON.parse(fs.readFileSync(path.join(tmp, "stall-out", "progress.ipynb"), "utf8"));
    expect(JSON.stringify(executed.cells[1].outputs)).toContain(`step ${STALL * 2.5 - 1}`);
    expect(r.stderr).toMatch(/4 of 5 notebooks failed: .*hang\.ipynb, .*busy\.ipynb, .*exit\.ipynb, .*kill\.ipynb$/m);
    expect(seconds).toBeLessThan(240);
  });

  it("a kernel that does not answer kernel_info before the first cell fails after the stall limit (nbclient waits --timeout)", async () => {
    // The runner's client against a kernel connection that never replies (shell channel always empty,
    // process alive): the wait nbclient bounds by --timeout (1800 s) ends after the 1 s stall limit.
    const script = [
      "import asyncio, sys, time",
      "from queue import Empty",
      "import nbformat",
      "sys.path.insert(0, sys.argv[1])",
      "from execute_notebooks import WatchedClient, KernelSilent",
      "class Shell:",
      "    async def get_msg(self, timeout=None):",
      "        await asyncio.sleep(timeout)",
      "        raise Empty",
      "class Client:",
      "    shell_channel = Shell()",
      "    async def is_alive(self):",
      "        return True",
      "c = WatchedClient(nbformat.v4.new_notebook(), stall_timeout=1, timeout=1800)",
      "c.kc = Client()",
      "t0 = time.monotonic()",
      "try:",
      "    asyncio.run(c.async_wait_for_reply('kernel-info'))",
      "    print('answered?')",
      "except KernelSilent as e:",
      "    print(f'{time.monotonic() - t0:.1f} {e}')",
    ].join("\n");
    const py = await jupyterPython(["nbclient", "nbformat"]);
    const r = await run(py, ["-c", script, path.join(root, "scripts")]);
    expect(r.stderr).toBe("");
    const [secs, ...msg] = r.stdout.trim().split(" ");
    expect(msg.join(" ")).toBe("the kernel started but did not answer kernel_info within 1 s, before the first cell");
    expect(Number(secs)).toBeGreaterThanOrEqual(1);
    expect(Number(secs)).toBeLessThan(10);
  });

  it("rejects a GDL_STALL_TIMEOUT that is not a number of seconds, naming it", async () => {
    const bad = await run(process.execPath, [path.join(root, "scripts", "run-notebooks.mjs"), nb("progress")],
      { env: { ...process.env, GDL_STALL_TIMEOUT: "ten", GDL_NOTEBOOK_OUT: path.join(tmp, "stall-out") } });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe("GDL_STALL_TIMEOUT=ten is not a number of seconds >= 0 (0 turns the stall check off; unset it for the default).");
  });
});

// nbconvert's HTML loads MathJax 2 from a CDN by default: offline, every formula stayed raw TeX.
// The runner points it at the project's pinned `mathjax` package, by a path relative to the HTML.
describe("npm run notebooks: exported HTML", () => {
  it("renders formulas offline with the project's MathJax, opened from disk", async () => {
    const nb = path.join(tmp, "formulas.ipynb");
    writeNotebook(nb, [
      { markdown: "The likelihood is a product\n$$\\mathcal{L}(\\theta \\mid \\mathbf{X}) = \\prod_{x} p_\\theta(x),$$\nso we sum logs: $\\ell(\\theta) = \\sum_x \\log p_\\theta(x)$ and $\\log 0 = -\\infty$." },
      "6 * 7",
    ]);
    const out = path.join(tmp, "html-out");
    const r = await run(process.execPath, [path.join(root, "scripts", "run-notebooks.mjs"), nb], { env: { ...process.env, GDL_NOTEBOOK_OUT: out } });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const file = path.join(out, "formulas.html");
    const src = /<script src="([^"]*MathJax\.js)\?config=TeX-AMS_CHTML-full,Safe"/.exec(fs.readFileSync(file, "utf8"))?.[1];
    expect(src, "the HTML loads MathJax.js from node_modules/mathjax").toMatch(/^(\.\.\/)+.*node_modules\/mathjax\/MathJax\.js$/);
    expect(fs.existsSync(path.resolve(out, src!))).toBe(true);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const remote: string[] = [];
      page.on("request", (q) => { if (!/^(file|data|blob):/.test(q.url())) remote.push(q.url()); });
      await page.goto(`file://${file}`);
      await page.waitForFunction(() => {
        const hub = (window as unknown as { MathJax?: { Hub?: { queue?: { pending: number } } } }).MathJax?.Hub;
        return hub?.queue?.pending === 0 && document.querySelectorAll(".MathJax_CHTML").length > 0;
      }, null, { timeout: 60_000 });
      const shown = await page.evaluate(() => ({
        formulas: document.querySelectorAll(".MathJax_CHTML").length,
        display: document.querySelectorAll(".MJXc-display .MathJax_CHTML").length,
        errors: document.querySelectorAll(".MathJax_Error, .mjx-merror").length,
        text: (document.querySelector(".jp-MarkdownOutput") as HTMLElement).innerText,
      }));
      expect(shown).toMatchObject({ formulas: 3, display: 1, errors: 0 });
      expect(shown.text).not.toMatch(/\$|\\mathcal|\\prod/); // no TeX left as text
      expect(remote.filter((u) => /mathjax/i.test(u)), "MathJax came from the network").toEqual([]);
      await page.locator(".jp-MarkdownOutput").first().screenshot({ path: path.join(shots, "exported-html-formulas.png") });
    } finally {
      await browser.close();
    }
  }, 180_000);
});

