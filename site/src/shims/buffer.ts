// Node's Buffer for the lib bundle (lib encodes PNGs as base64 with Buffer.from(...)).
export { Buffer } from "buffer";
