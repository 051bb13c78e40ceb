// lib/plot/observable.ts renders Observable Plot into a jsdom document in Node. A worker has
// no DOM, so the browser kernel gives Plot a linkedom document (ISC) under jsdom's name.
import { parseHTML } from "linkedom";

export class JSDOM {
  readonly window: { document: Document };
  constructor(html = "<!DOCTYPE html><html><body></body></html>") {
    const { window } = parseHTML(html) as unknown as { window: { document: Document } };
    this.window = window;
  }
}
export default { JSDOM };
