// One class palette for every plot library here (Observable Plot SVG, Plotly scatter, the latent
// explorer), so a class has the same colour in the interactive and the static picture. Colours
// follow the class's index in classNames (D3's category10, Plotly's default colourway), so a
// class keeps its colour even when a plot shows only some classes.
export const CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** Colour of class `name`: by its index in `classNames` when listed there, else by its place in `order`. */
export function classColour(name: string, order: readonly string[], classNames?: readonly string[]): string {
  const i = classNames?.indexOf(name) ?? -1;
  const k = i >= 0 ? i : (classNames?.length ?? 0) + order.filter((c) => !classNames?.includes(c)).indexOf(name);
  return CLASS_COLOURS[((k % CLASS_COLOURS.length) + CLASS_COLOURS.length) % CLASS_COLOURS.length];
}
