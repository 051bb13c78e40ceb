// Worker thread entry: plain JS, so it can register the TypeScript loader (tsx)
// before requiring the TS worker. tslab compiles notebook code itself, but a
// worker is a fresh Node isolate with no TS support.
"use strict";
require("tsx/cjs/api").register();
require("./worker.ts");
