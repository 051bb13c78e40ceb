import * as util from "util";
import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { decode as decodePng } from "fast-png";
import { packSprite, gridCenters, gridCell, tileOrigin, LatentGrid, GRID_LOOKUP_JS } from "../lib/plot/sprite";
import { latentExplorerHtml, latentExplorer, subsampleIndices, EXPLORER_RUNTIME_JS } from "../lib/plot/explorer";
import { pcaPlane, slicePlane } from "../lib/latent/plane";
import { resetPlotlyBundle, plotlyBundleOnce, plotlyBundleScript, WHEN_PLOTLY_JS } from "../lib/plot/plotly";
import { displayed } from "../lib/display";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** A decoder whose image is a blob that moves with z: different z, different image. */
function blobDecode(z: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const g = tf.linspace(0, 11, 12);
    const cx = z.slice([0, 0], [-1, 1]).tanh().mul(4).add(5.5).reshape([-1, 1, 1]);
    const cy = z.slice([0, 1], [-1, 1]).tanh().mul(-4).add(5.5).reshape([-1, 1, 1]);
    return g.reshape([1, 1, 12]).sub(cx).square().add(g.reshape([1, 12, 1]).sub(cy).square()).div(-4).exp().expandDims(3) as tf.Tensor4D;
  });
}

function points(n: number) {
  const x = new Float32Array(n), y = new Float32Array(n), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    const a = (labels[i] * 2 * Math.PI) / 3, r = 0.3 * ((i * 37) % 11) / 11;
    x[i] = 1.5 * Math.cos(a) + r * Math.cos(i);
    y[i] = 1.5 * Math.sin(a) + r * Math.sin(i);
  }
  return { x, y, labels, classNames: ["a", "b", "c"] as const };
}

function spriteFromHtml(html: string, cls: string) {
  const m = new RegExp(`class="${cls}"[^>]*src="data:image/png;base64,([^"]+)"`).exec(html);
  if (!m) throw new Error(`no ${cls} image in the HTML`);
  return decodePng(Buffer.from(m[1], "base64"));
}

function dataFromHtml(html: string) {
  const m = /gdlExplorer\(root,(\{.*\})\);\}\)\(\);<\/script>$/s.exec(html);
  if (!m) throw new Error("no explorer data in the HTML");
  return JSON.parse(m[1]);
}

/** Tile k of a decoded greyscale/RGB PNG sheet as numbers 0..255 (first channel). */
function tile(png: ReturnType<typeof decodePng>, tileW: number, tileH: number, cols: number, k: number): number[] {
  const out: number[] = [];
  const [ox, oy] = tileOrigin({ count: k + 1, tileW, tileH, cols, rows: 0, channels: 1 }, k);
  for (let y = 0; y < tileH; y++) for (let x = 0; x < tileW; x++) out.push(png.data[((oy + y) * png.width + ox + x) * png.channels]);
  return out;
}

describe("sprite sheets", () => {
  it("packs each image into its tile, greyscale and RGB", () => {
    for (const c of [1, 3]) {
      const n = 5, h = 2, w = 3;
      const data = Float32Array.from({ length: n * h * w * c }, (_, i) => ((i * 7) % 256) / 255);
      const s = packSprite({ data, n, h, w, c });
      expect([s.cols, s.rows, s.tileW, s.tileH]).toEqual([3, 2, 3, 2]);
      const png = decodePng(s.png);
      expect([png.width, png.height, png.channels]).toEqual([9, 4, c]);
      for (let k = 0; k < n; k++) {
        const [ox, oy] = tileOrigin(s, k);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
          const want = Math.round(data[((k * h + y) * w + x) * c + ch] * 255);
          expect(png.data[((oy + y) * png.width + ox + x) * c + ch]).toBe(want);
        }
      }
    }
  });

  it("quantizes to `levels` values per channel, within half a step", () => {
    const data = Float32Array.from({ length: 200 }, (_, i) => i / 199);
    const png = decodePng(packSprite({ data, n: 2, h: 10, w: 10, c: 1 }, { levels: 32 }).png);
    const step = 255 / 31;
    const got = new Set<number>();
    for (let k = 0; k < 2; k++) for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) {
      const v = png.data[y * png.width + k * 10 + x], want = data[k * 100 + y * 10 + x] * 255;
      expect(Math.abs(v - want)).toBeLessThanOrEqual(step / 2 + 0.5);
      got.add(v);
    }
    expect(got.size).toBe(32);
    expect(() => packSprite({ data, n: 2, h: 10, w: 10, c: 1 }, { levels: 1 })).toThrow(/levels must be an integer in 2..256/);
  });

  it("clips values to [0, 1] and rejects bad shapes", () => {
    const s = packSprite({ data: Float32Array.from([-1, 0.5, 2, NaN]), n: 1, h: 2, w: 2, c: 1 });
    expect(Array.from(decodePng(s.png).data)).toEqual([0, 128, 255, 0]);
    expect(() => packSprite({ data: new Float32Array(3), n: 1, h: 2, w: 2, c: 1 })).toThrow(/does not match/);
    expect(() => packSprite({ data: new Float32Array(8), n: 1, h: 2, w: 2, c: 2 })).toThrow(/1 or 3 channels/);
  });
});

describe("latent grid lookup", () => {
  const g: LatentGrid = { x0: -2, x1: 2, y0: -1, y1: 3, n: 8 };
  it("maps every cell centre back to its own cell; row 0 is the top (highest y)", () => {
    const c = gridCenters(g);
    for (let k = 0; k < g.n * g.n; k++) {
      const cell = gridCell(g, c[2 * k], c[2 * k + 1]);
      expect(cell.index).toBe(k);
      expect(cell.inside).toBe(true);
      expect(cell.cx).toBeCloseTo(c[2 * k], 5);
      expect(cell.cy).toBeCloseTo(c[2 * k + 1], 5);
    }
    expect(gridCell(g, -1.99, 2.99).index).toBe(0);
    expect(gridCell(g, 1.99, -0.99).index).toBe(g.n * g.n - 1);
  });
  it("clamps locations outside the grid to the nearest edge cell", () => {
    expect(gridCell(g, -10, 10)).toMatchObject({ index: 0, inside: false });
    expect(gridCell(g, 10, -10)).toMatchObject({ index: 63, inside: false });
    expect(gridCell(g, 0.1, 100)).toMatchObject({ index: 4, inside: false });
  });
  it("browser code is valid JS", () => {
    expect(() => new Function(WHEN_PLOTLY_JS + GRID_LOOKUP_JS + EXPLORER_RUNTIME_JS)).not.toThrow();
  });
  it("subsamples evenly", () => {
    expect(Array.from(subsampleIndices(10, 4))).toEqual([0, 2, 5, 7]);
    expect(Array.from(subsampleIndices(3, 10))).toEqual([0, 1, 2]);
  });
});

describe("latentExplorerHtml", () => {
  it("grid sprite tile k is the decoding of grid cell k's centre", () => {
    resetPlotlyBundle();
    const { html, info } = latentExplorerHtml({ points: points(30), decode: blobDecode, range: [-3, 3], gridSize: 6, levels: 256 });
    const png = spriteFromHtml(html, "gdl-ex-grid");
    const D = dataFromHtml(html);
    expect(D.grid).toEqual({ x0: -3, x1: 3, y0: -3, y1: 3, n: 6 });
    expect(info.gridSize).toBe(6);
    const centres = gridCenters(D.grid);
    const want = tf.tidy(() => blobDecode(tf.tensor2d(centres, [36, 2])).mul(255).round().dataSync());
    for (let k = 0; k < 36; k++) {
      expect(tile(png, 12, 12, D.gs.cols, k)).toEqual(Array.from(want.subarray(k * 144, (k + 1) * 144)));
    }
    // Neighbouring cells decode to different images (the grid is not one image repeated).
    expect(tile(png, 12, 12, 6, 0)).not.toEqual(tile(png, 12, 12, 6, 35));
  });

  it("point sprite and traces: trace point j shows pointImages of that point", () => {
    const p = points(40);
    const imgs = tf.tidy(() => tf.randomUniform([40, 12, 12, 1], 0, 1, "float32", 7) as tf.Tensor4D);
    const { html, info } = latentExplorerHtml({ points: { ...p, ids: Array.from({ length: 40 }, (_, i) => 1000 + i) }, decode: blobDecode, pointImages: imgs, maxPoints: 20, gridSize: 4, levels: 256 });
    expect(info.points).toBe(20);
    const D = dataFromHtml(html);
    const sel = subsampleIndices(40, 20);
    expect(html).not.toContain("gdl-ex-points"); // built by the script: untrusted views show only the grid
    const body = html.replace(/<script>[\s\S]*?<\/script>/g, "");
    expect(body.split("<div").length).toBe(body.split("</div>").length); // balanced: cannot close the host page's divs
    const sheet = decodePng(Buffer.from(D.pointsSrc.replace(/^data:image\/png;base64,/, ""), "base64"));
    const all = imgs.dataSync();
    expect(D.traces.map((t: { name: string }) => t.name)).toEqual(["a", "b", "c"]);
    let seen = 0;
    for (const t of D.traces) {
      t.k.forEach((k: number, j: number) => {
        const i = sel[k];
        expect(t.id[j]).toBe(1000 + i);
        expect(t.name).toBe(p.classNames[p.labels[i]]);
        expect(t.x[j]).toBeCloseTo(p.x[i], 2);
        expect(tile(sheet, 12, 12, D.ps.cols, k)).toEqual(Array.from(all.subarray(i * 144, (i + 1) * 144), (v) => Math.round(v * 255)));
        seen++;
      });
    }
    expect(seen).toBe(20);
    imgs.dispose();
  });

  it("inlines the Plotly bundle only in the first output of the process (shared with scatter.ts)", async () => {
    resetPlotlyBundle();
    const marker = "DecompressionStream('gzip')";
    const a = latentExplorerHtml({ points: points(10), decode: blobDecode, gridSize: 3 });
    const b = latentExplorerHtml({ points: points(10), decode: blobDecode, gridSize: 3 });
    expect(a.html.split(marker).length - 1).toBe(1);
    expect(b.html.split(marker).length - 1).toBe(0);
    expect(a.info.bundleBytes).toBe(plotlyBundleScript().length);
    expect(b.info.bundleBytes).toBe(0);
    expect(a.info.bundleBytes).toBeLessThan(2.2e6); // gzip + base64 of the 4.8 MB bundle
    expect(plotlyBundleOnce()).toBe("");
    // scatter.ts keeps the same flag: its plots must not inline a second copy.
    const scatter = (await import("../lib/plot/scatter")) as { plotlyBundleOnce?: () => string };
    if (scatter.plotlyBundleOnce) expect(scatter.plotlyBundleOnce()).toBe("");
  });

  it("latentExplorer emits exactly one HTML display", () => {
    const before = displayed.length;
    const info = latentExplorer({ points: points(10), decode: blobDecode, gridSize: 3 });
    expect(displayed.length).toBe(before + 1);
    const out = displayed[displayed.length - 1].data;
    expect(Buffer.byteLength(out["text/html"])).toBe(info.htmlBytes);
    expect(out["text/plain"]).toMatch(/needs JavaScript/);
    // As a cell's last expression it shows one line (the kernel prints results with util.inspect), not the object.
    const asOut = util.inspect(info);
    expect(asOut).toMatch(/^latent explorer: \d+\.\d\d MB in this output \(Plotly .*, 3×3 decoded grid .* MB, 10 point images .* MB\)$/);
    expect(asOut).not.toContain("\n");
    expect(info.gridSize).toBe(3);
    expect(Object.keys(info)).not.toContain("toString");
  });

  it("leaks no tensors (with lift, pointImages, and when decode throws)", () => {
    const before = tf.memory().numTensors;
    const D = 5;
    const z = tf.tidy(() => tf.randomNormal([50, D], 0, 1, "float32", 3) as tf.Tensor2D);
    const pl = pcaPlane(z);
    const p2 = pl.project(z);
    const xy = p2.arraySync() as number[][];
    const decodeD = (zz: tf.Tensor2D) => { expect(zz.shape[1]).toBe(D); return blobDecode(zz.slice([0, 0], [-1, 2])); };
    const imgs = tf.tidy(() => tf.zeros([50, 12, 12, 1]) as tf.Tensor4D);
    const mid = tf.memory().numTensors;
    latentExplorerHtml({ points: { x: xy.map((r) => r[0]), y: xy.map((r) => r[1]) }, decode: decodeD, lift: pl.lift, pointImages: imgs, gridSize: 5, batchSize: 7 });
    latentExplorerHtml({ points: { x: xy.map((r) => r[0]), y: xy.map((r) => r[1]) }, decode: decodeD, lift: pl.lift, gridSize: 5 });
    expect(() => latentExplorerHtml({ points: points(5), decode: () => { throw new Error("bad model"); } })).toThrow(/decode failed.*bad model/);
    expect(tf.memory().numTensors).toBe(mid);
    tf.dispose([z, p2, imgs]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("clear errors for bad input", () => {
    const p = points(6);
    expect(() => latentExplorerHtml({ points: { ...p, y: p.y.slice(1) }, decode: blobDecode })).toThrow(/points.y has 5.*one y per x/);
    expect(() => latentExplorerHtml({ points: { ...p, x: Float32Array.from(p.x, (v, i) => (i === 2 ? NaN : v)) }, decode: blobDecode })).toThrow(/point 2 .*finite/);
    expect(() => latentExplorerHtml({ points: p, decode: (z) => tf.tidy(() => z.sum(1) as unknown as tf.Tensor4D) })).toThrow(/decode must return images \[m, h, w, c\]/);
    const decode3 = (z: tf.Tensor2D) => { if (z.shape[1] !== 3) throw new Error(`expected 3 dims, got ${z.shape[1]}`); return blobDecode(z); };
    expect(() => latentExplorerHtml({ points: p, decode: decode3 })).toThrow(/pass lift/);
    const imgs = tf.zeros([4, 12, 12, 1]) as tf.Tensor4D;
    expect(() => latentExplorerHtml({ points: p, decode: blobDecode, pointImages: imgs })).toThrow(/pointImages has 4 images but there are 6 points/);
    imgs.dispose();
    expect(() => latentExplorerHtml({ points: p, decode: blobDecode, range: [2, 1] })).toThrow(/range must be \[lo, hi\]/);
    expect(() => latentExplorerHtml({ points: { ...p, labels: [0, 1, 2, 3, 4, 5] }, decode: blobDecode })).toThrow(/labels\[3\] = 3 but classNames has 3/);
  });
});

describe("latent planes", () => {
  it("pcaPlane finds the two directions of largest spread; lift inverts project on the plane", () => {
    const D = 6, n = 400;
    const u1 = [1, 1, 0, 0, 0, 0].map((v) => v / Math.SQRT2), u2 = [0, 0, 1, -1, 1, 0].map((v) => v / Math.sqrt(3));
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) {
      const a = 3 * Math.sin(i * 1.7), b = 1.2 * Math.cos(i * 2.3), e = 0.05 * Math.sin(i * 5.1);
      rows.push(u1.map((v, d) => 2 + a * v + b * u2[d] + (d === 5 ? e : 0)));
    }
    const z = tf.tensor2d(rows);
    const pl = pcaPlane(z);
    const dot = (p: ArrayLike<number>, q: number[]) => q.reduce((s, v, d) => s + v * p[d], 0);
    expect(Math.abs(dot(pl.axes[0], u1))).toBeCloseTo(1, 3);
    expect(Math.abs(dot(pl.axes[1], u2))).toBeCloseTo(1, 3);
    expect(pl.explained![0]).toBeGreaterThan(pl.explained![1]);
    const back = tf.tidy(() => pl.lift(pl.project(z)));
    const err = tf.tidy(() => back.sub(z).abs().max().dataSync()[0]);
    expect(err).toBeLessThan(0.1); // only the tiny off-plane noise is lost
    tf.dispose([z, back]);
  });
  it("slicePlane moves two dims and keeps the rest at the origin", () => {
    const pl = slicePlane(4, [1, 3], [5, 6, 7, 8]);
    const z = tf.tidy(() => pl.lift(tf.tensor2d([[0.5, -2]])));
    expect(Array.from(z.dataSync())).toEqual([5, 0.5, 7, -2]);
    z.dispose();
    expect(() => slicePlane(4, [1, 1])).toThrow(/two different indices/);
    const wrong = tf.zeros([1, 3]) as tf.Tensor2D;
    expect(() => pl.lift(wrong)).toThrow("LatentPlane.lift: p: expected shape [any, 2], got [1, 3]; pass plane coordinates [n, 2].");
    expect(() => pl.project(wrong)).toThrow(/LatentPlane\.project: z: expected shape \[any, 4\]/);
    wrong.dispose();
  });
});
