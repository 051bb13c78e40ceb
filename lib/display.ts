// The one place that talks to tslab's display API. Outside a kernel (vitest,
// plain node) displays go to an in-memory sink so lib code stays testable.
import * as path from "path";
import * as util from "util";

export type MimeBundle = Record<string, string>;

interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}
type Writer = (msg: DisplayMessage, update: boolean) => void;

/** What was displayed while no kernel was attached (newest last). Tests read it. */
export const displayed: { id?: string; data: MimeBundle; update: boolean }[] = [];

function kernelWriter(): Writer | null {
  // tslab keeps the live writer on its jupyter module; it is set only inside a kernel.
  try {
    const tslabDir = path.dirname(require.resolve("tslab/package.json"));
    const jupyter = require(path.join(tslabDir, "dist", "jupyter.js"));
    const w = jupyter.lastWriteDisplayData as Writer | null | undefined;
    return typeof w === "function" ? w : null;
  } catch {
    return null;
  }
}

/** True when running inside a Jupyter kernel (tslab). */
export function inKernel(): boolean {
  return kernelWriter() !== null;
}

function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

let idCounter = 0;

/**
 * One display output. `show()` emits it; further `show()` calls on the same
 * handle replace it in place (tslab's display update), which is how progress
 * bars and live loss charts avoid a wall of printed lines.
 */
export class Output {
  private shown = false;
  constructor(readonly id: string = `gdl-${process.pid}-${Date.now()}-${idCounter++}`) {}

  show(bundle: MimeBundle): void {
    if (Object.keys(bundle).length === 0) throw new Error("display: empty MIME bundle");
    const update = this.shown;
    this.shown = true;
    const msg: DisplayMessage = { data: bundle, metadata: {}, transient: { display_id: this.id } };
    const w = kernelWriter();
    if (w) w(msg, update);
    else displayed.push({ id: this.id, data: bundle, update });
  }
  html(s: string): void { this.show({ "text/html": s, "text/plain": stripTags(s) }); }
  svg(s: string): void { this.show({ "image/svg+xml": s, "text/plain": "[SVG image]" }); }
  png(b: Uint8Array, alt = "[PNG image]"): void { this.show({ "image/png": toBase64(b), "text/plain": alt }); }
  markdown(s: string): void { this.show({ "text/markdown": s, "text/plain": s }); }
  text(s: string): void { this.show({ "text/plain": s }); }
}

function stripTags(s: string): string {
  return s.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 500);
}

/** A fresh output that later calls update in place. */
export function newOutput(): Output {
  return new Output();
}

/** Emit a display once (a new output every call). */
export const show = {
  html: (s: string) => newOutput().html(s),
  svg: (s: string) => newOutput().svg(s),
  png: (b: Uint8Array, alt?: string) => newOutput().png(b, alt),
  markdown: (s: string) => newOutput().markdown(s),
  text: (s: string) => newOutput().text(s),
  bundle: (b: MimeBundle) => newOutput().show(b),
  /** A table: Markdown, with an aligned plain-text fallback. Format numbers first (toFixed). */
  table: (header: readonly string[], rows: readonly (readonly TableCell[])[]) => newOutput().show(tableBundle(header, rows)),
};

// ---- tables -----------------------------------------------------------------

export type TableCell = string | number;

const cellText = (c: TableCell) => (typeof c === "number" ? String(c) : c);

/** A Markdown table (pipes in cells escaped). Numbers print as given: format them first (toFixed). */
export function markdownTable(header: readonly string[], rows: readonly (readonly TableCell[])[]): string {
  if (header.length === 0) throw new Error("markdownTable: the header needs at least one column");
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new Error(`markdownTable: row ${i} has ${r.length} cells, the header ${header.length}`);
  });
  const esc = (c: TableCell) => cellText(c).replace(/\|/g, "\\|").replace(/\n/g, " ");
  const line = (cells: readonly TableCell[]) => `| ${cells.map(esc).join(" | ")} |`;
  return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

/** The same table as aligned plain text (the text/plain form of a table output). */
export function textTable(header: readonly string[], rows: readonly (readonly TableCell[])[]): string {
  const all = [header, ...rows].map((r) => r.map(cellText));
  const widths = header.map((_, j) => Math.max(...all.map((r) => r[j].length)));
  const fmt = (r: string[]) => r.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd();
  return [fmt(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(fmt)].join("\n");
}

function tableBundle(header: readonly string[], rows: readonly (readonly TableCell[])[]): MimeBundle {
  return { "text/markdown": markdownTable(header, rows), "text/plain": textTable(header, rows) };
}

// ---- what a returned value looks like as a cell's Out[n] ----------------------

/**
 * Give a value a one-line text form: a cell whose last expression is a
 * display helper's result then shows that line as Out[n], never the object's
 * internals (the kernel prints results with util.inspect).
 */
export function withTextForm<T extends object>(value: T, text: string): T {
  if (text.includes("\n")) throw new Error(`withTextForm: the text form must be one line, got ${JSON.stringify(text)}`);
  Object.defineProperty(value, util.inspect.custom, { value: () => text, enumerable: false });
  Object.defineProperty(value, "toString", { value: () => text, enumerable: false });
  return value;
}
