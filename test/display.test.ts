import { describe, it, expect } from "vitest";
import * as util from "util";
import { displayed, markdownTable, show, textTable, withTextForm } from "../lib/display";

describe("tables", () => {
  it("markdownTable escapes pipes and checks the row lengths", () => {
    expect(markdownTable(["a", "b|c"], [[1, "x|y"], ["2", 3.5]])).toBe("| a | b\\|c |\n|---|---|\n| 1 | x\\|y |\n| 2 | 3.5 |");
    expect(() => markdownTable(["a", "b"], [[1]])).toThrow(/row 0 has 1 cells, the header 2/);
    expect(() => markdownTable([], [])).toThrow(/at least one column/);
  });

  it("show.table emits one output: Markdown with an aligned plain-text form", () => {
    const before = displayed.length;
    show.table(["β", "KL (nats)"], [["10", "0.00"], ["10000", "6.10"]]);
    expect(displayed.length).toBe(before + 1);
    const out = displayed[displayed.length - 1].data;
    expect(out["text/markdown"]).toBe("| β | KL (nats) |\n|---|---|\n| 10 | 0.00 |\n| 10000 | 6.10 |");
    expect(out["text/plain"]).toBe(textTable(["β", "KL (nats)"], [["10", "0.00"], ["10000", "6.10"]]));
    expect(out["text/plain"].split("\n")).toEqual(["β      KL (nats)", "-----  ---------", "10     0.00", "10000  6.10"]);
  });
});

describe("withTextForm", () => {
  it("gives a value a one-line Out[n] without changing its fields", () => {
    const v = withTextForm({ a: 1, nested: { b: [1, 2, 3] } }, "one line");
    expect(util.inspect(v)).toBe("one line");
    expect(util.format(v)).toBe("one line");
    expect(String(v)).toBe("one line");
    expect(Object.keys(v)).toEqual(["a", "nested"]);
    expect(JSON.stringify(v)).toBe('{"a":1,"nested":{"b":[1,2,3]}}');
    expect(() => withTextForm({}, "two\nlines")).toThrow(/must be one line/);
  });
});
