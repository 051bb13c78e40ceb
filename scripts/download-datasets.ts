// `npm run datasets`: fetch the official Fashion-MNIST files into
// datasets/fashion-mnist/ with SHA-256 checks and atomic renames.
import * as fs from "fs";
import * as path from "path";
import { FASHION_MNIST_FILES, DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_ENV } from "../lib/data/fashion-mnist";
import { downloadVerified, sha256Of } from "../lib/data/download";
import { projectRoot } from "../lib/settings";

const BASE = process.env.GDL_FASHION_MNIST_URL ?? "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

async function main() {
  const dir = path.join(projectRoot(), "datasets", "fashion-mnist");
  let failed = 0;
  for (const f of Object.values(FASHION_MNIST_FILES)) {
    const dest = path.join(dir, f.name);
    if (fs.existsSync(dest) && sha256Of(fs.readFileSync(dest), true) === f.sha256) {
      console.log(`ok       ${dest} (already there, checksum verified)`);
      continue;
    }
    try {
      const n = await downloadVerified(new URL(f.name, BASE).toString(), dest, { sha256: f.sha256, gunzipped: true });
      console.log(`fetched  ${dest} (${n} bytes, checksum verified)`);
    } catch (e) {
      failed++;
      console.error(`failed   ${f.name}: ${(e as Error).message}`);
    }
  }
  if (failed) {
    console.error(
      `\nCould not download ${failed} file(s) (offline?). Other ways to get Fashion-MNIST:\n` +
        `  - Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist  (files in ${DEBIAN_FASHION_MNIST_DIR})\n` +
        `  - copy the four *-ubyte.gz files into a folder and set ${FASHION_MNIST_ENV}=/that/folder`,
    );
    process.exit(1);
  }
}
main();
