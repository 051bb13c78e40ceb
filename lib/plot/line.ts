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

function ruleMarks(opts: ChartOptions): Plot.Markish[] {
  const rules = opts.xRules ?? [];
  return [
    Plot.ruleX(rules, { x: "x", stroke: "#888", strokeDasharray: "4,3" }),
    Plot.text(rules, { x: "x", text: "label", frameAnchor: "top", dy: 4, dx: -4, textAnchor: "end" }),
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
    marks: [Plot.line(rows, { x: "x", y: "y", stroke: "label", strokeWidth: 2, clip: true }), ...ruleMarks(opts)],
  });
}

export function showLineChart(series: readonly Series[], opts: ChartOptions = {}): void {
  show.html(lineChartHtml(series, opts));
}

/**
 * Histogram of values scaled as a density (bar areas sum to 1), so density
 * curves (e.g. a fitted Gaussian) can be drawn on the same axes.
 */
export function histogramHtml(values: ArrayLike<number>, opts: ChartOptions & { bins?: number; curves?: readonly Series[] } = {}): string {
  const vs = Array.from(values);
  if (vs.length === 0) throw new Error("histogramHtml: values is empty; pass at least one number");
  const lo = Math.min(...vs), hi = Math.max(...vs);
  const bins = opts.bins ?? 30;
  const w = (hi - lo || 1) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of vs) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  const bars = counts.map((c, i) => ({ x1: lo + i * w, x2: lo + (i + 1) * w, y: c / (vs.length * w) }));
  const curveRows = seriesRows(opts.curves ?? [], "histogramHtml");
  return renderPlot({
    title: opts.title,
    width: opts.width ?? 560,
    height: opts.height ?? 320,
    grid: true,
    x: { label: opts.xLabel ?? "x" },
    y: { label: opts.yLabel ?? "density", domain: opts.yDomain },
    color: { legend: (opts.curves?.length ?? 0) > 0, domain: (opts.curves ?? []).map((s) => s.label) },
    marks: [
      Plot.rectY(bars, { x1: "x1", x2: "x2", y: "y", fill: "#bbb" }),
      Plot.line(curveRows, { x: "x", y: "y", stroke: "label", strokeWidth: 2.5, clip: true }),
      Plot.ruleY([0]),
      ...ruleMarks(opts),
    ],
  });
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
