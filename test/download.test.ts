import { describe, it, expect, beforeAll, afterAll } from "vitest";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import type { AddressInfo } from "net";
import { downloadVerified, sha256Of } from "../lib/data/download";
import { FASHION_MNIST_FILES, DEBIAN_FASHION_MNIST_DIR } from "../lib/data/fashion-mnist";

// A loopback server: /good serves a gzip file, /cut promises more bytes than it sends.
const payload = zlib.gzipSync(crypto.randomBytes(20_000)); // incompressible, so /cut really cuts
let server: http.Server;
let base: string;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dl-"));
  server = http.createServer((req, res) => {
    if (req.url === "/good") {
      res.writeHead(200, { "content-length": payload.length });
      res.end(payload);
    } else if (req.url === "/cut") {
      res.writeHead(200, { "content-length": payload.length });
      res.write(payload.subarray(0, 100));
      setTimeout(() => res.destroy(), 20);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const leftovers = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

describe("verified downloads", () => {
  it("keeps a file whose uncompressed SHA-256 matches", async () => {
    const dest = path.join(tmp, "ok", "f.gz");
    const n = await downloadVerified(`${base}/good`, dest, { sha256: sha256Of(payload, true), gunzipped: true });
    expect(n).toBe(payload.length);
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
    expect(leftovers(path.dirname(dest))).toEqual(["f.gz"]);
  });

  it("drops the file and its temp file on a checksum mismatch", async () => {
    const dest = path.join(tmp, "bad", "f.gz");
    await expect(downloadVerified(`${base}/good`, dest, { sha256: "0".repeat(64), gunzipped: true })).rejects.toThrow(/checksum mismatch .* expected 0{64}\. The file was not kept/);
    expect(leftovers(path.dirname(dest))).toEqual([]);
  });

  it("leaves nothing under the final name when the transfer is cut", async () => {
    const dest = path.join(tmp, "cut", "f.gz");
    await expect(downloadVerified(`${base}/cut`, dest, { sha256: sha256Of(payload, true), gunzipped: true })).rejects.toThrow();
    expect(leftovers(path.dirname(dest))).toEqual([]);
  });

  it("reports HTTP errors with the URL", async () => {
    await expect(downloadVerified(`${base}/missing`, path.join(tmp, "x"), { sha256: "" })).rejects.toThrow(/missing answered 404/);
  });

  it.runIf(fs.existsSync(DEBIAN_FASHION_MNIST_DIR))("the pinned checksums match the official Fashion-MNIST content", () => {
    for (const f of Object.values(FASHION_MNIST_FILES)) {
      expect(sha256Of(fs.readFileSync(path.join(DEBIAN_FASHION_MNIST_DIR, f.name)), true)).toBe(f.sha256);
    }
  });
});
