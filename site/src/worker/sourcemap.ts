// A small reader of source maps (v3): generated line/column -> original file/line/column.
// Used for a cell (TypeScript -> JavaScript, from ts.transpileModule) and for the lib bundle.

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUE = new Map([...B64].map((c, i) => [c, i] as [string, number]));

/** Per generated line: segments [generatedColumn, sourceIndex, originalLine, originalColumn] (0-based). */
type Segment = [number, number, number, number];

export interface RawSourceMap { version: number; sources: string[]; mappings: string; sourceRoot?: string }

export class SourceMap {
  private readonly lines: Segment[][];
  readonly sources: string[];

  constructor(raw: RawSourceMap | string) {
    const map: RawSourceMap = typeof raw === "string" ? JSON.parse(raw) : raw;
    this.sources = map.sources;
    this.lines = decode(map.mappings);
  }

  /** Original position of a 1-based generated line and column, or null where nothing maps. */
  original(line: number, col: number): { source: string; line: number; col: number } | null {
    const segs = this.lines[line - 1];
    if (!segs || segs.length === 0) return null;
    let best: Segment | null = null;
    for (const s of segs) {
      if (s[0] <= col - 1) best = s;
      else break;
    }
    best ??= segs[0];
    return { source: this.sources[best[1]] ?? "", line: best[2] + 1, col: best[3] + 1 };
  }
}

function decode(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let src = 0, origLine = 0, origCol = 0;
  for (const lineText of mappings.split(";")) {
    const segs: Segment[] = [];
    let genCol = 0;
    if (lineText) {
      for (const segText of lineText.split(",")) {
        if (!segText) continue;
        const v = vlq(segText);
        genCol += v[0];
        if (v.length >= 4) {
          src += v[1]; origLine += v[2]; origCol += v[3];
          segs.push([genCol, src, origLine, origCol]);
        }
      }
    }
    segs.sort((a, b) => a[0] - b[0]);
    lines.push(segs);
  }
  return lines;
}

function vlq(s: string): number[] {
  const out: number[] = [];
  let shift = 0, value = 0;
  for (const c of s) {
    const d = VALUE.get(c);
    if (d === undefined) throw new Error(`source map: bad character ${c}`);
    value += (d & 31) << shift;
    if (d & 32) { shift += 5; continue; }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    shift = 0; value = 0;
  }
  return out;
}
