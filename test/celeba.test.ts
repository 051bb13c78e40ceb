import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import * as jpeg from "jpeg-js";
import { encode as encodePng } from "fast-png";
import {
  celebaAvailable, celebaBatches, cropResize, decodeImage, loadCelebA, locateCelebA, readCelebAAttributes, CELEBA_ENV,
} from "../lib/data/celeba";

// A tiny CelebA in the Kaggle layout, written per test: portrait 20x24 images
// whose top and bottom 2 rows are a border colour and whose centre square is
// one colour, so a correct centre crop sees only the centre colour.
const W = 20, H = 24;
const centre = (i: number): [number, number, number] => [40 * i + 10, 200 - 30 * i, 100 + 20 * i];
const BORDER: [number, number, number] = [255, 0, 255];
const NAMES = ["Smiling", "Eyeglasses", "Male"];
const attrRow = (i: number) => [i % 2 ? 1 : -1, i % 3 === 0 ? 1 : -1, i < 3 ? 1 : -1];

function imageRgb(i: number): Uint8Array {
  const px = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const c = y < 2 || y >= H - 2 ? BORDER : centre(i);
    px.set(c, (y * W + x) * 3);
  }
  return px;
}
function rgba(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgb.length / 3) * 4);
  for (let i = 0; i < rgb.length / 3; i++) { out.set(rgb.subarray(i * 3, i * 3 + 3), i * 4); out[i * 4 + 3] = 255; }
  return out;
}

/** n images (even rows JPEG, odd rows PNG) and a matching CSV; returns the root. */
function writeFixture(root: string, n = 6, opts: { nested?: boolean; csv?: (lines: string[]) => string[] } = {}): string {
  const imgDir = opts.nested === false ? path.join(root, "img_align_celeba") : path.join(root, "img_align_celeba", "img_align_celeba");
  fs.mkdirSync(imgDir, { recursive: true });
  const lines = [["image_id", ...NAMES].join(",")];
  for (let i = 0; i < n; i++) {
    const id = String(i + 1).padStart(6, "0") + (i % 2 ? ".png" : ".jpg");
    const rgb = imageRgb(i);
    const bytes = i % 2
      ? encodePng({ width: W, height: H, data: rgb, channels: 3, depth: 8 })
      : jpeg.encode({ width: W, height: H, data: rgba(rgb) }, 100).data;
    fs.writeFileSync(path.join(imgDir, id), bytes);
    lines.push([id, ...attrRow(i)].join(","));
  }
  fs.writeFileSync(path.join(root, "list_attr_celeba.csv"), (opts.csv ? opts.csv(lines) : lines).join("\r\n") + "\r\n");
  return root;
}

let tmp: string;
let k = 0;
const fresh = () => fs.mkdtempSync(path.join(tmp, `c${k++}-`));
const savedEnv = { ...process.env };

beforeAll(async () => {
  await tf.setBackend("cpu");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "celeba-"));
  process.env.GDL_CACHE_DIR = path.join(tmp, "cache");
});
afterEach(() => {
  for (const key of [CELEBA_ENV, "GDL_CACHE_DIR"]) {
    if (savedEnv[key] === undefined) delete process.env[key]; else process.env[key] = savedEnv[key];
  }
  process.env.GDL_CACHE_DIR = path.join(tmp, "cache");
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("CelebA loader on a fixture", () => {
  it("finds the nested Kaggle layout and the flat one", () => {
    const a = writeFixture(fresh());
    expect(locateCelebA(a).imageDir).toBe(path.join(a, "img_align_celeba", "img_align_celeba"));
    const b = writeFixture(fresh(), 2, { nested: false });
    expect(locateCelebA(b).imageDir).toBe(path.join(b, "img_align_celeba"));
    expect(celebaAvailable(b)).toBe(true);
  });

  it("parses attributes: -1 -> 0, 1 -> 1, names and ids in file order", () => {
    const root = writeFixture(fresh());
    const a = readCelebAAttributes(path.join(root, "list_attr_celeba.csv"));
    expect(a.names).toEqual(NAMES);
    expect(a.ids).toEqual(["000001.jpg", "000002.png", "000003.jpg", "000004.png", "000005.jpg", "000006.png"]);
    for (let i = 0; i < 6; i++) expect(Array.from(a.values.subarray(i * 3, i * 3 + 3))).toEqual(attrRow(i).map((v) => (v === 1 ? 1 : 0)));
  });

  it("loads centre-cropped, resized images with labels (PNG exact, JPEG close)", async () => {
    const root = writeFixture(fresh());
    const before = tf.memory().numTensors;
    const ds = await loadCelebA({ dir: root, size: 8, cache: false });
    expect(ds.images.shape).toEqual([6, 8, 8, 3]);
    expect(ds.attributeNames).toEqual(NAMES);
    expect(Array.from(ds.attributes.Smiling)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(Array.from(ds.attributes.Male)).toEqual([1, 1, 1, 0, 0, 0]);
    const px = ds.images.arraySync() as number[][][][];
    for (let i = 0; i < 6; i++) {
      const want = centre(i).map((v) => v / 255);
      const tol = i % 2 ? 1e-6 : 6 / 255; // PNG is lossless; JPEG at quality 100 is close
      for (const [y, x] of [[0, 0], [0, 7], [7, 0], [7, 7], [4, 3]]) {
        for (let c = 0; c < 3; c++) expect(Math.abs(px[i][y][x][c] - want[c])).toBeLessThanOrEqual(tol);
      }
    }
    ds.images.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("streams batches that add up to the whole load, honouring start and limit", async () => {
    const root = writeFixture(fresh());
    const all = await loadCelebA({ dir: root, size: 8, cache: false });
    const sizes: number[] = [], starts: number[] = [], ids: string[] = [];
    const parts: tf.Tensor4D[] = [];
    for await (const b of celebaBatches({ dir: root, size: 8, batchSize: 4 })) {
      sizes.push(b.images.shape[0]); starts.push(b.start); ids.push(...b.ids); parts.push(b.images);
      expect(b.attributes.Smiling.length).toBe(b.images.shape[0]);
    }
    expect(sizes).toEqual([4, 2]);
    expect(starts).toEqual([0, 4]);
    expect(ids.length).toBe(6);
    const joined = tf.concat(parts);
    expect(tf.max(tf.abs(tf.sub(joined, all.images))).dataSync()[0]).toBe(0);
    const some: number[] = [];
    for await (const b of celebaBatches({ dir: root, size: 8, batchSize: 2, start: 1, limit: 3 })) { some.push(...b.ids.map((s) => Number(s.slice(0, 6)))); b.images.dispose(); }
    expect(some).toEqual([2, 3, 4]);
    tf.dispose([joined, all.images, ...parts]);
  });

  it("uses GDL_CELEBA_DIR and caches decoded pixels on disk (a second load needs no images)", async () => {
    const root = writeFixture(fresh());
    process.env[CELEBA_ENV] = root;
    const a = await loadCelebA({ size: 8, limit: 4 });
    const cached = fs.readdirSync(process.env.GDL_CACHE_DIR!).filter((f) => f.startsWith("celeba-8px-0-4-") && f.endsWith(".u8"));
    expect(cached.length).toBe(1);
    const imgDir = path.join(root, "img_align_celeba", "img_align_celeba");
    for (const f of fs.readdirSync(imgDir)) fs.rmSync(path.join(imgDir, f));
    const b = await loadCelebA({ size: 8, limit: 4 });
    expect(tf.max(tf.abs(tf.sub(a.images, b.images))).dataSync()[0]).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
    tf.dispose([a.images, b.images]);
  });

  it("a cache with same-size garbage is named as corrupt and rebuilt, never loaded as black images", async () => {
    const root = writeFixture(fresh());
    const a = await loadCelebA({ dir: root, size: 8, limit: 3 });
    const name = fs.readdirSync(process.env.GDL_CACHE_DIR!).find((f) => f.startsWith("celeba-8px-0-3-") && f.endsWith(".u8"))!;
    const file = path.join(process.env.GDL_CACHE_DIR!, name);
    fs.writeFileSync(file, new Uint8Array(fs.statSync(file).size));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const b = await loadCelebA({ dir: root, size: 8, limit: 3 });
    expect(warn.mock.calls.join("\n")).toMatch(new RegExp(`loadCelebA: cache file .*${name.replace(/\./g, "\\.")} is corrupt \\(its SHA-256 is .*\\); rebuilding it`));
    warn.mockRestore();
    expect(b.images.max().dataSync()[0]).toBeGreaterThan(0);
    expect(tf.max(tf.abs(tf.sub(a.images, b.images))).dataSync()[0]).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
    tf.dispose([a.images, b.images]);
  });

  it("crops a landscape image to its centre square too", () => {
    // 6x2: columns 0,1,4,5 white, columns 2,3 black -> centre 2x2 crop is black.
    const rgb = new Uint8Array(6 * 2 * 3).fill(255);
    for (const y of [0, 1]) for (const x of [2, 3]) rgb.fill(0, (y * 6 + x) * 3, (y * 6 + x) * 3 + 3);
    const out = new Float32Array(3);
    cropResize({ width: 6, height: 2, rgb }, 1, out);
    expect(Array.from(out)).toEqual([0, 0, 0]);
  });
});

describe("CelebA loader errors", () => {
  it("missing folder: names the path and how to get the data", () => {
    const nowhere = path.join(tmp, "does-not-exist");
    expect(() => locateCelebA(nowhere)).toThrow(new RegExp(`${nowhere.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: no such folder[\\s\\S]*${CELEBA_ENV}`));
    process.env[CELEBA_ENV] = nowhere;
    expect(celebaAvailable()).toBe(false);
  });

  it("missing CSV: names the expected file", async () => {
    const root = writeFixture(fresh());
    fs.rmSync(path.join(root, "list_attr_celeba.csv"));
    await expect(loadCelebA({ dir: root, size: 8, cache: false })).rejects.toThrow(/missing the attribute file .*list_attr_celeba\.csv/);
  });

  it("missing image folder: says which", () => {
    const root = writeFixture(fresh());
    fs.rmSync(path.join(root, "img_align_celeba"), { recursive: true });
    expect(() => locateCelebA(root)).toThrow(/missing the image folder .*img_align_celeba/);
  });

  it("malformed rows: wrong field count, bad value, bad header - with the line number", () => {
    const short = writeFixture(fresh(), 3, { csv: (l) => [l[0], l[1], "000002.png,1,-1", l[3]] });
    expect(() => readCelebAAttributes(path.join(short, "list_attr_celeba.csv"))).toThrow(/line 3: expected 4 fields .* got 3/);
    const value = writeFixture(fresh(), 3, { csv: (l) => [l[0], l[1], l[2].replace(/,-?1$/, ",yes"), l[3]] });
    expect(() => readCelebAAttributes(path.join(value, "list_attr_celeba.csv"))).toThrow(/line 3: attribute Male must be -1 or 1, got "yes"/);
    const header = writeFixture(fresh(), 2, { csv: (l) => ["file,Smiling,Eyeglasses,Male", ...l.slice(1)] });
    expect(() => readCelebAAttributes(path.join(header, "list_attr_celeba.csv"))).toThrow(/line 1: expected a header starting with "image_id"/);
    const empty = writeFixture(fresh(), 2, { csv: (l) => [l[0]] });
    expect(() => readCelebAAttributes(path.join(empty, "list_attr_celeba.csv"))).toThrow(/no image rows/);
  });

  it("missing image: names the file and the CSV row", async () => {
    const root = writeFixture(fresh(), 4);
    fs.rmSync(path.join(root, "img_align_celeba", "img_align_celeba", "000003.jpg"));
    await expect(loadCelebA({ dir: root, size: 8, cache: false })).rejects.toThrow(/000003\.jpg is missing \(listed on row 3 of .*list_attr_celeba\.csv\)/);
    // The first two images alone still load.
    const ok = await loadCelebA({ dir: root, size: 8, limit: 2, cache: false });
    expect(ok.images.shape[0]).toBe(2);
    ok.images.dispose();
  });

  it("a folder where an image should be: names it and the CSV row (not a bare EISDIR)", async () => {
    const root = writeFixture(fresh(), 4);
    const img = path.join(root, "img_align_celeba", "img_align_celeba", "000002.png");
    fs.rmSync(img);
    fs.mkdirSync(img);
    await expect(loadCelebA({ dir: root, size: 8, cache: false })).rejects.toThrow(/CelebA image .*000002\.png is a folder, not an image file \(listed on row 2 of .*list_attr_celeba\.csv\)\. Each row must name a JPEG directly inside/);
  });

  it("damaged image file: names it", () => {
    expect(() => decodeImage(new Uint8Array([1, 2, 3, 4, 5]), "/x/000009.jpg")).toThrow(/000009\.jpg: not a JPEG or PNG/);
    expect(() => decodeImage(new Uint8Array([0xff, 0xd8, 0, 0, 0, 0]), "/x/000010.jpg")).toThrow(/000010\.jpg: could not decode/);
  });
});
