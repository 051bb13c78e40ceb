import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { decode } from "fast-png";
import { imageGridPng, imageGridSvg, imageGridHtml, showImages } from "../lib/plot/image-grid";
import { displayed } from "../lib/display";

beforeAll(async () => { await tf.setBackend("cpu"); });

describe("image grid", () => {
  it("tiles images row by row with gaps and nearest-neighbour scaling", () => {
    // 3 images of 2x2: black, white, grey; 2 columns, scale 2, gap 1 -> width 2*4+2 = 10, 2 rows.
    const imgs = tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5], [3, 2, 2, 1]);
    const png = decode(imageGridPng(imgs, { cols: 2, scale: 2, gap: 1 }));
    expect([png.width, png.height]).toEqual([10, 10]);
    const px = (x: number, y: number) => png.data[(y * png.width + x) * png.channels];
    expect(px(0, 0)).toBe(0); // black tile
    expect(px(6, 3)).toBe(255); // white tile
    expect(px(1, 7)).toBe(128); // grey tile, second row
    expect(px(4, 0)).toBe(255); // gap is white
    imgs.dispose();
  });

  it("clips values outside [0,1] and handles RGB", () => {
    const imgs = tf.tensor4d([2, -1, 0.5], [1, 1, 1, 3]);
    const png = decode(imageGridPng(imgs, { scale: 1 }));
    expect(Array.from(png.data.slice(0, 3))).toEqual([255, 0, 128]);
    imgs.dispose();
  });

  it("labels tiles in SVG and shows one output", () => {
    const imgs = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const svg = imageGridSvg(imgs, { labels: ["Bag", "Coat <1>"], title: "t" });
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain(">Bag</text>");
    expect(svg).toContain("Coat &lt;1&gt;");
    expect(svg.match(/data:image\/png;base64/g)).toHaveLength(1);
    const n = displayed.length;
    showImages(imgs, { labels: ["a", "b"] });
    expect(displayed.length).toBe(n + 1);
    expect(Object.keys(displayed[n].data).sort()).toEqual(["image/png", "text/html", "text/plain"]);
    const html = displayed[n].data["text/html"];
    expect(html.match(/<img /g)).toHaveLength(2);
    expect(html).toContain(">a</span>");
    imgs.dispose();
  });

  it("rejects empty batches, bad shapes and label counts with the shapes", () => {
    const none = tf.zeros([0, 4, 4, 1]) as tf.Tensor4D;
    expect(() => imageGridPng(none)).toThrow(/got 0 images \(shape \[0,4,4,1\]\)/);
    const flat = tf.zeros([4, 4]);
    expect(() => imageGridPng(flat as unknown as tf.Tensor4D)).toThrow(/expected images of shape \[n,h,w\] or \[n,h,w,c\], got \[4,4\]/);
    const two = tf.zeros([2, 4, 4, 2]) as tf.Tensor4D;
    expect(() => imageGridPng(two)).toThrow(/expected 1 or 3 channels, got 2/);
    const ok = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    expect(() => imageGridSvg(ok, { labels: ["x"] })).toThrow(/got 1 labels for 2 images/);
    expect(() => imageGridHtml(ok, { labels: ["x", "y", "z"] })).toThrow(/got 3 labels for 2 images/);
    tf.dispose([none, flat, two, ok]);
  });

  it("rejects a fractional gap or column count (they used to drop pixels silently)", () => {
    const x = tf.ones([5, 4, 4, 1]) as tf.Tensor4D;
    expect(() => imageGridPng(x, { gap: 0.5 })).toThrow(/image grid: gap must be a whole number of source pixels >= 0 \(0 = no gap\), got 0\.5/);
    expect(() => imageGridPng(x, { gap: -1 })).toThrow(/gap must be .*got -1/);
    expect(() => imageGridPng(x, { cols: 2.5 })).toThrow(/image grid: cols must be a whole number >= 1 \(tiles per row\), got 2\.5/);
    expect(() => imageGridSvg(x, { cols: 0 })).toThrow(/cols must be .*got 0/);
    // cols larger than the batch still means one row
    expect(decode(imageGridPng(x, { cols: 9, scale: 1, gap: 0 })).width).toBe(20);
    x.dispose();
  });

  it("creates no tensors", () => {
    const imgs = tf.ones([4, 8, 8, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) imageGridSvg(imgs, { labels: ["a", "b", "c", "d"] });
    expect(tf.memory().numTensors).toBe(before);
    imgs.dispose();
  });
});
