// Worker thread entry: plain JS, so it can register the TypeScript loader (tsx)
// before requiring the TS worker (a worker is a fresh isolate with no TS support).
"use strict";
require("tsx/cjs/api").register();
require("./worker.ts");
