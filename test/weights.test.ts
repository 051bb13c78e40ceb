import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../lib/engine/backend";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { buildVae } from "../lib/models/vae";
import { hasWeights, loadLayersModel, loadWeights, saveWeights } from "../lib/train/weights";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-weights-"));
beforeAll(async () => { await initBackend({ quiet: true }); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const small = { imageSize: 16, filters: [4, 8] };

describe("saveWeights / loadWeights", () => {
  it("round-trips an autoencoder: bitwise-equal predictions", async () => {
    const a = buildAutoencoder(small);
    const dir = path.join(tmp, "ae");
    await saveWeights(a, dir);
    expect(fs.existsSync(path.join(dir, "encoder", "model.json"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "decoder", "weights.bin"))).toBe(true);
    const json = JSON.parse(fs.readFileSync(path.join(dir, "encoder", "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0].paths).toEqual(["weights.bin"]);
    const b = buildAutoencoder(small); // fresh random weights
    const x = tf.randomUniform([5, 16, 16, 1], 0, 1, "float32", 9) as tf.Tensor4D;
    const pa = a.reconstruct(x);
    const before = b.reconstruct(x);
    expect(Array.from(before.dataSync())).not.toEqual(Array.from(pa.dataSync()));
    expect(hasWeights(b, dir)).toBe(true);
    const n0 = tf.memory().numTensors;
    await loadWeights(b, dir);
    expect(tf.memory().numTensors).toBe(n0);
    const pb = b.reconstruct(x);
    expect(Buffer.from(pb.dataSync().buffer).equals(Buffer.from(pa.dataSync().buffer))).toBe(true);
    tf.dispose([x, pa, pb, before]);
    a.dispose(); b.dispose();
  });

  it("round-trips a VAE (encoder heads) and a bare LayersModel", async () => {
    const v = buildVae(small);
    const dir = path.join(tmp, "vae");
    await saveWeights(v, dir);
    const w = buildVae(small);
    await loadWeights(w, dir);
    const x = tf.randomUniform([3, 16, 16, 1], 0, 1, "float32", 2) as tf.Tensor4D;
    const ea = v.encode(x), eb = w.encode(x);
    expect(Array.from(eb.zLogVar.dataSync())).toEqual(Array.from(ea.zLogVar.dataSync()));
    const bare = path.join(tmp, "bare");
    await saveWeights(v.decoder, bare);
    const restored = await loadLayersModel(bare);
    const z = tf.randomNormal([2, 2], 0, 1, "float32", 1);
    expect(Array.from((restored.predict(z) as tf.Tensor).dataSync())).toEqual(Array.from((v.decoder.predict(z) as tf.Tensor).dataSync()));
    tf.dispose([x, ea.zMean, ea.zLogVar, eb.zMean, eb.zLogVar, z]);
    v.dispose(); w.dispose(); restored.dispose();
  });

  it("overwrites atomically, leaving no temp folders", async () => {
    const a = buildAutoencoder(small);
    const dir = path.join(tmp, "atomic");
    await saveWeights(a, dir);
    fs.writeFileSync(path.join(dir, "README.md"), "notes");
    const b = buildAutoencoder(small);
    await saveWeights(b, dir);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith("atomic"))).toEqual(["atomic"]);
    expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).toBe("notes");
    expect(fs.readdirSync(dir).sort()).toEqual(["README.md", "decoder", "encoder", "task.json"]);
    const c = buildAutoencoder(small);
    await loadWeights(c, dir);
    const wb = b.encoder.getWeights()[0].dataSync();
    expect(Array.from(c.encoder.getWeights()[0].dataSync())).toEqual(Array.from(wb));
    a.dispose(); b.dispose(); c.dispose();
  });

  it("names the mismatched weights when the architecture differs", async () => {
    const a = buildAutoencoder(small);
    const dir = path.join(tmp, "arch");
    await saveWeights(a, dir);
    const other = buildAutoencoder({ ...small, latentDim: 3, filters: [4, 6] });
    const err = await loadWeights(other, dir).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/do not fit this model/);
    expect(err!.message).toMatch(/encoder_conv2\/kernel: saved \[3,3,4,8\], model \[3,3,4,6\]/);
    expect(err!.message).toMatch(/z\/kernel: saved \[128,2\], model \[96,3\]/);
    const v = buildVae(small);
    const err2 = await loadWeights(v, dir).then(() => null, (e: Error) => e);
    expect(err2!.message).toMatch(/z_mean\/kernel: in the model \[128,2\], not in the save/);
    expect(err2!.message).toMatch(/z\/kernel: in the save \[128,2\], not in the model/);
    a.dispose(); other.dispose(); v.dispose();
  });

  it("says how to create a missing save, and rejects a corrupt one", async () => {
    const a = buildAutoencoder(small);
    const missing = path.join(tmp, "nope");
    await expect(loadWeights(a, missing)).rejects.toThrow(/does not exist.*train.*saveWeights/s);
    expect(hasWeights(a, missing)).toBe(false);
    const dir = path.join(tmp, "corrupt");
    await saveWeights(a, dir);
    fs.truncateSync(path.join(dir, "decoder", "weights.bin"), 100);
    await expect(loadWeights(a, dir)).rejects.toThrow(/has 100 bytes but model.json describes/);
    a.dispose();
  });
});
