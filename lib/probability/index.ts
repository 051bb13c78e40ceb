// Chapter 1's probability toolkit in one import: `import * as P from "./lib/probability/index"`.
export * from "./rng";
export * from "./gaussian";
export * from "./box";
export * from "./categorical";
export * from "./logistic";
export * from "./classes";
export * from "./pixels";
export * from "./pca";
export * from "./naive-bayes";
