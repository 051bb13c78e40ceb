// Line charts (training curves, densities) and histograms with an optional
// fitted density drawn over them, as Observable Plot SVG.
import { show } from "../display";
import { Plot, renderPlot } from "./observable";

export interface Series {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label: string;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  yDomain?: [number, number];
  /** Labelled vertical reference lines (label to the left of the line). */
  xRules?: readonly { x: number; label: string }[];
}

/** `xs`: the data's x values; a rule in the left half of them gets its label on its right, so the label stays inside the chart. */
function ruleMarks(opts: ChartOptions, xs: readonly number[]): Plot.Markish[] {
  const rules = opts.xRules ?? [];
  let lo = Infinity, hi = -Infinity;
  for (const x of [...xs, ...rules.map((r) => r.x)]) if (Number.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  const mid = (lo + hi) / 2;
  const right = rules.filter((r) => r.x < mid), left = rules.filter((r) => r.x >= mid);
  return [
    Plot.ruleX(rules, { x: "x", stroke: "#888", strokeDasharray: "4,3" }),
    Plot.text(left, { x: "x", text: "label", frameAnchor: "top", dy: 4, dx: -4, textAnchor: "end" }),
    Plot.text(right, { x: "x", text: "label", frameAnchor: "top", dy: 4, dx: 4, textAnchor: "start" }),
  ];
}

function seriesRows(series: readonly Series[], where: string) {
  return series.flatMap((s) => {
    if (s.x.length !== s.y.length) throw new Error(`${where}: series "${s.label}" has ${s.x.length} x values but ${s.y.length} y values`);
    return Array.from(s.x, (x, i) => ({ x, y: s.y[i], label: s.label }));
  });
}

/** One or more named lines on shared axes. */
export function lineChartHtml(series: readonly Series[], opts: ChartOptions = {}): string {
  const rows = seriesRows(series, "lineChartHtml");
  return renderPlot({
    title: opts.title,
    width: opts.width ?? 560,
    height: opts.height ?? 320,
    grid: true,
    x: { label: opts.xLabel ?? "x" },
    y: { label: opts.yLabel ?? "y", domain: opts.yDomain },
    color: { legend: series.length > 1, domain: series.map((s) => s.label) },
    marks: [Plot.line(rows, { x: "x", y: "y", stroke: "label", strokeWidth: 2, clip: true }), ...ruleMarks(opts, rows.map((r) => r.x))],
  });
}

function showChart(html: string, kind: string, title?: string): void {
  show.bundle({ "text/html": html, "text/plain": `[${kind}${title ? `: ${title}` : ""}]` });
}

export function showLineChart(series: readonly Series[], opts: ChartOptions = {}): void {
  showChart(lineChartHtml(series, opts), "line chart", opts.title);
}

export type HistogramOptions = ChartOptions & { bins?: number; curves?: readonly Series[] };
/** One set of values, or several named sets drawn as overlaid translucent histograms on shared bins. */
export type HistogramInput = ArrayLike<number> | readonly { label: string; values: ArrayLike<number> }[];

function histogramGroups(input: HistogramInput): { label: string; values: number[] }[] {
  const isGroups = Array.isArray(input) && input.length > 0 && typeof input[0] === "object";
  const groups = isGroups
    ? (input as readonly { label: string; values: ArrayLike<number> }[]).map((g) => ({ label: g.label, values: Array.from(g.values) }))
    : [{ label: "", values: Array.from(input as ArrayLike<number>) }];
  for (const g of groups) {
    if (g.values.length === 0) throw new Error(`histogramHtml: ${g.label ? `group "${g.label}"` : "values"} is empty; pass at least one number`);
    const bad = g.values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`histogramHtml: ${g.label ? `group "${g.label}" ` : ""}value [${bad}] = ${g.values[bad]}; drop non-finite values (e.g. -Infinity log-likelihoods) first`);
  }
  return groups;
}

/**
 * Histogram(s) scaled as densities (bar areas sum to 1 per group), so density
 * curves (e.g. a fitted Gaussian) can be drawn on the same axes.
 */
export function histogramHtml(input: HistogramInput, opts: HistogramOptions = {}): string {
  const groups = histogramGroups(input);
  const all = groups.flatMap((g) => g.values);
  let lo = Infinity, hi = -Infinity;
  for (const v of all) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const bins = opts.bins ?? 30;
  const w = (hi - lo || 1) / bins;
  const bars = groups.flatMap((g) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of g.values) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
    return counts.map((c, i) => ({ x1: lo + i * w, x2: lo + (i + 1) * w, y: c / (g.values.length * w), group: g.label }));
  });
  const named = groups.length > 1;
  const curveRows = seriesRows(opts.curves ?? [], "histogramHtml");
  const legend = [...(named ? groups.map((g) => g.label) : []), ...(opts.curves ?? []).map((s) => s.label)];
  return renderPlot({
    title: opts.title,
    width: opts.width ?? 560,
    height: opts.height ?? 320,
    grid: true,
    x: { label: opts.xLabel ?? "x" },
    y: { label: opts.yLabel ?? "density", domain: opts.yDomain },
    color: { legend: legend.length > 0, domain: legend },
    marks: [
      Plot.rectY(bars, { x1: "x1", x2: "x2", y: "y", fill: named ? "group" : "#bbb", fillOpacity: named ? 0.5 : 1, mixBlendMode: named ? "multiply" : undefined }),
      Plot.line(curveRows, { x: "x", y: "y", stroke: "label", strokeWidth: 2.5, clip: true }),
      Plot.ruleY([0]),
      ...ruleMarks(opts, [...all, ...curveRows.map((r) => r.x)]),
    ],
  });
}

export function showHistogram(input: HistogramInput, opts: HistogramOptions = {}): void {
  showChart(histogramHtml(input, opts), "histogram", opts.title);
}

/** Bars for named categories, e.g. probabilities of a categorical model, one group per series. */
export function barChartHtml(categories: readonly string[], series: readonly { label: string; values: ArrayLike<number> }[], opts: ChartOptions = {}): string {
  const rows = series.flatMap((s) => {
    if (s.values.length !== categories.length) throw new Error(`barChartHtml: series "${s.label}" has ${s.values.length} values for ${categories.length} categories`);
    return categories.map((c, i) => ({ category: c, value: s.values[i], series: s.label }));
  });
  return renderPlot({
    title: opts.title,
    width: opts.width ?? 560,
    height: opts.height ?? 320,
    grid: true,
    fx: { label: null, domain: [...categories] },
    x: { axis: null, domain: series.map((s) => s.label) },
    y: { label: opts.yLabel ?? "probability", domain: opts.yDomain },
    color: { legend: true, domain: series.map((s) => s.label) },
    marks: [Plot.barY(rows, { fx: "category", x: "series", y: "value", fill: "series" }), Plot.ruleY([0])],
  });
}

export function showBarChart(categories: readonly string[], series: readonly { label: string; values: ArrayLike<number> }[], opts: ChartOptions = {}): void {
  showChart(barChartHtml(categories, series, opts), "bar chart", opts.title);
}
