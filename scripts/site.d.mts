// Types of scripts/site.mjs for the TypeScript that imports it (test/browser-site.test.ts).
import type { Server } from "node:http";

/** build/site/ */
export const OUT: string;
/** Build the static JupyterLite site into build/site/. */
export function buildSite(): Promise<{ seconds: number; bytes: number; files: number }>;
/** A plain static server of `dir`; `overrides` answers the given URL paths with the given bodies. */
export function serveStatic(dir: string, port: number, host?: string, options?: { overrides?: Record<string, string> }): Promise<Server>;
