import { describe, it, expect } from "vitest";
import { JSDOM } from "jsdom";
import { decode } from "fast-png";
import {
  scatterHtml, plotlyScatterHtml, plotlyFigure, plotlyBundleOnce, resetPlotlyBundle, showScatter, scatterRows,
} from "../lib/plot/scatter";
import { lineChartHtml, histogramHtml, barChartHtml } from "../lib/plot/line";
import { displayed } from "../lib/display";

const data = { x: [0, 1, 2, 3], y: [1, 0, 2, 3], label: [0, 1, 1, 0], index: [10, 11, 12, 13], classNames: ["T-shirt", "Trouser"] };
const parse = (html: string) => new JSDOM(`<body>${html}</body>`).window.document;

describe("static scatter (Observable Plot)", () => {
  it("draws one circle per point, coloured by class, with a legend of class names", () => {
    const doc = parse(scatterHtml(data, { title: "demo", xLabel: "z1", yLabel: "z2" }));
    const circles = doc.querySelectorAll('g[aria-label="dot"] circle');
    expect(circles.length).toBe(4);
    const fills = Array.from(circles, (c) => c.getAttribute("fill"));
    expect(fills[0]).toBe(fills[3]); // same class, same colour
    expect(fills[0]).not.toBe(fills[1]);
    const text = doc.body.textContent ?? "";
    expect(text).toContain("T-shirt");
    expect(text).toContain("Trouser");
    expect(text).toContain("demo");
    // Hover titles carry the label and the index.
    expect(circles[1].querySelector("title")?.textContent).toBe("Trouser #11");
  });
  it("unlabelled points work; boxes, lines and a background function are drawn", () => {
    const doc = parse(scatterHtml({ x: [0, 1], y: [0, 1] }, {
      boxes: [{ x0: 0, x1: 1, y0: 0, y1: 1, label: "MLE box" }],
      lines: [{ x: [0, 1], y: [1, 0], label: "path" }],
      background: { fn: (x) => x, resolution: 5, label: "p(y|x)" },
    }));
    expect(doc.querySelectorAll('g[aria-label="dot"]').length).toBe(2); // points + path vertices
    expect(doc.querySelectorAll('g[aria-label="rect"] rect').length).toBe(1); // the box
    expect(doc.body.textContent).toContain("MLE box");
    expect(doc.body.textContent).toContain("p(y|x)");
    // The background is one 5x5 PNG whose colour follows the function (x: left white, right dark).
    const href = doc.querySelector('image[aria-label="background"]')!.getAttribute("href")!;
    const png = decode(Buffer.from(href.replace("data:image/png;base64,", ""), "base64"));
    expect([png.width, png.height]).toEqual([5, 5]);
    expect(png.data[0]).toBeGreaterThan(png.data[4 * 4]); // row 0: left brighter than right
  });
  it("rejects mismatched arrays and labels outside classNames with clear errors", () => {
    expect(() => scatterHtml({ x: [1, 2], y: [1] })).toThrow(/x has 2 values but y has 1/);
    expect(() => scatterHtml({ x: [1], y: [1], label: [5], classNames: ["a"] })).toThrow(/label\[0\] = 5/);
    expect(() => scatterRows({ x: [NaN], y: [1] })).toThrow(/finite/);
  });
  it("showScatter emits one HTML output", () => {
    const n = displayed.length;
    showScatter(data);
    expect(displayed.length).toBe(n + 1);
    expect(displayed[n].data["text/html"]).toContain("<svg");
  });
});

describe("interactive scatter (Plotly)", () => {
  it("one trace per class with hover showing label and index", () => {
    const fig = plotlyFigure(data);
    const traces = fig.data as { name: string; x: number[]; customdata: number[]; text: string[]; hovertemplate: string }[];
    expect(traces.map((t) => t.name)).toEqual(["T-shirt", "Trouser"]);
    expect(traces[1].x).toEqual([1, 2]);
    expect(traces[1].customdata).toEqual([11, 12]);
    expect(traces[1].text).toEqual(["Trouser", "Trouser"]);
    expect(traces[0].hovertemplate).toContain("%{text}");
    expect(traces[0].hovertemplate).toContain("index %{customdata}");
  });
  it("inlines the plotly bundle once per process, never a CDN", () => {
    resetPlotlyBundle();
    const first = plotlyScatterHtml(data);
    const second = plotlyScatterHtml(data);
    expect(first.length).toBeGreaterThan(1_000_000);
    expect(first).toContain("window.Plotly");
    expect(second.length).toBeLessThan(20_000);
    expect(second).not.toContain("plotly.js v");
    expect(first + second).not.toMatch(/<script[^>]+src=/);
    expect(plotlyBundleOnce()).toBe("");
    resetPlotlyBundle();
    expect(plotlyBundleOnce().length).toBeGreaterThan(1_000_000);
  });
  it("the figure JSON cannot close the script tag early", () => {
    const html = plotlyScatterHtml({ x: [0], y: [0], label: ["</script><b>x"] });
    const scripts = html.split("<script>").length - 1;
    expect(html.split("</script>").length - 1).toBe(scripts);
  });
});

describe("line, histogram and bar charts", () => {
  it("render their series", () => {
    const doc = parse(lineChartHtml([{ x: [0, 1, 2], y: [0, 1, 4], label: "a" }, { x: [0, 1], y: [1, 1], label: "b" }]));
    expect(doc.querySelectorAll('g[aria-label="line"] path').length).toBe(2);
    const h = parse(histogramHtml([1, 1, 2, 3, 3, 3], { bins: 3, curves: [{ x: [1, 3], y: [0.1, 0.2], label: "fit" }] }));
    const bars = h.querySelectorAll('g[aria-label="rect"] rect');
    expect(bars.length).toBe(3);
    // Density scaling: heights proportional to counts 2, 1, 3.
    const hs = Array.from(bars, (b) => Number(b.getAttribute("height")));
    expect(hs[2] / hs[1]).toBeCloseTo(3, 1);
    // Groups share bins; each group's bars integrate to 1.
    const g = parse(histogramHtml([{ label: "a", values: [0, 0, 1] }, { label: "b", values: [1, 1, 1, 1] }], { bins: 2 }));
    expect(g.querySelectorAll('g[aria-label="rect"] rect').length).toBe(4);
    expect(g.body.textContent).toContain("b");
    expect(() => histogramHtml([1, -Infinity])).toThrow(/non-finite/);
    const b = parse(barChartHtml(["x", "y"], [{ label: "mle", values: [0.5, 0.5] }, { label: "smoothed", values: [0.4, 0.6] }]));
    expect(b.querySelectorAll('g[aria-label="bar"] rect').length).toBe(4);
    expect(() => lineChartHtml([{ x: [1], y: [], label: "bad" }])).toThrow(/series "bad"/);
  });
});

describe("one class palette for Observable Plot and Plotly", () => {
  it("a class has the same colour in the static SVG, the Plotly scatter and the explorer, by its index in classNames", () => {
    const classNames = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal"];
    // Only Trouser (1) and Sandal (5) present: colours still follow the class index.
    const d = { x: [0, 1, 2, 3], y: [0, 1, 0, 1], label: [1, 5, 1, 5], classNames };
    const doc = parse(scatterHtml(d));
    const circles = Array.from(doc.querySelectorAll('g[aria-label="dot"] circle'));
    const svgColour = (name: string) => circles.find((c) => c.querySelector("title")?.textContent?.startsWith(name))!.getAttribute("fill");
    const fig = plotlyFigure(d) as { data: { name: string; marker: { color?: string } }[] };
    const plotlyColour = (name: string) => fig.data.find((t) => t.name === name)!.marker.color;
    expect(plotlyColour("Trouser")).toBe("#ff7f0e");
    expect(plotlyColour("Sandal")).toBe("#8c564b");
    expect(svgColour("Trouser")).toBe(plotlyColour("Trouser"));
    expect(svgColour("Sandal")).toBe(plotlyColour("Sandal"));
  });
});

describe("axis labels fit", () => {
  it("long y tick labels (05's reconstruction error, 0.6912…) are not cut at the SVG's left edge", () => {
    const doc = parse(lineChartHtml([{ x: [0, 1, 2], y: [0.69121, 0.69135, 0.69152], label: "err" }], { yLabel: "error" }));
    const g = doc.querySelector('g[aria-label="y-axis tick label"]')!;
    const shift = Number(/translate\(([-\d.]+)/.exec(g.getAttribute("transform")!)![1]);
    const labels = Array.from(g.querySelectorAll("text"));
    expect(labels.length).toBeGreaterThan(2);
    for (const t of labels) {
      const right = shift + Number(/translate\(([-\d.]+)/.exec(t.getAttribute("transform")!)![1]);
      // text-anchor end at `right`; 6 px per character at 10 px sans-serif is a safe upper bound.
      expect(right - 6 * t.textContent!.length, `"${t.textContent}" starts left of the SVG`).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("labels stay inside their figure", () => {
  it("a reference-line label near the left edge is drawn to the right of its line (02's -Infinity note ran off the left)", () => {
    const doc = parse(lineChartHtml([{ x: [84, 100], y: [-314, -320], label: "ll" }], { xRules: [{ x: 89.3, label: "-Infinity here: the box cuts off the rightmost point" }] }));
    const t = Array.from(doc.querySelectorAll('g[aria-label="text"]')).find((g) => g.textContent?.includes("-Infinity here"))!;
    expect(t.getAttribute("text-anchor")).toBe("start");
    const right = parse(lineChartHtml([{ x: [84, 100], y: [-314, -320], label: "ll" }], { xRules: [{ x: 98, label: "right side" }] }));
    expect(Array.from(right.querySelectorAll('g[aria-label="text"]')).find((g) => g.textContent?.includes("right side"))!.getAttribute("text-anchor")).toBe("end");
  });
  it("the training progress chart has room for its y labels (6.932e+3 was cut)", async () => {
    const { lossChartSvg } = await import("../lib/train/progress");
    const doc = parse(lossChartSvg([{ x: 0, y: 6932 }, { x: 1, y: 6926 }], [], 1));
    const labels = Array.from(doc.querySelectorAll('text[text-anchor="end"]')).filter((t) => /e\+3/.test(t.textContent ?? ""));
    expect(labels.length).toBe(2);
    for (const t of labels) expect(Number(t.getAttribute("x")) - 6 * t.textContent!.length, `"${t.textContent}" is cut`).toBeGreaterThanOrEqual(0);
  });
});
