// Stands in for the tensorflow project when tfjs-node does not load (vitest.config.ts):
// a plain `npm test` reports the native backend as not tested; CI
// (GDL_REQUIRE_NATIVE=1) fails here instead of passing without it.
import { describe, expect, it } from "vitest";
import { NATIVE_REQUIRED, nativeStatus, nativeSummary } from "./helpers/native";

const status = nativeStatus();

describe("tensorflow backend", () => {
  (NATIVE_REQUIRED ? it : it.skip)(`NOT TESTED: tfjs-node does not load here (${status.reason}); run npm run setup:native`, () => {
    expect.fail(nativeSummary(status));
  });
});
