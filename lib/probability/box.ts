// The book's "world map" example: a parametric family of axis-aligned boxes,
// each a uniform density over its area. The box that makes the observed points
// most likely is the smallest box containing them all.
import { Rng } from "./rng";

export type Point2 = readonly [number, number] | readonly number[];

/** The box [x0, x1] x [y0, y1]. */
export interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export function boxArea(b: Box): number {
  return (b.x1 - b.x0) * (b.y1 - b.y0);
}

function checkBox(b: Box, where: string): void {
  for (const k of ["x0", "x1", "y0", "y1"] as const) {
    if (!Number.isFinite(b[k])) throw new Error(`${where}: box.${k} = ${b[k]}; box corners must be finite numbers`);
  }
  if (!(b.x1 > b.x0) || !(b.y1 > b.y0)) {
    throw new Error(
      `${where}: box {x0: ${b.x0}, x1: ${b.x1}, y0: ${b.y0}, y1: ${b.y1}} has no area; ` +
        "need x1 > x0 and y1 > y0 (a zero-area box would put infinite density on a line)",
    );
  }
}

function checkPoint(p: Point2, i: number, where: string): void {
  if (p.length !== 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw new Error(`${where}: points[${i}] = [${p.join(", ")}]; each point must be [x, y] with finite numbers`);
  }
}

export function inBox(p: Point2, b: Box): boolean {
  return p[0] >= b.x0 && p[0] <= b.x1 && p[1] >= b.y0 && p[1] <= b.y1;
}

/** Density of the uniform distribution on the box: 1 / area inside, 0 outside. */
export function boxDensity(p: Point2, b: Box): number {
  checkBox(b, "boxDensity");
  return inBox(p, b) ? 1 / boxArea(b) : 0;
}

/**
 * Log-likelihood of independent points under the uniform box:
 * -n log(area) if every point is inside, and -Infinity (never NaN) if any
 * point is outside, because the box gives that point probability density 0
 * and log 0 = -Infinity. See boxLikelihoodReport for which points.
 */
export function boxLogLikelihood(points: readonly Point2[], b: Box): number {
  return boxLikelihoodReport(points, b).logLikelihood;
}

export interface BoxLikelihoodReport {
  logLikelihood: number;
  /** Indices of points outside the box (each makes the likelihood 0). */
  outside: number[];
  explanation: string;
}

/** The log-likelihood with the reason in words: which points fall outside, if any. */
export function boxLikelihoodReport(points: readonly Point2[], b: Box): BoxLikelihoodReport {
  checkBox(b, "boxLogLikelihood");
  const outside: number[] = [];
  points.forEach((p, i) => {
    checkPoint(p, i, "boxLogLikelihood");
    if (!inBox(p, b)) outside.push(i);
  });
  const area = boxArea(b);
  if (outside.length > 0) {
    const shown = outside.slice(0, 5).join(", ") + (outside.length > 5 ? ", ..." : "");
    return {
      logLikelihood: -Infinity,
      outside,
      explanation:
        `${outside.length} of ${points.length} points lie outside the box (indices ${shown}). ` +
        "The box gives them density 0, so the likelihood is 0 and the log-likelihood is -Infinity: " +
        "this box cannot have generated the data.",
    };
  }
  return {
    logLikelihood: -points.length * Math.log(area),
    outside,
    explanation:
      `All ${points.length} points are inside; each has density 1/area = 1/${area.toPrecision(4)}, ` +
      `so log L = -n log(area) = ${(-points.length * Math.log(area)).toFixed(3)}. A smaller box that still holds every point scores higher.`,
  };
}

/** The maximum-likelihood box: the bounding box of the points. */
export function fitBox(points: readonly Point2[]): Box {
  if (points.length < 2) throw new Error(`fitBox: need at least 2 points to span a box, got ${points.length}`);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  points.forEach((p, i) => {
    checkPoint(p, i, "fitBox");
    x0 = Math.min(x0, p[0]);
    x1 = Math.max(x1, p[0]);
    y0 = Math.min(y0, p[1]);
    y1 = Math.max(y1, p[1]);
  });
  const b = { x0, x1, y0, y1 };
  checkBox(b, "fitBox (the points all share an x or a y value)");
  return b;
}

/** n points drawn uniformly from the box. */
export function sampleBox(b: Box, n: number, rng: Rng): [number, number][] {
  checkBox(b, "sampleBox");
  return Array.from({ length: n }, () => [rng.between(b.x0, b.x1), rng.between(b.y0, b.y1)] as [number, number]);
}

/**
 * The "unknown" data-generating region for the world-map example: a few
 * land masses (ellipses) on a 100 x 60 map. The notebook pretends not to know
 * this shape; only the sampled points are seen.
 */
export const WORLD_LAND: readonly { cx: number; cy: number; rx: number; ry: number }[] = [
  { cx: 28, cy: 40, rx: 12, ry: 9 },
  { cx: 33, cy: 20, rx: 6, ry: 11 },
  { cx: 58, cy: 38, rx: 9, ry: 10 },
  { cx: 60, cy: 20, rx: 6, ry: 8 },
  { cx: 78, cy: 40, rx: 14, ry: 10 },
  { cx: 84, cy: 16, rx: 7, ry: 5 },
];

export function onLand(p: Point2): boolean {
  return WORLD_LAND.some((e) => ((p[0] - e.cx) / e.rx) ** 2 + ((p[1] - e.cy) / e.ry) ** 2 <= 1);
}

/** n points from p_data: uniform over the land region (rejection sampling on the 100 x 60 map). */
export function sampleWorld(n: number, rng: Rng): [number, number][] {
  const out: [number, number][] = [];
  while (out.length < n) {
    const p: [number, number] = [rng.between(0, 100), rng.between(0, 60)];
    if (onLand(p)) out.push(p);
  }
  return out;
}
