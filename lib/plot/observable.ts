// Observable Plot rendered to markup in Node: Plot needs a DOM, so we give it
// one jsdom document (created once; creating one per plot is slow).
import * as Plot from "@observablehq/plot";
import { JSDOM } from "jsdom";

let doc: Document | null = null;
function documentOnce(): Document {
  if (!doc) doc = new JSDOM("<!DOCTYPE html><body></body>").window.document;
  return doc;
}

/**
 * Render Plot options to an HTML string: a bare <svg>, or a <figure> when
 * the plot has a title or a legend. Show it with `show.html(...)`.
 */
export function renderPlot(options: Plot.PlotOptions): string {
  let el = Plot.plot({ ...options, document: documentOnce() });
  // Plot's default left margin (40 px) cuts long y tick labels ("0.6912" showed as ".6912"): with
  // no DOM to measure text, estimate their width and render again with room for them.
  const overflow = yLabelOverflow(el);
  if (overflow > 0 && options.marginLeft === undefined) {
    el = Plot.plot({ ...options, marginLeft: currentMarginLeft(el) + overflow, document: documentOnce() });
  }
  // Inline SVG needs the namespace when a front end treats the markup as XML.
  if (el.tagName.toLowerCase() === "svg") el.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  else el.querySelectorAll("svg").forEach((s) => s.setAttribute("xmlns", "http://www.w3.org/2000/svg"));
  return el.outerHTML;
}

export { Plot };

/** Width of a tick label in px at Plot's 10 px sans-serif (digits ~5.6 px; rounded up for safety). */
export const estimateLabelWidth = (text: string) => text.length * 6.2;

function tickLabels(el: Element): { x: number; text: string }[] {
  const g = el.querySelector('g[aria-label="y-axis tick label"]');
  if (!g) return [];
  const shift = Number(/translate\(([-\d.]+)/.exec(g.getAttribute("transform") ?? "")?.[1] ?? 0);
  return Array.from(g.querySelectorAll("text"), (t) => ({
    x: shift + Number(/translate\(([-\d.]+)/.exec(t.getAttribute("transform") ?? "")?.[1] ?? 0),
    text: t.textContent ?? "",
  }));
}

function currentMarginLeft(el: Element): number {
  const g = el.querySelector('g[aria-label="y-axis tick"]');
  return Number(/translate\(([-\d.]+)/.exec(g?.querySelector("path")?.getAttribute("transform") ?? "")?.[1] ?? 40);
}

/** Pixels by which the widest left y tick label (text-anchor end) runs past the SVG's left edge, plus 3 px of air. */
function yLabelOverflow(el: Element): number {
  const over = tickLabels(el).map((l) => estimateLabelWidth(l.text) + 3 - l.x);
  return Math.ceil(Math.max(0, ...over));
}
