import { it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { normalCdf, normalQuantile } from "../lib/probability/gaussian";
import { quantileGrid, toPSpace, pGrid } from "../lib/latent/pspace";

beforeAll(async () => { await tf.setBackend("cpu"); });

it("normalCdf matches known values and normalQuantile inverts it", () => {
  expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
  expect(normalCdf(-1)).toBeCloseTo(0.158655254, 6);
  for (const p of [1e-6, 0.01, 0.02425, 0.3, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
  expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 4);
  expect(() => normalQuantile(1)).toThrow(/strictly between 0 and 1, got 1/);
});

it("toPSpace maps codes through Phi and keeps labels", () => {
  const z = tf.tensor2d([[0, 1], [-1, 0], [10, -10]]);
  const p = toPSpace(z, { label: [1, 2, 3] });
  expect(p.x[0]).toBeCloseTo(0.5, 7);
  expect(p.x[1]).toBeCloseTo(0.158655254, 6);
  expect(p.x[2]).toBeCloseTo(1, 7);
  expect(p.y[2]).toBeCloseTo(0, 7);
  expect(p.y[0]).toBeCloseTo(normalCdf(1), 7);
  expect(p.label).toEqual([1, 2, 3]);
  z.dispose();
});

it("quantileGrid: even steps in p-space, top row has the largest z1, no tensors beyond the result", () => {
  const before = tf.memory().numTensors;
  const g = quantileGrid(3, 2);
  expect(tf.memory().numTensors).toBe(before + 1);
  expect(g.codes.shape).toEqual([6, 2]);
  const rows = g.codes.arraySync();
  expect(pGrid(3)).toEqual([1 / 6, 0.5, 5 / 6]);
  expect(rows[1][0]).toBeCloseTo(0, 6); // middle column: p = 0.5
  expect(rows[0][1]).toBeGreaterThan(0); // top row: z1 > 0
  expect(rows[3][1]).toBeLessThan(0);
  expect(normalCdf(rows[2][0])).toBeCloseTo(5 / 6, 5);
  g.codes.dispose();
});
