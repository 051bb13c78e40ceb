// The few `os` calls lib makes (core counts, CPU model), answered for a browser worker.
const cores = () => Math.max(1, (self.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1);
export const cpus = () => Array.from({ length: cores() }, () => ({ model: "browser", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } }));
export const availableParallelism = () => cores();
export const platform = () => "browser";
export const arch = () => "wasm";
export const EOL = "\n";
export const tmpdir = () => "/tmp";
export const homedir = () => "/";
export const hostname = () => "browser";
export const totalmem = () => 0;
export const freemem = () => 0;
export default { cpus, availableParallelism, platform, arch, EOL, tmpdir, homedir, hostname, totalmem, freemem };
