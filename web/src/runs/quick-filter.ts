/**
 * The search box accepts MLflow's filter grammar as is; plain words search run names instead, as
 * MLflow's UI does, so `resnet` finds `resnet-lr0.01`.
 */

/** Text is grammar when it compares (`=`, `<`, `>`) or starts with an entity (`params.`, `tags.`…). */
const GRAMMAR = /[=<>]|^\s*`?(metrics?|params?|parameters?|tags?|attributes?|attr|run|datasets?)`?\./i;

/** The `runs/search` filter string for what the user typed. */
export function toRunFilter(text: string): string {
  const trimmed = text.trim();
  if (!trimmed || GRAMMAR.test(trimmed)) return trimmed;
  // MLflow never unescapes a quoted string, so pick the quote the text does not contain.
  const quote = trimmed.includes("'") ? '"' : "'";
  return `attributes.run_name ILIKE ${quote}%${trimmed.replaceAll(quote, '')}%${quote}`;
}
