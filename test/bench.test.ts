// `npm run bench` in its tiny configuration: no timing assertions (the machine
// is shared), but every row the bench promises must be there with numbers:
// each tfjs backend (tensorflow where tfjs-node loads), the data-parallel row,
// the Keras and PyTorch 2 peers from the project venv, Debian's PyTorch where it
// is installed; ratios to the fastest peer of each column, which the header names;
// and the models' parameter counts equal to the book's on every row.
import { describe, expect, it } from "vitest";
import { execFile, spawnSync } from "child_process";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { BOOK_PARAMS, markdownTable, paramProblems } from "../scripts/bench";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { buildVae } from "../lib/models/vae";
import { nativeStatus } from "./helpers/native";

const ROOT = path.resolve(__dirname, "..");
const hasDebianTorch = spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0;

describe("bench table helpers", () => {
  const res = (enc: number, train = 10, infer = 20) => ({
    params: { encoder: enc, decoder: 246_273 }, train, infer, trainAll: [train], inferAll: [infer],
  });
  it("flags a parameter-count mismatch and accepts the book's counts", () => {
    const ok = { backend: "wasm", label: "tfjs wasm", threads: 1, ae: res(96_770), vae: res(100_868) };
    const bad = { backend: "cpu", label: "tfjs cpu", threads: 1, ae: res(96_771), vae: res(100_868) };
    expect(paramProblems([ok], ["ae", "vae"])).toEqual([]);
    expect(paramProblems([ok, bad], ["ae", "vae"])).toEqual([expect.stringContaining("tfjs cpu ae")]);
  });

  it("gives every ratio against the fastest peer of its column and names that peer", () => {
    const wasm = { backend: "wasm", label: "tfjs wasm", threads: 1, ae: res(96_770, 10, 20) };
    const keras = { backend: "keras", peer: true, label: "Keras 3.15.1 / TensorFlow 2.21.0", threads: 2, ae: res(96_770, 40, 10) };
    const torch = { backend: "torch", peer: true, label: "PyTorch 2.13.0", threads: 2, ae: res(96_770, 20, 40) };
    const missing = { backend: "torch", peer: true, label: "PyTorch 1.13.0 (Debian)", error: "no torch" };
    const t = markdownTable([wasm, keras, torch, missing], ["ae"]).split("\n");
    expect(t[0]).toBe("| backend | threads | AE train img/s (× Keras) | AE infer img/s (× PyTorch 2.13.0) |");
    expect(t).toContain("| tfjs wasm | 1 | 10.0 (0.25×) | 20.0 (0.50×) |");
    expect(t).toContain("| Keras 3.15.1 / TensorFlow 2.21.0 | 2 | 40.0 (1.00×) | 10.0 (0.25×) |");
    expect(t).toContain("| PyTorch 2.13.0 | 2 | 20.0 (0.50×) | 40.0 (1.00×) |");
    expect(t).toContain("| PyTorch 1.13.0 (Debian) | – | – | – |");
    // A faster tfjs row is not a peer: the reference stays Keras.
    const fast = { ...wasm, ae: res(96_770, 80, 20) };
    expect(markdownTable([fast, keras, torch], ["ae"])).toContain("| tfjs wasm | 1 | 80.0 (2.00×) |");
  });

  it("BOOK_PARAMS, which every row is checked against, are the counts of lib/models' book models", () => {
    const ae = buildAutoencoder();
    const vae = buildVae();
    try {
      expect(BOOK_PARAMS.ae).toEqual({ encoder: ae.encoder.countParams(), decoder: ae.decoder.countParams() });
      expect(BOOK_PARAMS.vae).toEqual({ encoder: vae.encoder.countParams(), decoder: vae.decoder.countParams() });
    } finally {
      ae.dispose();
      vae.dispose();
      expect(tf.memory().numTensors).toBe(0);
    }
  });
});

describe("npm run bench -- --tiny", () => {
  it("prints every backend and peer row with numbers, ratios to the fastest peer and the param check", async () => {
    // Async child: a blocking spawnSync would starve vitest's worker heartbeat.
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/bench.ts", "--tiny"],
        { cwd: ROOT, encoding: "utf8", timeout: 1_500_000, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    const lines = out.split("\n");
    expect(lines.find((l) => l.startsWith("| backend |"))).toMatch(
      /^\| backend \| threads \| AE train img\/s \(× (Keras|PyTorch [\d.]+)\) \| AE infer img\/s \(× (Keras|PyTorch [\d.]+)\) \| VAE train img\/s \(× (Keras|PyTorch [\d.]+)\) \| VAE infer img\/s \(× (Keras|PyTorch [\d.]+)\) \|$/);
    expect(out).toMatch(/Param check: OK/);
    expect(out).toMatch(/- Fastest peer: AE train: (Keras|PyTorch)/);
    const row = (start: string) => lines.find((l) => l.startsWith(`| ${start}`));
    const cells = (line: string) => line.split("|").slice(3, -1).map((c) => c.trim());
    const measured = /^\d+(\.\d+)? \(\d+\.\d\d×\)$/;
    const expectMeasured = (start: string, columns = [0, 1, 2, 3]) => {
      const line = row(start);
      expect(line, `${start} row:\n${out}`).toBeDefined();
      const c = cells(line!);
      for (const i of columns) expect(c[i], `${start}: ${line}`).toMatch(measured);
    };
    expectMeasured("tfjs wasm |");
    expectMeasured("tfjs cpu |");
    // The data-parallel row: lib/train's workers, and inference split over as many workers.
    expectMeasured("tfjs wasm x2 workers |");
    // tfjs-node: measured where it loads (npm run setup:native), else listed as not measured.
    if (nativeStatus().ok) expectMeasured("tfjs tensorflow |");
    else expect(row("tfjs tensorflow |")).toBe("| tfjs tensorflow | – | – | – | – | – |");
    expectMeasured("Keras 3.");
    expectMeasured("PyTorch 2.");
    if (hasDebianTorch) expectMeasured("PyTorch 1.");
  }, 1_600_000);
});
