import { describe, it, expect, beforeAll, afterAll, vi } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as tf from "@tensorflow/tfjs";
import { loadFashionMnist, locate, FASHION_MNIST_FILES, FASHION_MNIST_ENV, DEBIAN_FASHION_MNIST_DIR } from "../lib/data/fashion-mnist";
import { parseIdx } from "../lib/data/idx";

// Real IDX bytes written to a temp folder: n images of 28x28 and n labels.
function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}
function writeSplit(dir: string, split: "train" | "test", n: number, opts: { labels?: number; gzip?: boolean } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const img = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) img.fill(i * 10, i * 784, (i + 1) * 784); // image i is uniformly 10*i
  const nl = opts.labels ?? n;
  const lab = Uint8Array.from({ length: nl }, (_, i) => i % 10);
  const f = split === "train" ? [FASHION_MNIST_FILES.trainImages, FASHION_MNIST_FILES.trainLabels] : [FASHION_MNIST_FILES.testImages, FASHION_MNIST_FILES.testLabels];
  const gz = opts.gzip ?? true;
  const name = (s: string) => (gz ? s : s.replace(/\.gz$/, ""));
  const enc = (b: Buffer) => (gz ? zlib.gzipSync(b) : b);
  fs.writeFileSync(path.join(dir, name(f[0].name)), enc(idx([n, 28, 28], img)));
  fs.writeFileSync(path.join(dir, name(f[1].name)), enc(idx([nl], lab)));
  return path.join(dir, name(f[0].name));
}

let tmp: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fmnist-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("Fashion-MNIST loader", () => {
  it("parses gzipped IDX files, pads 28->32 and scales to [0,1]", async () => {
    const dir = path.join(tmp, "good");
    writeSplit(dir, "test", 5);
    const d = await loadFashionMnist({ split: "test", dir });
    expect(d.images.shape).toEqual([5, 32, 32, 1]);
    expect(Array.from(d.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(d.classNames[9]).toBe("Ankle boot");
    const px = d.images.arraySync() as number[][][][];
    expect(px[3][0][0][0]).toBe(0); // padding border
    expect(px[3][16][16][0]).toBeCloseTo(30 / 255, 6);
    d.images.dispose();
  });

  it("reads uncompressed files, without padding and with a limit", async () => {
    const dir = path.join(tmp, "raw");
    writeSplit(dir, "train", 7, { gzip: false });
    const d = await loadFashionMnist({ split: "train", dir, pad: false, limit: 3 });
    expect(d.images.shape).toEqual([3, 28, 28, 1]);
    expect(d.labels.length).toBe(3);
    d.images.dispose();
  });

  it("lists every place it looked when the files are missing", () => {
    const dir = path.join(tmp, "half");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, FASHION_MNIST_FILES.testImages.name), "x");
    expect(() => locate("test", path.join(tmp, "nowhere"))).toThrow(/nowhere: no such folder[\s\S]*apt-get install dataset-fashion-mnist[\s\S]*npm run datasets/);
    expect(() => locate("test", dir)).toThrow(new RegExp(`half: missing ${FASHION_MNIST_FILES.testLabels.name.replace(/\./g, "\\.")}`));
  });

  it("a set GDL_FASHION_MNIST_DIR is used or named in the error, never skipped; the folder used is printed", async () => {
    const prev = process.env[FASHION_MNIST_ENV];
    const half = path.join(tmp, "env-half");
    fs.mkdirSync(half, { recursive: true });
    fs.writeFileSync(path.join(half, FASHION_MNIST_FILES.testImages.name), "x");
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    try {
      // A wrong value fails naming the variable, even where another copy exists (datasets/, Debian's).
      for (const [value, why] of [[half, `missing ${FASHION_MNIST_FILES.testLabels.name}`], [path.join(tmp, "typo"), "no such folder"],
        [path.join(half, FASHION_MNIST_FILES.testImages.name), "not a folder"]] as const) {
        process.env[FASHION_MNIST_ENV] = value;
        expect(() => locate("test")).toThrow(new RegExp(`not found in ${FASHION_MNIST_ENV}=${esc(value)}:\\n  ${esc(value)}: ${esc(why)}\\n` +
          `${FASHION_MNIST_ENV} is set, so no other folder is tried`));
      }
      // A right value is used, and the loader says so in one short line.
      const good = path.join(tmp, "env-good");
      writeSplit(good, "test", 3);
      process.env[FASHION_MNIST_ENV] = good;
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      const d = await loadFashionMnist({ split: "test" });
      const lines = log.mock.calls.map((c) => c.join(" "));
      log.mockRestore();
      expect(d.source).toBe(good);
      expect(lines).toEqual([`Fashion-MNIST: ${good} (${FASHION_MNIST_ENV})`]);
      d.images.dispose();
    } finally {
      if (prev === undefined) delete process.env[FASHION_MNIST_ENV];
      else process.env[FASHION_MNIST_ENV] = prev;
    }
  });

  it("rejects a truncated gzip file naming the file", async () => {
    const dir = path.join(tmp, "trunc");
    const images = writeSplit(dir, "test", 4);
    const buf = fs.readFileSync(images);
    fs.writeFileSync(images, buf.subarray(0, buf.length - 40));
    await expect(loadFashionMnist({ split: "test", dir })).rejects.toThrow(/t10k-images-idx3-ubyte\.gz is not a valid gzip file.*truncated or corrupt/);
  });

  it("rejects a truncated IDX body with the expected and actual sizes", () => {
    const b = idx([2, 28, 28], new Uint8Array(1000));
    expect(() => parseIdx(b, "x.idx", 3)).toThrow(/x\.idx is truncated or corrupt: its header promises 1568 bytes .* but 1000 follow/);
  });

  it("rejects a wrong magic number (labels file given as images)", async () => {
    const dir = path.join(tmp, "swapped");
    writeSplit(dir, "test", 3);
    const f = FASHION_MNIST_FILES;
    fs.copyFileSync(path.join(dir, f.testLabels.name), path.join(dir, f.testImages.name));
    await expect(loadFashionMnist({ split: "test", dir })).rejects.toThrow(/t10k-images-idx3-ubyte\.gz has the wrong magic number: got 0x00 0x00 0x08 0x01, expected 0x00 0x00 0x08 0x03/);
  });

  it("rejects image/label count mismatch", async () => {
    const dir = path.join(tmp, "mismatch");
    writeSplit(dir, "train", 4, { labels: 3 });
    await expect(loadFashionMnist({ split: "train", dir })).rejects.toThrow(/holds 4 images but .*train-labels-idx1-ubyte\.gz holds 3 labels/);
  });

  it("rejects bad options", async () => {
    const dir = path.join(tmp, "good");
    await expect(loadFashionMnist({ split: "test", dir, limit: 0 })).rejects.toThrow(/limit must be a positive integer, got 0/);
    await expect(loadFashionMnist({ split: "valid" as never, dir })).rejects.toThrow(/split must be "train" or "test"/);
  });

  it.runIf(fs.existsSync(DEBIAN_FASHION_MNIST_DIR))("loads the real test split: 10,000 images, 1,000 per class", async () => {
    const d = await loadFashionMnist({ split: "test", dir: DEBIAN_FASHION_MNIST_DIR, pad: false });
    expect(d.images.shape).toEqual([10000, 28, 28, 1]);
    const counts = new Array(10).fill(0);
    d.labels.forEach((l) => counts[l]++);
    expect(counts).toEqual(new Array(10).fill(1000));
    d.images.dispose();
  });
});
