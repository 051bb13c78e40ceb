// Stands in for the mermaid package (see scripts/site.mjs): the site renders no diagrams.
export default {
  initialize(): void {
    throw new Error("Mermaid diagrams are not part of the workbook site");
  },
};
