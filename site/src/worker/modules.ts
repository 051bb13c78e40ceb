// What a cell can import in the browser kernel: @tensorflow/tfjs, "tslab" (its display API)
// and the lib/ modules below, bundled once by esbuild (scripts/site.mjs) into this worker,
// so cells and lib share one tfjs. Node-only APIs lib uses come from ../shims (esbuild
// aliases), and data/fashion-mnist from its browser wrapper. It carries what notebooks
// 00-05 and 07 import; a lib module that is not here gets a clear error. train() runs on
// this thread: its data-parallel engine (lib/train/parallel, Node worker threads) is
// replaced by ../shims/parallel-engine.ts at build time.
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
import * as modelsLosses from "../../../lib/models/losses";
import * as modelsTask from "../../../lib/models/task";
import * as modelsAutoencoder from "../../../lib/models/autoencoder";
import * as trainTrain from "../../../lib/train/train";
import * as trainPretrained from "../../../lib/train/pretrained";
import * as trainWeights from "../../../lib/train/weights";
import * as plotMosaic from "../../../lib/plot/mosaic";
import * as plotExplorer from "../../../lib/plot/explorer";
import * as evalReconstruction from "../../../lib/eval/reconstruction";
import * as evalElbo from "../../../lib/eval/elbo";
import * as evalBetaSweep from "../../../lib/eval/beta-sweep";
import * as latentEmbed from "../../../lib/latent/embed";
import * as latentPlane from "../../../lib/latent/plane";
import * as latentExplore from "../../../lib/latent/explore";
import * as latentPspace from "../../../lib/latent/pspace";
import * as exercisesAutoencoder from "../../../lib/exercises/autoencoder";
import * as exercisesVae from "../../../lib/exercises/vae";

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
  "models/losses": modelsLosses,
  "models/task": modelsTask,
  "models/autoencoder": modelsAutoencoder,
  "train/train": trainTrain,
  "train/pretrained": trainPretrained,
  "train/weights": trainWeights,
  "plot/mosaic": plotMosaic,
  "plot/explorer": plotExplorer,
  "eval/reconstruction": evalReconstruction,
  "eval/elbo": evalElbo,
  "eval/beta-sweep": evalBetaSweep,
  "latent/embed": latentEmbed,
  "latent/plane": latentPlane,
  "latent/explore": latentExplore,
  "latent/pspace": latentPspace,
  "exercises/autoencoder": exercisesAutoencoder,
  "exercises/vae": exercisesVae,
};

export const PACKAGES: Record<string, unknown> = {
  "@tensorflow/tfjs": tf,
};

export { tf };
