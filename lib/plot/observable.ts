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
  const el = Plot.plot({ ...options, document: documentOnce() });
  // Inline SVG needs the namespace when a front end treats the markup as XML.
  if (el.tagName.toLowerCase() === "svg") el.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  else el.querySelectorAll("svg").forEach((s) => s.setAttribute("xmlns", "http://www.w3.org/2000/svg"));
  return el.outerHTML;
}

export { Plot };
