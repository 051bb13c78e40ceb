// Labelled 2-D scatter plots, reused from chapter 1 (toy data, PCA) to the
// autoencoder and VAE chapters (latent spaces). Two renderings of the same
// plain-array input:
//   scatterHtml  - static Observable Plot SVG (small, shows everywhere)
//   plotlyScatterHtml - interactive Plotly, hover shows label and index
import { encode } from "fast-png";
import { show } from "../display";
import { Plot, renderPlot } from "./observable";
import { classColour } from "./palette";
import { plotlyBundleOnce, WHEN_PLOTLY_JS } from "./plotly";

export interface ScatterData {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Class per point: an integer (named via classNames) or a string. */
  label?: ArrayLike<number> | readonly string[];
  /** Identifier shown on hover, e.g. the image's index in the data set (default 0..n-1). */
  index?: ArrayLike<number>;
  classNames?: readonly string[];
}

/** An outlined rectangle drawn over the points (e.g. the MLE box). */
export interface ScatterBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  label?: string;
}

/** A path drawn over the points (e.g. a line through latent space). */
export interface ScatterLine {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label?: string;
  /** CSS colour (default black). */
  stroke?: string;
  /** Dashed line (default solid). */
  dashed?: boolean;
  /** Mark each vertex with a dot (default true: paths through latent space show their steps). */
  dots?: boolean;
}

/** A function of (x, y) painted behind the points, e.g. p(y | x). */
export interface ScatterBackground {
  fn: (x: number, y: number) => number;
  /** Colour range [lo, hi] (default [0, 1]). */
  domain?: [number, number];
  /** Grid cells per side (default 80; drawn as one smoothed PNG). */
  resolution?: number;
  /** What the colour means; shown as the caption. */
  label?: string;
  /** Observable Plot colour scheme (default "greys": neutral under any point colours). */
  scheme?: Plot.ColorScheme;
}

export interface ScatterOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Dot radius in px (default 3; 2 above 2000 points). */
  r?: number;
  opacity?: number;
  xDomain?: [number, number];
  yDomain?: [number, number];
  boxes?: readonly ScatterBox[];
  lines?: readonly ScatterLine[];
  background?: ScatterBackground;
}

interface Row {
  x: number;
  y: number;
  label: string;
  index: number;
}

/** Validate and zip the arrays into rows; errors name the argument and the fix. */
export function scatterRows(data: ScatterData, where = "scatter"): Row[] {
  const n = data.x.length;
  if (data.y.length !== n) throw new Error(`${where}: x has ${n} values but y has ${data.y.length}; pass one y per x`);
  if (data.label && data.label.length !== n) throw new Error(`${where}: label has ${data.label.length} entries, expected ${n} (one per point)`);
  if (data.index && data.index.length !== n) throw new Error(`${where}: index has ${data.index.length} entries, expected ${n} (one per point)`);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const x = Number(data.x[i]), y = Number(data.y[i]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`${where}: point ${i} is (${x}, ${y}); coordinates must be finite numbers`);
    let label = "";
    if (data.label) {
      const l = data.label[i];
      if (typeof l === "number") {
        if (data.classNames && !(l >= 0 && l < data.classNames.length)) {
          throw new Error(`${where}: label[${i}] = ${l} but classNames has ${data.classNames.length} names (0..${data.classNames.length - 1})`);
        }
        label = data.classNames ? data.classNames[l] : String(l);
      } else label = String(l);
    }
    rows.push({ x, y, label, index: data.index ? Number(data.index[i]) : i });
  }
  return rows;
}

/** Legend order: classNames order when given, else first appearance. */
function labelOrder(rows: Row[], data: ScatterData): string[] {
  const seen = [...new Set(rows.map((r) => r.label))];
  if (!data.classNames) return seen;
  return data.classNames.filter((c) => seen.includes(c));
}

function extent(values: number[], pad = 0.04): [number, number] {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (lo === hi) { lo -= 1; hi += 1; }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

function domains(rows: Row[], opts: ScatterOptions): { x: [number, number]; y: [number, number] } {
  const xs = rows.map((r) => r.x), ys = rows.map((r) => r.y);
  for (const b of opts.boxes ?? []) { xs.push(b.x0, b.x1); ys.push(b.y0, b.y1); }
  for (const l of opts.lines ?? []) { xs.push(...Array.from(l.x)); ys.push(...Array.from(l.y)); }
  return { x: opts.xDomain ?? extent(xs), y: opts.yDomain ?? extent(ys) };
}

/** The background function sampled on a res x res grid as an RGBA PNG (row 0 = top = largest y). */
function backgroundPng(bg: ScatterBackground, dom: { x: [number, number]; y: [number, number] }): { png: Uint8Array; caption: string } {
  const res = bg.resolution ?? 80;
  const [lo, hi] = bg.domain ?? [0, 1];
  const scheme = bg.scheme ?? "greys";
  const scale = Plot.scale({ color: { type: "linear", scheme, domain: [lo, hi] } });
  const rgba = new Uint8Array(res * res * 4);
  for (let r = 0; r < res; r++) {
    const y = dom.y[1] - ((r + 0.5) * (dom.y[1] - dom.y[0])) / res;
    for (let c = 0; c < res; c++) {
      const x = dom.x[0] + ((c + 0.5) * (dom.x[1] - dom.x[0])) / res;
      const v = bg.fn(x, y);
      const rgb = String(scale.apply(Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : lo)).match(/\d+/g) ?? ["255", "255", "255"];
      rgba.set([Number(rgb[0]), Number(rgb[1]), Number(rgb[2]), 255], (r * res + c) * 4);
    }
  }
  const ends = scheme === "greys" ? ["white", "dark grey"] : ["low", "high"];
  return { png: encode({ width: res, height: res, data: rgba, channels: 4 }), caption: `Background: ${bg.label ?? "value"} (${ends[0]} = ${lo}, ${ends[1]} = ${hi})` };
}

/** Static labelled scatter (Observable Plot SVG) as HTML; display with show.html. */
export function scatterHtml(data: ScatterData, opts: ScatterOptions = {}): string {
  const rows = scatterRows(data, "scatterHtml");
  const dom = domains(rows, opts);
  const labelled = !!data.label;
  const marks: Plot.Markish[] = [];
  let caption: string | undefined;
  if (opts.background) {
    const bg = backgroundPng(opts.background, dom);
    caption = bg.caption;
    const href = `data:image/png;base64,${Buffer.from(bg.png).toString("base64")}`;
    // A render-function mark: one <image> stretched over the plot frame (the domains are explicit).
    const render: Plot.RenderFunction = (_index, scales, _values, _dims, context) => {
      const img = context.document.createElementNS("http://www.w3.org/2000/svg", "image");
      const [xa, xb] = [scales.x!(dom.x[0]) as number, scales.x!(dom.x[1]) as number];
      const [ya, yb] = [scales.y!(dom.y[1]) as number, scales.y!(dom.y[0]) as number];
      img.setAttribute("x", String(xa));
      img.setAttribute("y", String(ya));
      img.setAttribute("width", String(xb - xa));
      img.setAttribute("height", String(yb - ya));
      img.setAttribute("preserveAspectRatio", "none");
      img.setAttribute("opacity", "0.45");
      img.setAttribute("href", href);
      img.setAttribute("aria-label", "background");
      return img as unknown as SVGElement;
    };
    marks.push(render);
  }
  const r = opts.r ?? (rows.length > 2000 ? 2 : 3);
  marks.push(
    Plot.dot(rows, {
      x: "x", y: "y", r,
      fill: labelled ? "label" : "steelblue",
      fillOpacity: opts.opacity ?? (rows.length > 1000 ? 0.6 : 0.85),
      // Native hover tooltips; skipped for big sets, where they would bloat the SVG (use the Plotly version).
      title: rows.length <= 3000 ? (d: Row) => `${d.label ? d.label + " " : ""}#${d.index}` : undefined,
    }),
  );
  for (const b of opts.boxes ?? []) {
    marks.push(Plot.rect([b], { x1: "x0", x2: "x1", y1: "y0", y2: "y1", fill: "none", stroke: "black", strokeWidth: 2 }));
    if (b.label) marks.push(Plot.text([b], { x: "x1", y: "y1", text: () => b.label, textAnchor: "end", dy: -6, fontWeight: "bold" }));
  }
  for (const l of opts.lines ?? []) {
    const pts = Array.from(l.x, (x, i) => ({ x, y: l.y[i] }));
    const stroke = l.stroke ?? "black";
    marks.push(Plot.line(pts, { x: "x", y: "y", stroke, strokeWidth: 2, strokeDasharray: l.dashed ? "6,4" : undefined }));
    if (l.dots ?? true) marks.push(Plot.dot(pts, { x: "x", y: "y", r: 4, fill: stroke }));
    if (l.label) marks.push(Plot.text(pts.slice(-1), { x: "x", y: "y", text: () => l.label, dx: 8, dy: l.dashed ? 14 : 0, textAnchor: "start", fill: stroke }));
  }
  return renderPlot({
    title: opts.title,
    caption,
    width: opts.width ?? 560,
    height: opts.height ?? 400,
    grid: true,
    x: { label: opts.xLabel ?? "x", domain: dom.x },
    y: { label: opts.yLabel ?? "y", domain: dom.y },
    color: labelled ? { legend: true, domain: labelOrder(rows, data), range: labelOrder(rows, data).map((c, _, o) => classColour(c, o, data.classNames)), type: "categorical" } : undefined,
    marks,
  });
}

/** Display the static scatter in the notebook. */
export function showScatter(data: ScatterData, opts: ScatterOptions = {}): void {
  show.bundle({ "text/html": scatterHtml(data, opts), "text/plain": `[scatter plot${opts.title ? `: ${opts.title}` : ""}, ${data.x.length} points]` });
}

// ---- Plotly (interactive) ----------------------------------------------------

// The bundle is inlined once per kernel process by lib/plot/plotly (shared with the latent explorer).
export { plotlyBundleOnce, resetPlotlyBundle } from "./plotly";

let plotCounter = 0;

/** Plotly figure JSON (traces + layout) for the scatter; exported for tests and custom figures. */
export function plotlyFigure(data: ScatterData, opts: ScatterOptions = {}): { data: unknown[]; layout: Record<string, unknown> } {
  const rows = scatterRows(data, "plotlyScatterHtml");
  const dom = domains(rows, opts);
  const traces: unknown[] = [];
  if (opts.background) {
    const res = opts.background.resolution ?? 40;
    const xs = Array.from({ length: res }, (_, i) => dom.x[0] + ((i + 0.5) * (dom.x[1] - dom.x[0])) / res);
    const ys = Array.from({ length: res }, (_, j) => dom.y[0] + ((j + 0.5) * (dom.y[1] - dom.y[0])) / res);
    const [zmin, zmax] = opts.background.domain ?? [0, 1];
    traces.push({
      type: "heatmap", x: xs, y: ys, z: ys.map((y) => xs.map((x) => opts.background!.fn(x, y))),
      colorscale: "RdBu", reversescale: true, zmin, zmax, opacity: 0.45, showscale: true,
      colorbar: { title: { text: opts.background.label ?? "" } }, hoverinfo: "skip",
    });
  }
  const groups = data.label ? labelOrder(rows, data) : [""];
  for (const g of groups) {
    const rs = rows.filter((r) => r.label === g);
    traces.push({
      type: rows.length > 5000 ? "scattergl" : "scatter",
      mode: "markers",
      name: g || "points",
      x: rs.map((r) => r.x),
      y: rs.map((r) => r.y),
      text: rs.map((r) => r.label),
      customdata: rs.map((r) => r.index),
      marker: { size: (opts.r ?? 3) * 2, opacity: opts.opacity ?? 0.8, ...(data.label ? { color: classColour(g, groups, data.classNames) } : {}) },
      hovertemplate: `${data.label ? "%{text}<br>" : ""}index %{customdata}<br>(%{x:.3g}, %{y:.3g})<extra></extra>`,
    });
  }
  for (const l of opts.lines ?? []) {
    const color = l.stroke ?? "black";
    traces.push({
      type: "scatter", mode: l.dots ?? true ? "lines+markers" : "lines", name: l.label || "path", x: Array.from(l.x), y: Array.from(l.y),
      line: { color, dash: l.dashed ? "dash" : "solid" }, marker: { color },
    });
  }
  const layout: Record<string, unknown> = {
    title: opts.title ? { text: opts.title } : undefined,
    width: opts.width ?? 640,
    height: opts.height ?? 460,
    xaxis: { title: { text: opts.xLabel ?? "x" }, range: dom.x },
    yaxis: { title: { text: opts.yLabel ?? "y" }, range: dom.y },
    hovermode: "closest",
    margin: { t: opts.title ? 50 : 20 },
    shapes: (opts.boxes ?? []).map((b) => ({ type: "rect", x0: b.x0, x1: b.x1, y0: b.y0, y1: b.y1, line: { color: "black", width: 2 } })),
  };
  return { data: traces, layout };
}

/**
 * Interactive scatter (Plotly) as HTML: hover a point to see its label and
 * index. Includes the Plotly bundle the first time in a kernel process.
 */
export function plotlyScatterHtml(data: ScatterData, opts: ScatterOptions = {}): string {
  const fig = plotlyFigure(data, opts);
  const id = `gdl-plotly-${process.pid}-${Date.now()}-${plotCounter++}`;
  const json = JSON.stringify(fig).replace(/</g, "\\u003c"); // no "</script>" inside the script
  // Wait for the bundle (it may still be unpacking when this output renders).
  const draw =
    `(function(){${WHEN_PLOTLY_JS}var el=document.getElementById(${JSON.stringify(id)});` +
    `gdlWhenPlotly(function(Plotly){var f=${json};Plotly.newPlot(el,f.data,f.layout,{responsive:true,displaylogo:false});},` +
    `function(msg){el.textContent=msg;});})();`;
  return `${plotlyBundleOnce()}<div id="${id}" style="width:${fig.layout.width}px;height:${fig.layout.height}px"></div><script>${draw}</script>`;
}

/** Display the interactive scatter in the notebook. */
export function showPlotlyScatter(data: ScatterData, opts: ScatterOptions = {}): void {
  show.bundle({
    "text/html": plotlyScatterHtml(data, opts),
    "text/plain": `[interactive scatter plot${opts.title ? `: ${opts.title}` : ""}, ${data.x.length} points; needs a front end that runs JavaScript]`,
  });
}
