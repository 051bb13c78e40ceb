// Types of scripts/jupyter-env.mjs for the TypeScript tests.
export const root: string;
export const KERNEL_NAME: string;
export const REQUIREMENTS: string;
export const RUNNER_MODULES: string[];
export const INSTALL_HINT: string;
export function canImport(py: string, modules: readonly string[]): boolean;
export function findJupyterPython(modules?: readonly string[]): { python: string; source: string } | null;
export function jupyterPython(modules?: readonly string[], opts?: { log?: (s: string) => void }): Promise<string>;
export function jupyterEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
