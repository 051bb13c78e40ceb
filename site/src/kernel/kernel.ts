// The workbook's TypeScript kernel for JupyterLite, main-thread side: Jupyter messages in,
// a Web Worker (../worker) that transpiles and runs the cells, Jupyter messages out.
// Kernel → Interrupt ends the worker (a cell busy computing cannot be stopped any other way
// in a browser) and starts a fresh one; the cell says so.
import { PageConfig, URLExt } from "@jupyterlab/coreutils";
import type { KernelMessage } from "@jupyterlab/services";
import { BaseKernel, type IKernel } from "@jupyterlite/services";
import type { JSONObject } from "@lumino/coreutils";
import type { FromWorker, InitMessage, ToWorker } from "./protocol";

type ExecuteReply = KernelMessage.IExecuteReplyMsg["content"];
type Header = KernelMessage.IHeader<KernelMessage.MessageType>;

interface Running {
  exec: number;
  parent: Header | undefined;
  resolve: (reply: ExecuteReply) => void;
}

export const KERNEL_NAME = "tslab-workbook";

export const INTERRUPTED_MESSAGE =
  "The browser kernel was restarted to stop this cell (a browser cannot stop a running " +
  "computation any other way), so everything the notebook had computed is gone. " +
  "Run the cells from the top again: Run → Run All Cells.";

export class WorkbookKernel extends BaseKernel {
  private worker: Worker | null = null;
  private workerReady: Promise<void> = Promise.resolve();
  private typescriptVersion = "";
  private running: Running | null = null;
  private execCounter = 0;
  /** Parent header of each execution: outputs that come later (timers) still go under their cell. */
  private parents = new Map<number, Header | undefined>();
  private completions = new Map<number, (r: { matches: string[]; start: number; end: number }) => void>();
  private completionCounter = 0;

  constructor(options: IKernel.IOptions) {
    super(options);
    this.startWorker();
  }

  override get ready(): Promise<void> {
    return this.workerReady;
  }

  private siteUrl(): string {
    return URLExt.join(new URL(PageConfig.getBaseUrl(), location.href).href, "/");
  }

  private startWorker(): void {
    const site = this.siteUrl();
    const worker = new Worker(URLExt.join(site, "build/kernel/kernel-runtime.js"));
    this.worker = worker;
    let settle!: (ok: boolean, why?: string) => void;
    this.workerReady = new Promise<void>((resolve, reject) => {
      settle = (ok, why) => (ok ? resolve() : reject(new Error(why)));
    });
    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (m.type === "ready") { this.typescriptVersion = m.typescript; settle(true); return; }
      if (m.type === "init-error") { console.error(`TypeScript (workbook) kernel did not start: ${m.message}`); settle(false, m.message); return; }
      this.onWorkerMessage(m);
    };
    worker.onerror = (ev) => {
      console.error("TypeScript (workbook) kernel worker:", ev.message);
      settle(false, ev.message);
    };
    const config = JSON.parse(PageConfig.getOption("gdlKernel") || "{}") as { env?: Record<string, string>; siteFiles?: string[] };
    const init: InitMessage = {
      type: "init",
      siteUrl: site,
      typescriptUrl: URLExt.join(site, "build/kernel/typescript.js"),
      wasmUrl: URLExt.join(site, "build/kernel/"),
      env: { GDL_BACKEND: "wasm", GDL_WORKERS: "1", GDL_PROJECT_ROOT: site.replace(/\/$/, ""), ...(config.env ?? {}) },
      siteFiles: config.siteFiles ?? [],
    };
    this.send(init);
  }

  private send(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private onWorkerMessage(m: FromWorker): void {
    if (m.type === "complete-reply") {
      this.completions.get(m.id)?.(m);
      this.completions.delete(m.id);
      return;
    }
    if (m.type === "ready" || m.type === "init-error") return;
    const parent = this.parents.get(m.exec) ?? this.parentHeader;
    switch (m.type) {
      case "stream":
        this.stream({ name: m.name, text: m.text }, parent);
        break;
      case "display":
        if (m.update && m.transient.display_id) {
          this.updateDisplayData({ data: m.data, metadata: m.metadata as JSONObject, transient: { display_id: m.transient.display_id } }, parent);
        } else {
          this.displayData({ data: m.data, metadata: m.metadata as JSONObject, transient: m.transient }, parent);
        }
        break;
      case "result":
        this.publishExecuteResult({ execution_count: this.executionCount, data: m.data, metadata: m.metadata as JSONObject }, parent);
        break;
      case "done": {
        const run = this.running;
        if (!run || run.exec !== m.exec) break;
        this.running = null;
        if (m.status === "ok") {
          run.resolve({ status: "ok", execution_count: this.executionCount, user_expressions: {}, payload: [] } as ExecuteReply);
        } else {
          const content = { ename: m.ename, evalue: m.evalue, traceback: m.traceback };
          this.publishExecuteError(content, parent);
          run.resolve({ status: "error", execution_count: this.executionCount, ...content } as ExecuteReply);
        }
        break;
      }
    }
  }

  /** Kernel → Interrupt: end the worker, fail the running cell with a clear message, start afresh. */
  interrupt(): void {
    const run = this.running;
    this.worker?.terminate();
    this.worker = null;
    this.running = null;
    this.parents.clear();
    for (const done of this.completions.values()) done({ matches: [], start: 0, end: 0 });
    this.completions.clear();
    if (run) {
      const content = { ename: "KernelInterrupted", evalue: INTERRUPTED_MESSAGE, traceback: [`KernelInterrupted: ${INTERRUPTED_MESSAGE}`] };
      this.publishExecuteError(content, run.parent);
      run.resolve({ status: "error", execution_count: this.executionCount, ...content } as ExecuteReply);
    }
    this.startWorker();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.worker?.terminate();
    this.worker = null;
    super.dispose();
  }

  async kernelInfoRequest(): Promise<KernelMessage.IInfoReplyMsg["content"]> {
    await this.workerReady.catch(() => undefined);
    return {
      status: "ok",
      protocol_version: "5.3",
      implementation: "gdl-workbook-browser",
      implementation_version: "0.1.0",
      language_info: {
        name: "typescript",
        version: this.typescriptVersion,
        mimetype: "text/typescript",
        file_extension: ".ts",
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
      },
      banner: `TypeScript (workbook) in the browser: TypeScript ${this.typescriptVersion}, TensorFlow.js on WebAssembly, in a Web Worker`,
      help_links: [],
    } as KernelMessage.IInfoReplyMsg["content"];
  }

  async executeRequest(content: KernelMessage.IExecuteRequestMsg["content"]): Promise<ExecuteReply> {
    try {
      await this.workerReady;
    } catch (e) {
      const content = { ename: "KernelStartError", evalue: `The browser kernel did not start: ${(e as Error).message}`, traceback: [`The browser kernel did not start: ${(e as Error).message}`] };
      this.publishExecuteError(content);
      return { status: "error", execution_count: this.executionCount, ...content } as ExecuteReply;
    }
    const exec = ++this.execCounter;
    const parent = this.parentHeader;
    this.parents.set(exec, parent);
    return new Promise<ExecuteReply>((resolve) => {
      this.running = { exec, parent, resolve };
      this.send({ type: "execute", exec, code: content.code, count: this.executionCount });
    });
  }

  async completeRequest(content: KernelMessage.ICompleteRequestMsg["content"]): Promise<KernelMessage.ICompleteReplyMsg["content"]> {
    const id = ++this.completionCounter;
    const r = await new Promise<{ matches: string[]; start: number; end: number }>((resolve) => {
      this.completions.set(id, resolve);
      this.send({ type: "complete", id, code: content.code, cursor: content.cursor_pos });
    });
    return { status: "ok", matches: r.matches, cursor_start: r.start, cursor_end: r.end, metadata: {} };
  }

  async inspectRequest(_content: KernelMessage.IInspectRequestMsg["content"]): Promise<KernelMessage.IInspectReplyMsg["content"]> {
    return { status: "ok", found: false, data: {}, metadata: {} };
  }

  async isCompleteRequest(_content: KernelMessage.IIsCompleteRequestMsg["content"]): Promise<KernelMessage.IIsCompleteReplyMsg["content"]> {
    return { status: "unknown" };
  }

  async commInfoRequest(_content: KernelMessage.ICommInfoRequestMsg["content"]): Promise<KernelMessage.ICommInfoReplyMsg["content"]> {
    return { status: "ok", comms: {} };
  }

  inputReply(_content: KernelMessage.IInputReplyMsg["content"]): void {}
  async commOpen(_msg: KernelMessage.ICommOpenMsg): Promise<void> {}
  async commMsg(_msg: KernelMessage.ICommMsgMsg): Promise<void> {}
  async commClose(_msg: KernelMessage.ICommCloseMsg): Promise<void> {}
}
