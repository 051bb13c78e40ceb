// Messages between the browser kernel (main thread, ./kernel.ts) and its worker (../worker).
export interface InitMessage {
  type: "init";
  /** The site's root URL, with a trailing slash. */
  siteUrl: string;
  typescriptUrl: string;
  /** Folder URL of tfjs-backend-wasm's .wasm files, with a trailing slash. */
  wasmUrl: string;
  /** process.env of lib in the browser (GDL_BACKEND=wasm, QUICK, ...). */
  env: Record<string, string>;
  /** Files the site serves that lib may read with fs (paths relative to the site root). */
  siteFiles: string[];
}

export type ToWorker =
  | InitMessage
  | { type: "execute"; exec: number; code: string; count: number }
  | { type: "complete"; id: number; code: string; cursor: number };

export type FromWorker =
  | { type: "ready"; typescript: string }
  | { type: "init-error"; message: string }
  | { type: "stream"; exec: number; name: "stdout" | "stderr"; text: string }
  | { type: "display"; exec: number; data: Record<string, string>; metadata: Record<string, unknown>; transient: { display_id?: string }; update: boolean }
  | { type: "result"; exec: number; data: Record<string, string>; metadata: Record<string, unknown> }
  | { type: "done"; exec: number; status: "ok" }
  | { type: "done"; exec: number; status: "error"; ename: string; evalue: string; traceback: string[] }
  | { type: "complete-reply"; id: number; matches: string[]; start: number; end: number };
