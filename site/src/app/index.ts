// The JupyterLite lab app of the workbook site: JupyterLab 4.6 and JupyterLite 0.8 plugins
// from npm (listed in ../../extensions.json, imported through the virtual module
// "gdl:extensions" that scripts/site.mjs generates), plus the workbook's TypeScript kernel.
// Page config comes from lab/index.html (jupyter-config-data, merged with jupyter-lite.json).
import { PageConfig } from "@jupyterlab/coreutils";
import { JupyterLab } from "@jupyterlab/application";
import { IServiceManager, type ServiceManager } from "@jupyterlab/services";
import { PluginRegistry, type IPlugin } from "@lumino/coreutils";
// @ts-expect-error virtual module of the build
import { extensions } from "gdl:extensions";
import kernelPlugins from "../kernel/extension";

type Plugin = IPlugin<unknown, unknown>;

function disabledList(): string[] {
  try {
    return JSON.parse(PageConfig.getOption("disabledExtensions") || "[]") as string[];
  } catch {
    return [];
  }
}

function* activePlugins(mod: { default?: unknown }, disabled: string[]): Generator<Plugin> {
  const exported = Object.prototype.hasOwnProperty.call(mod, "default") ? mod.default : mod;
  for (const p of (Array.isArray(exported) ? exported : [exported]) as Plugin[]) {
    if (!p || typeof p !== "object" || typeof p.id !== "string") continue;
    if (disabled.includes(p.id) || disabled.includes(p.id.split(":")[0]) || PageConfig.Extension.isDisabled(p.id)) continue;
    yield p;
  }
}

async function main(): Promise<void> {
  const disabled = disabledList();
  const plugins: Plugin[] = [];
  const available: Record<string, unknown>[] = [];
  for (const [name, mod] of extensions as [string, { default?: unknown }][]) {
    for (const p of activePlugins(mod, disabled)) {
      plugins.push(p);
      available.push({ ...p, extension: name });
    }
  }
  for (const p of kernelPlugins as Plugin[]) {
    plugins.push(p);
    available.push({ ...p, extension: "gdl-workbook" });
  }
  const registry = new PluginRegistry();
  registry.registerPlugins(plugins);
  const serviceManager = (await registry.resolveRequiredService(IServiceManager)) as ServiceManager.IManager;
  const lab = new JupyterLab({
    pluginRegistry: registry,
    serviceManager,
    mimeExtensions: [],
    availablePlugins: available as never,
  } as JupyterLab.IOptions);
  if ((PageConfig.getOption("exposeAppInBrowser") || "").toLowerCase() === "true") {
    (window as unknown as { jupyterapp: JupyterLab }).jupyterapp = lab;
  }
  await lab.start();
  await lab.restored;
}

main().catch((e) => {
  console.error("The workbook site did not start:", e);
  document.body.textContent = `The workbook site did not start: ${(e as Error)?.message ?? e}`;
});
