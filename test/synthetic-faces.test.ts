import { describe, it, expect, beforeAll, afterAll } from "vitest";
import * as fs from "fs";
import { writeChecked } from "../lib/data/checked-file";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import {
  syntheticFaces, loadSyntheticFaces, faceLayout, faceParams, withAttribute, attributesOf,
  FACE_ATTRIBUTES, SKIN_TONES, HAIR_RGB, HAIR_COLOURS, FaceParams, SyntheticFacesRaw,
} from "../lib/data/synthetic-faces";

let tmp: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "faces-"));
  process.env.GDL_CACHE_DIR = tmp;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Pixel probes that read the drawing directly, independent of the generator's code paths.
const px = (r: SyntheticFacesRaw, i: number, x: number, y: number) => {
  const o = ((i * r.size + y) * r.size + x) * 3;
  return [r.pixels[o] / 255, r.pixels[o + 1] / 255, r.pixels[o + 2] / 255];
};
const lum = (c: readonly number[]) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Dark frame pixels in the eye band, outside the eyes themselves. */
function glassesPixels(r: SyntheticFacesRaw, i: number, p: FaceParams): number {
  const L = faceLayout(p, r.size), skin = lum(SKIN_TONES[p.skin]);
  let n = 0;
  for (let y = 0; y < r.size; y++) for (let x = 0; x < r.size; x++) {
    const cx = x + 0.5, cy = y + 0.5;
    if (Math.abs(cy - L.eyeY) > 2 || Math.abs(cx - L.cx) > L.rx - 1.2) continue;
    if (Math.hypot(cx - L.cx + L.eyeDx, cy - L.eyeY) < 2 || Math.hypot(cx - L.cx - L.eyeDx, cy - L.eyeY) < 2) continue;
    if (lum(px(r, i, x, y)) < 0.55 * skin) n++;
  }
  return n;
}

/** Red lip colour above the neutral mouth line (where only a smile's corners reach). */
function smileCorners(r: SyntheticFacesRaw, i: number, p: FaceParams): number {
  const L = faceLayout(p, r.size), skinRG = SKIN_TONES[p.skin][0] - SKIN_TONES[p.skin][1];
  let s = 0;
  for (let y = 0; y < r.size; y++) for (let x = 0; x < r.size; x++) {
    const cx = x + 0.5, cy = y + 0.5;
    if (Math.abs(cx - L.cx) > 4 || cy > L.mouthY - 1 || cy < L.mouthY - 3) continue;
    const c = px(r, i, x, y);
    s += Math.max(0, c[0] - c[1] - skinRG);
  }
  return s;
}

describe("synthetic faces: determinism", () => {
  it("same seed -> identical pixels and parameters; another seed -> different faces", () => {
    const a = syntheticFaces({ count: 64, seed: 7, cache: "none" });
    const b = syntheticFaces({ count: 64, seed: 7, cache: "none" });
    const c = syntheticFaces({ count: 64, seed: 8, cache: "none" });
    expect(a.pixels.length).toBe(64 * 32 * 32 * 3);
    expect(Buffer.compare(Buffer.from(a.pixels), Buffer.from(b.pixels))).toBe(0);
    expect(a.params).toEqual(b.params);
    let differ = 0;
    for (let i = 0; i < a.pixels.length; i++) if (a.pixels[i] !== c.pixels[i]) differ++;
    expect(differ).toBeGreaterThan(a.pixels.length / 4);
  });

  it("face i depends only on (seed, i): any count and start give the same faces", () => {
    const big = syntheticFaces({ count: 50, seed: 3, cache: "none" });
    const one = syntheticFaces({ count: 1, seed: 3, cache: "none" });
    const mid = syntheticFaces({ count: 7, seed: 3, start: 20, cache: "none" });
    const per = 32 * 32 * 3;
    expect(Array.from(one.pixels)).toEqual(Array.from(big.pixels.subarray(0, per)));
    expect(Array.from(mid.pixels)).toEqual(Array.from(big.pixels.subarray(20 * per, 27 * per)));
    expect(mid.params[0]).toEqual(faceParams(3, 20));
  });

  it("draws at other sizes with the same layout", () => {
    const r = syntheticFaces({ count: 3, seed: 2, size: 64, cache: "none" });
    expect(r.pixels.length).toBe(3 * 64 * 64 * 3);
    // The top of the head is hair at any size.
    const L = faceLayout(r.params[0], 64);
    const c = px(r, 0, Math.floor(L.cx), Math.floor(L.cy - L.ry));
    expect(dist(c, HAIR_RGB[r.params[0].hair])).toBeLessThan(0.02);
  });
});

describe("synthetic faces: labels match pixels", () => {
  const r = syntheticFaces({ count: 1500, seed: 21, cache: "none" });

  it("labels are the drawing parameters, and every attribute occurs both ways", () => {
    for (const a of FACE_ATTRIBUTES) {
      const ones = r.attributes[a].reduce((s, v) => s + v, 0);
      expect(ones, a).toBeGreaterThan(50);
      expect(ones, a).toBeLessThan(1450);
    }
    r.params.forEach((p, i) => { for (const a of FACE_ATTRIBUTES) expect(r.attributes[a][i]).toBe(attributesOf(p)[a]); });
    // Exactly one hair colour per face.
    for (let i = 0; i < r.count; i++) {
      expect(r.attributes.Black_Hair[i] + r.attributes.Brown_Hair[i] + r.attributes.Blond_Hair[i] + r.attributes.Red_Hair[i] + r.attributes.Gray_Hair[i]).toBe(1);
    }
  });

  it("glasses pixels are present iff Eyeglasses = 1", () => {
    for (let i = 0; i < r.count; i++) {
      const n = glassesPixels(r, i, r.params[i]);
      if (r.attributes.Eyeglasses[i]) expect(n, `face ${i} has glasses`).toBeGreaterThanOrEqual(4);
      else expect(n, `face ${i} has no glasses`).toBe(0);
    }
  });

  it("smile corners are present iff Smiling = 1", () => {
    for (let i = 0; i < r.count; i++) {
      const s = smileCorners(r, i, r.params[i]);
      if (r.attributes.Smiling[i]) expect(s, `face ${i} smiles`).toBeGreaterThan(0.15);
      else expect(s, `face ${i} does not smile`).toBeLessThan(0.04);
    }
  });

  it("the top of the head has the labelled hair colour; long hair shows beside the cheeks", () => {
    for (let i = 0; i < r.count; i++) {
      const p = r.params[i], L = faceLayout(p);
      const top = px(r, i, Math.floor(L.cx), Math.floor(L.cy - L.ry));
      const nearest = HAIR_COLOURS.reduce((best, h) => (dist(top, HAIR_RGB[h]) < dist(top, HAIR_RGB[best]) ? h : best));
      expect(nearest).toBe(p.hair);
      const side = px(r, i, Math.floor(L.cx - L.rx - 0.5), Math.floor(L.mouthY));
      const hairLike = dist(side, HAIR_RGB[p.hair].map((v) => v * 0.9)) < 0.03;
      expect(hairLike, `face ${i} long hair ${p.longHair}`).toBe(p.longHair);
    }
  });

  it("`set` redraws the same faces with one attribute changed, touching only that part", () => {
    const off = syntheticFaces({ count: 40, seed: 21, set: { glasses: false }, cache: "none" });
    const on = syntheticFaces({ count: 40, seed: 21, set: { glasses: true }, cache: "none" });
    for (let i = 0; i < 40; i++) {
      expect(on.attributes.Eyeglasses[i]).toBe(1);
      expect(off.attributes.Eyeglasses[i]).toBe(0);
      expect(glassesPixels(on, i, on.params[i])).toBeGreaterThan(0);
      expect(glassesPixels(off, i, off.params[i])).toBe(0);
      const L = faceLayout(on.params[i]);
      // Below the mouth the two drawings are identical.
      for (let y = Math.ceil(L.mouthY + 2); y < 32; y++) for (let x = 0; x < 32; x++) expect(px(on, i, x, y)).toEqual(px(off, i, x, y));
    }
    // The rest of the parameters are those of the original faces.
    expect({ ...on.params[5], glasses: r.params[5].glasses }).toEqual(r.params[5]);
  });
});

describe("synthetic faces: caching and loading", () => {
  it("memory cache returns the same bytes object", () => {
    const a = syntheticFaces({ count: 30, seed: 99 });
    const b = syntheticFaces({ count: 30, seed: 99 });
    expect(b.pixels).toBe(a.pixels);
    expect(syntheticFaces({ count: 30, seed: 99, cache: "none" }).pixels).not.toBe(a.pixels);
  });

  it("disk cache: one file + checksum written atomically, read back by a fresh process state; same-size garbage and a wrong-size file redrawn", async () => {
    const { vi } = await import("vitest");
    const opts = { count: 12, seed: 4242, cache: "disk" as const };
    const first = syntheticFaces(opts);
    const files = fs.readdirSync(tmp).filter((f) => f.startsWith("synthetic-faces-v") && f.endsWith(".u8"));
    expect(files.length).toBe(1);
    expect(fs.readdirSync(tmp).some((f) => f.endsWith(".tmp"))).toBe(false);
    const file = path.join(tmp, files[0]);
    expect(fs.statSync(file).size).toBe(first.pixels.length);
    expect(JSON.parse(fs.readFileSync(file + ".sha256.json", "utf8")).bytes).toBe(first.pixels.length);
    // An intact file (bytes matching their checksum) is served by a fresh module (empty memory cache).
    writeChecked(file, new Uint8Array(first.pixels.length).fill(9));
    vi.resetModules();
    const m0 = await import("../lib/data/synthetic-faces");
    expect(m0.syntheticFaces(opts).pixels.every((v) => v === 9)).toBe(true);
    // Same-size garbage (black images): named as corrupt, drawn again, rewritten.
    fs.writeFileSync(file, new Uint8Array(first.pixels.length));
    vi.resetModules();
    const m1 = await import("../lib/data/synthetic-faces");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const hit = m1.syntheticFaces(opts);
    expect(warn.mock.calls.join("\n")).toMatch(new RegExp(`synthetic faces: cache file .*${files[0].replace(/\./g, "\\.")} is corrupt \\(its SHA-256 is .*same size, different content\\)\\); rebuilding it`));
    warn.mockRestore();
    expect(Buffer.compare(Buffer.from(hit.pixels), Buffer.from(first.pixels))).toBe(0);
    expect(Buffer.compare(fs.readFileSync(file), Buffer.from(first.pixels))).toBe(0);
    // A truncated file is ignored: the faces are drawn again and the file rewritten.
    fs.writeFileSync(file, new Uint8Array(10));
    vi.resetModules();
    const m2 = await import("../lib/data/synthetic-faces");
    const redrawn = m2.syntheticFaces(opts);
    expect(Buffer.compare(Buffer.from(redrawn.pixels), Buffer.from(first.pixels))).toBe(0);
    expect(fs.statSync(file).size).toBe(first.pixels.length);
  });

  it("loadSyntheticFaces: float tensor in [0,1] with labels; withAttribute selects rows", () => {
    const before = tf.memory().numTensors;
    const ds = loadSyntheticFaces({ count: 20, seed: 5 });
    expect(ds.images.shape).toEqual([20, 32, 32, 3]);
    expect(ds.images.dtype).toBe("float32");
    const [lo, hi] = tf.tidy(() => [ds.images.min().dataSync()[0], ds.images.max().dataSync()[0]]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    const raw = syntheticFaces({ count: 20, seed: 5 });
    expect(ds.images.dataSync()[100]).toBeCloseTo(raw.pixels[100] / 255, 6);
    const g = withAttribute(ds, "Eyeglasses");
    expect(g.every((i) => ds.params![i].glasses)).toBe(true);
    expect(withAttribute(ds, "Eyeglasses", 0).length + g.length).toBe(20);
    expect(() => withAttribute(ds, "Wings")).toThrow(/unknown attribute "Wings".*Smiling/);
    ds.images.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects bad options with the expected value", () => {
    expect(() => syntheticFaces({ count: 0 })).toThrow(/count must be a positive integer, got 0/);
    expect(() => syntheticFaces({ count: 2, size: 30 })).toThrow(/size must be a multiple of 8/);
    expect(() => syntheticFaces({ count: 2, set: { hair: "green" as never } })).toThrow(/set.hair must be one of black, brown/);
    expect(() => syntheticFaces({ count: 2, cache: "cloud" as never })).toThrow(/cache must be "memory", "disk" or "none"/);
  });
});
