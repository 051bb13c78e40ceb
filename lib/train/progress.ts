// Live training progress: one display output updated in place (a bar, the
// current losses, images/s, epoch time and a small SVG loss chart), throttled
// so the notebook is not flooded. Outside a kernel, "text" mode prints one
// line per epoch instead.
import { inKernel, newOutput, Output } from "../display";

/** true: live display in a kernel, text lines elsewhere; "display" forces the live output; "text" one line per epoch; false silent. */
export type ProgressMode = boolean | "text" | "display";

interface Point { x: number; y: number }

const TEXT_INTERVAL_MS = 30_000;

export interface ProgressState {
  epoch: number; // 1-based
  epochs: number;
  step: number; // steps done in this epoch
  steps: number;
  running: Record<string, number>; // running means of this epoch
  imagesPerSecond: number;
  epochSeconds: number;
  workers: number;
}

const fmt = (v: number) => (!Number.isFinite(v) ? String(v) : Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4));

export class TrainingProgress {
  private out: Output | null = null;
  private lastRender = 0;
  private trainCurve: Point[] = [];
  private valCurve: Point[] = [];
  private epochLines: string[] = [];
  private status = "";
  /** What runs now besides training steps (validation), shown in the header line. */
  private phase = "";
  private readonly mode: "display" | "text" | "off";

  constructor(mode: ProgressMode | undefined, private readonly title: string, private readonly minIntervalMs = 250) {
    const m = mode ?? true;
    this.mode = m === false ? "off" : m === "text" ? "text" : m === "display" || inKernel() ? "display" : "text";
    if (this.mode === "display") this.out = newOutput();
  }

  /** Called after every step; renders at most every `minIntervalMs`. */
  step(s: ProgressState): void {
    const x = s.epoch - 1 + s.step / s.steps;
    if (Number.isFinite(s.running.loss)) this.addPoint(this.trainCurve, { x, y: s.running.loss });
    const now = Date.now();
    if (this.mode === "display" && now - this.lastRender >= this.minIntervalMs) {
      this.lastRender = now;
      this.render(s);
    }
    // Long epochs in scripts: a line every 30 s so a terminal shows signs of life.
    if (this.mode === "text" && this.lastRender === 0) this.lastRender = now;
    if (this.mode === "text" && now - this.lastRender >= TEXT_INTERVAL_MS && s.step < s.steps) {
      this.lastRender = now;
      const losses = Object.entries(s.running).map(([k, v]) => `${k} ${fmt(v)}`).join(" · ");
      console.log(`  epoch ${s.epoch}/${s.epochs} step ${s.step}/${s.steps} · ${losses} · ${Math.round(s.imagesPerSecond)} img/s`);
    }
  }

  /** Called when the epoch's steps are done and validation starts (it can take seconds): shown at once. */
  validating(s: ProgressState, examples: number): void {
    this.phase = `validating on ${examples.toLocaleString("en-US")} examples…`;
    if (this.mode === "display") this.render(s);
  }

  /** Called once per epoch with the epoch's mean logs (train and val_*). */
  epochEnd(s: ProgressState, logs: Record<string, number>): void {
    this.phase = "";
    if (logs.val_loss !== undefined) this.valCurve.push({ x: s.epoch, y: logs.val_loss });
    const parts = Object.entries(logs).map(([k, v]) => `${k} ${fmt(v)}`).join(" · ");
    const line = `epoch ${s.epoch}/${s.epochs} · ${parts} · ${s.epochSeconds.toFixed(1)} s · ${Math.round(s.imagesPerSecond)} img/s`;
    this.epochLines.push(line);
    if (this.mode === "text") console.log(line);
    if (this.mode === "display") this.render(s);
  }

  /** Final state (completed / stopped message). Always rendered. */
  finish(s: ProgressState | null, message: string): void {
    this.status = message;
    this.phase = "";
    if (this.mode === "text" && message) console.log(message);
    if (this.mode === "display" && s) this.render(s);
  }

  private addPoint(curve: Point[], p: Point): void {
    curve.push(p);
    // keep the chart light: thin to every other point past 400
    if (curve.length > 400) for (let i = curve.length - 2; i > 0; i -= 2) curve.splice(i, 1);
  }

  /** The HTML shown in the notebook (exposed for tests). */
  html(s: ProgressState): string {
    const frac = (s.epoch - 1 + s.step / s.steps) / s.epochs;
    const pct = Math.max(0, Math.min(100, frac * 100));
    const losses = Object.entries(s.running).map(([k, v]) => `${k} <b>${fmt(v)}</b>`).join(" · ");
    const w = s.workers > 1 ? ` · ${s.workers} workers` : "";
    const recent = this.epochLines.slice(-3).map((l) => `<div>${esc(l)}</div>`).join("");
    return `<div style="font-family:monospace;font-size:12px;max-width:640px">
<div><b>${esc(this.title)}</b> · epoch ${s.epoch}/${s.epochs} · step ${s.step}/${s.steps} · ${losses} · ${Math.round(s.imagesPerSecond)} img/s · ${s.epochSeconds.toFixed(1)} s this epoch${w}</div>${this.phase ? `
<div style="color:#b35c00"><b>${esc(this.phase)}</b></div>` : ""}
<div style="background:#eee;height:8px;width:100%;margin:3px 0"><div style="background:#4a7bd0;height:8px;width:${pct.toFixed(1)}%"></div></div>
${lossChartSvg(this.trainCurve, this.valCurve, s.epochs)}
<div style="color:#555">${recent}</div>${this.status ? `<div><b>${esc(this.status)}</b></div>` : ""}
</div>`;
  }

  private render(s: ProgressState): void {
    this.out?.html(this.html(s));
  }
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A small SVG line chart: running train loss (line) and validation loss (dots) against epochs. */
export function lossChartSvg(train: Point[], val: Point[], epochs: number, width = 360, height = 120): string {
  const all = [...train, ...val].filter((p) => Number.isFinite(p.y));
  if (all.length === 0) return `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"></svg>`;
  let lo = Math.min(...all.map((p) => p.y));
  let hi = Math.max(...all.map((p) => p.y));
  if (hi - lo < 1e-12) { hi += 0.5 * Math.abs(hi) + 1e-6; lo -= 0.5 * Math.abs(lo) + 1e-6; }
  // Room for the y labels ("6.932e+3" was cut at 48 px): ~6.2 px per character at 10 px.
  const pad = { l: Math.max(48, Math.ceil(6.2 * Math.max(fmt(hi).length, fmt(lo).length)) + 8), r: 8, t: 8, b: 18 };
  const sx = (x: number) => pad.l + (x / Math.max(epochs, 1e-9)) * (width - pad.l - pad.r);
  const sy = (y: number) => pad.t + (1 - (y - lo) / (hi - lo)) * (height - pad.t - pad.b);
  const path = train.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join("");
  const dots = val.map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="#d0584a"/>`).join("");
  const t = (y: number, v: number) => `<text x="${pad.l - 4}" y="${y}" font-size="10" text-anchor="end">${fmt(v)}</text>`;
  return `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">
<rect x="${pad.l}" y="${pad.t}" width="${width - pad.l - pad.r}" height="${height - pad.t - pad.b}" fill="none" stroke="#ccc"/>
${t(pad.t + 8, hi)}${t(height - pad.b, lo)}
<text x="${width - pad.r}" y="${height - 4}" font-size="10" text-anchor="end">epoch ${epochs}</text>
<text x="${pad.l}" y="${height - 4}" font-size="10">train loss (line)${val.length ? ", validation (dots)" : ""}</text>
<path d="${path}" fill="none" stroke="#4a7bd0" stroke-width="1.5"/>${dots}
</svg>`;
}
