import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../lib/engine/backend";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { buildVae } from "../lib/models/vae";
import { hasWeights, loadLayersModel, loadWeights, saveWeights } from "../lib/train/weights";
import { readChecked } from "../lib/data/checked-file";
import { root, run } from "./helpers/run";
import { spawn } from "child_process";
import * as crypto from "crypto";

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
    // matched by position (weight 3 = the second conv's kernel, 5 = the latent dense layer's)
    expect(err!.message).toMatch(/weight 3: saved \S+ \[3,3,4,8\], model \S+ \[3,3,4,6\]/);
    expect(err!.message).toMatch(/weight 5: saved \S+ \[128,2\], model \S+ \[96,3\]/);
    const v = buildVae(small);
    const err2 = await loadWeights(v, dir).then(() => null, (e: Error) => e);
    expect(err2!.message).toMatch(/weight 7: in the model \(\S+ \[128,2\]\), not in the save/);
    const saved = buildAutoencoder({ ...small, latentDim: 3 });
    await saveWeights(saved, path.join(tmp, "arch3"));
    const err3 = await loadWeights(a, path.join(tmp, "arch3")).then(() => null, (e: Error) => e);
    expect(err3!.message).toMatch(/weight 5: saved \S+ \[128,3\], model \S+ \[128,2\]/);
    saved.dispose();
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

  it("names a damaged model.json and how to rebuild it (truncated JSON, a file holding null)", async () => {
    const a = buildAutoencoder(small);
    const dir = path.join(tmp, "badjson");
    await saveWeights(a, dir);
    const mj = path.join(dir, "encoder", "model.json");
    fs.writeFileSync(mj, fs.readFileSync(mj, "utf8").slice(0, 200));
    const esc = mj.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    await expect(loadWeights(a, dir)).rejects.toThrow(new RegExp(`${esc} is not valid JSON \\(.*position 200\\b.*\\); the file is damaged\\. Train the model again and save it`));
    fs.writeFileSync(mj, "null");
    await expect(loadWeights(a, dir)).rejects.toThrow(new RegExp(`${esc} is not a tfjs layers model.json \\(expected an object with modelTopology and weightsManifest, got null\\)`));
    await saveWeights(a.decoder, path.join(tmp, "badjson-bare"));
    fs.writeFileSync(path.join(tmp, "badjson-bare", "model.json"), "[1]");
    await expect(loadLayersModel(path.join(tmp, "badjson-bare"))).rejects.toThrow(/badjson-bare\/model.json is not a tfjs layers model.json .*got an array/);
    a.dispose();
  });
});

/** Max |a - b| over two models' weights. */
function weightDiff(a: tf.LayersModel[], b: tf.LayersModel[]): number {
  const fa = a.flatMap((m) => m.getWeights().flatMap((w) => Array.from(w.dataSync())));
  const fb = b.flatMap((m) => m.getWeights().flatMap((w) => Array.from(w.dataSync())));
  expect(fa.length).toBe(fb.length);
  return fa.reduce((m, v, i) => Math.max(m, Math.abs(v - fb[i])), 0);
}
const models = (t: { encoder: tf.LayersModel; decoder: tf.LayersModel }) => [t.encoder, t.decoder];
const warnings = async <T>(f: () => Promise<T> | T): Promise<{ value: T; warned: string }> => {
  const spy = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    const value = await f();
    return { value, warned: spy.mock.calls.map((c) => c.join(" ")).join("\n") };
  } finally {
    spy.mockRestore();
  }
};

describe("saveWeights is crash-safe", () => {
  const hook = path.join(root, "test", "fixtures", "crash-at-rename.cjs");
  const child = path.join(root, "test", "fixtures", "save-weights.ts");
  const saveInChild = (dir: string, env: Record<string, string>) =>
    run(process.execPath, ["--require", hook, "--import", "tsx", child, dir, `${dir}-ref`], { env: { ...process.env, ...env } });

  // Every rename a save does, for a first save and for one replacing a previous save:
  // SIGKILL just before it, and just after the last one. Afterwards the folder must
  // load (the old or the new weights, whole), and the next save must clean up.
  for (const overwrite of [false, true]) {
    it(`a kill at every rename of a ${overwrite ? "save over an earlier one" : "first save"} leaves a loadable save`, async () => {
      const before = buildAutoencoder(small);
      const points: Record<string, string>[] = [];
      let renames = 0;
      for (let k = 1; ; k++) {
        const dir = path.join(tmp, `kill-${overwrite}-${k}`);
        if (overwrite) { await saveWeights(before, dir); fs.writeFileSync(path.join(dir, "README.md"), "notes"); }
        const r = await saveInChild(dir, { GDL_CRASH_BEFORE_RENAME: String(k) });
        if (r.status === 0) { renames = k - 1; break; }
        expect(r.status, r.stderr).toBeNull(); // killed
        expect(r.stdout).toMatch(new RegExp(`crash before rename ${k}`));
        points.push({ GDL_CRASH_BEFORE_RENAME: String(k), dir });
      }
      expect(renames).toBe(overwrite ? 2 : 1); // folder aside, new folder in
      const dir = path.join(tmp, `kill-${overwrite}-after`);
      if (overwrite) { await saveWeights(before, dir); fs.writeFileSync(path.join(dir, "README.md"), "notes"); }
      const r = await saveInChild(dir, { GDL_CRASH_AFTER_RENAME: String(renames) });
      expect(r.stdout).toMatch(new RegExp(`crash after rename ${renames}`));
      points.push({ dir });
      for (const { dir } of points) {
        const ref = buildAutoencoder(small), got = buildAutoencoder(small);
        await loadWeights(ref, `${dir}-ref`); // what the killed process was saving
        const absent = !fs.existsSync(dir);
        expect(hasWeights(got, dir)).toBe(true);
        const { warned } = await warnings(() => loadWeights(got, dir));
        if (absent) expect(warned).toMatch(/loadWeights: note: .* was missing after an interrupted save; restored it from .*\.(tmp|old)-\d+-\d+ \(the (save that was being written|previous save); complete, checksums verified\)/);
        else expect(warned).toBe("");
        const isNew = weightDiff(models(got), models(ref)) === 0;
        const isOld = overwrite && weightDiff(models(got), models(before)) === 0;
        expect(isNew || isOld, `${dir}: loaded weights are neither the old nor the new save`).toBe(true);
        // the next save takes over the dead process's lock and removes its leftovers
        await saveWeights(got, dir);
        expect(fs.readdirSync(tmp).filter((f) => f.startsWith(path.basename(dir) + ".") || f === path.basename(dir)).sort())
          .toEqual([path.basename(dir)]); // no .tmp-*, .old-* or .lock left
        if (overwrite) expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).toBe("notes");
        ref.dispose(); got.dispose();
      }
      before.dispose();
    }, 180_000);
  }

  it("a second save to the same folder while one is running fails with a clear message; a stale lock is taken over", async () => {
    const a = buildAutoencoder(small);
    const dir = path.join(tmp, "concurrent");
    await saveWeights(a, dir);
    const p = spawn(process.execPath, ["--import", "tsx", child, dir, `${dir}-ref`, "4000"], { cwd: root });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      p.stdout.on("data", (d: Buffer) => { out += d; if (out.includes("holding lock")) resolve(); });
      p.on("exit", () => reject(new Error(`child ended early: ${out}`)));
    });
    await expect(saveWeights(a, dir)).rejects.toThrow(new RegExp(`saveWeights: another save to .*concurrent is in progress \\(process ${p.pid} on .*\\)\\. Wait for it to finish`));
    const code = await new Promise((resolve) => p.on("exit", resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/saved/);
    const ref = buildAutoencoder(small), got = buildAutoencoder(small);
    await loadWeights(ref, `${dir}-ref`); await loadWeights(got, dir);
    expect(weightDiff(models(got), models(ref))).toBe(0);
    // a lock left by a process that is gone does not block
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => dead.on("exit", resolve));
    fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: dead.pid, host: os.hostname(), since: "earlier" }));
    await saveWeights(a, dir);
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
    // an empty lock: being written right now (fresh) blocks; left by a killed process (old) does not
    fs.writeFileSync(`${dir}.lock`, "");
    await expect(saveWeights(a, dir)).rejects.toThrow(/another save to .*concurrent is starting \(.*concurrent\.lock was just created\)/);
    fs.utimesSync(`${dir}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await saveWeights(a, dir);
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
    a.dispose(); ref.dispose(); got.dispose();
  }, 60_000);
});

describe("checksums", () => {
  it("rejects same-size garbage in weights.bin, naming the file and the fix; hasWeights answers false", async () => {
    const a = buildAutoencoder(small);
    const dir = path.join(tmp, "garbage");
    await saveWeights(a, dir);
    const bin = path.join(dir, "decoder", "weights.bin");
    expect(fs.existsSync(bin + ".sha256.json")).toBe(true);
    const size = fs.statSync(bin).size;
    for (const garbage of [Buffer.alloc(size), Buffer.from(Array.from({ length: size }, (_, i) => (i * 7919) & 255))]) {
      fs.writeFileSync(bin, garbage);
      await expect(loadWeights(a, dir)).rejects.toThrow(/decoder\/weights.bin is corrupt: its SHA-256 is [0-9a-f]{12}…, .*weights.bin.sha256.json records [0-9a-f]{12}… \(same size, different content\)\. Train the model again and save it/);
      const { value, warned } = await warnings(() => hasWeights(a, dir));
      expect(value).toBe(false);
      expect(warned).toMatch(/hasWeights: .*garbage holds a save that cannot be loaded, so the answer is false: .*weights.bin is corrupt/);
    }
    // a save from before checksums existed: garbage still shows as NaN/Inf values
    fs.rmSync(bin + ".sha256.json");
    fs.writeFileSync(bin, crypto.randomBytes(size));
    await expect(loadWeights(a, dir)).rejects.toThrow(/weights.bin is corrupt: value \d+ is (NaN|-?Infinity) \(and it has no checksum file/);
    a.dispose();
  });

  it("hasWeights answers false for a save of another architecture", async () => {
    const a = buildAutoencoder(small);
    const dir = path.join(tmp, "otherarch");
    await saveWeights(a, dir);
    const other = buildAutoencoder({ ...small, latentDim: 3 });
    const { value, warned } = await warnings(() => hasWeights(other, dir));
    expect(value).toBe(false);
    expect(warned).toMatch(/do not fit this model/);
    expect(hasWeights(a, dir)).toBe(true);
    a.dispose(); other.dispose();
  });

  it("a corrupt shipped pretrained file says how to restore it (git checkout, or the training script)", async () => {
    const fake = path.join(tmp, "project");
    fs.cpSync(path.join(root, "pretrained", "autoencoder"), path.join(fake, "pretrained", "autoencoder"), { recursive: true });
    fs.mkdirSync(path.join(fake, "scripts"), { recursive: true });
    fs.writeFileSync(path.join(fake, "scripts", "train-pretrained-autoencoder.ts"), "");
    const prev = process.env.GDL_PROJECT_ROOT;
    process.env.GDL_PROJECT_ROOT = fake;
    const ae = buildAutoencoder();
    try {
      await loadWeights(ae, "pretrained/autoencoder"); // the shipped weights load with their checksums
      const bin = path.join(fake, "pretrained", "autoencoder", "encoder", "weights.bin");
      const bytes = fs.readFileSync(bin);
      bytes[1000] ^= 0x40;
      fs.writeFileSync(bin, bytes);
      await expect(loadWeights(ae, "pretrained/autoencoder")).rejects.toThrow(/encoder\/weights\.bin is corrupt: its SHA-256 is .*\. These are shipped pretrained weights: restore them with `git checkout -- pretrained\/autoencoder` \(or retrain them: npx tsx scripts\/train-pretrained-autoencoder\.ts\)\./);
    } finally {
      if (prev === undefined) delete process.env.GDL_PROJECT_ROOT; else process.env.GDL_PROJECT_ROOT = prev;
      ae.dispose();
    }
  });

  it("every shipped pretrained weights file has a checksum that matches", () => {
    const found: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else if (e.name === "weights.bin") found.push(p);
    });
    walk(path.join(root, "pretrained"));
    expect(found.length).toBeGreaterThanOrEqual(7);
    for (const f of found) expect(readChecked(f), f).toMatchObject({ ok: true });
  });
});

