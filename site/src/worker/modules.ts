// What a cell can import in the browser kernel: @tensorflow/tfjs, "tslab" (its display API)
// and the lib/ modules below, bundled once by esbuild (scripts/site.mjs) into this worker,
// so cells and lib share one tfjs. Node-only APIs lib uses come from ../shims (esbuild
// aliases), and data/fashion-mnist from its browser wrapper. This step carries what
// notebooks 00-03 import; a lib module that is not here gets a clear error.
import * as tf from "@tensorflow/tfjs";
import * as engineBackend from "../../../lib/engine/backend";
import * as settings from "../../../lib/settings";
import * as keep from "../../../lib/keep";
import * as display from "../../../lib/display";
import * as checks from "../../../lib/checks";
import * as fashionMnist from "../shims/fashion-mnist";
import * as idx from "../../../lib/data/idx";
import * as imageGrid from "../../../lib/plot/image-grid";
import * as scatter from "../../../lib/plot/scatter";
import * as line from "../../../lib/plot/line";
import * as observable from "../../../lib/plot/observable";
import * as plotly from "../../../lib/plot/plotly";
import * as palette from "../../../lib/plot/palette";
import * as probability from "../../../lib/probability/index";
import * as rng from "../../../lib/probability/rng";
import * as gaussian from "../../../lib/probability/gaussian";
import * as box from "../../../lib/probability/box";
import * as categorical from "../../../lib/probability/categorical";
import * as logistic from "../../../lib/probability/logistic";
import * as classes from "../../../lib/probability/classes";
import * as pixels from "../../../lib/probability/pixels";
import * as pca from "../../../lib/probability/pca";
import * as naiveBayes from "../../../lib/probability/naive-bayes";
import * as chapter1 from "../../../lib/exercises/chapter1";
import * as check from "../../../lib/exercises/check";

export const LIB: Record<string, unknown> = {
  "engine/backend": engineBackend,
  settings,
  keep,
  display,
  checks,
  "data/fashion-mnist": fashionMnist,
  "data/idx": idx,
  "plot/image-grid": imageGrid,
  "plot/scatter": scatter,
  "plot/line": line,
  "plot/observable": observable,
  "plot/plotly": plotly,
  "plot/palette": palette,
  "probability/index": probability,
  "probability/rng": rng,
  "probability/gaussian": gaussian,
  "probability/box": box,
  "probability/categorical": categorical,
  "probability/logistic": logistic,
  "probability/classes": classes,
  "probability/pixels": pixels,
  "probability/pca": pca,
  "probability/naive-bayes": naiveBayes,
  "exercises/chapter1": chapter1,
  "exercises/check": check,
};

export const PACKAGES: Record<string, unknown> = {
  "@tensorflow/tfjs": tf,
};

export { tf };
