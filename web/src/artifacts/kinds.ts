/** How an artifact is previewed, from its name: as an image, as JSON, as text, or not at all. */

export type PreviewKind = 'image' | 'json' | 'text' | 'none';

const IMAGE = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp', 'avif']);
const JSON_EXT = new Set(['json', 'geojson', 'ipynb']);
const TEXT = new Set([
  'txt', 'log', 'md', 'rst', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'csv', 'tsv', 'py', 'ts', 'js', 'sh',
  'r', 'sql', 'xml', 'html', 'properties', 'ndjson', 'jsonl', 'wkt', 'prj',
]);
/** Files MLflow writes without an extension that are text. */
const TEXT_NAMES = new Set(['MLmodel', 'requirements', 'Dockerfile', 'LICENSE', 'README']);

/** The preview for a file name. */
export function previewKind(path: string): PreviewKind {
  const name = path.split('/').pop() ?? path;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return TEXT_NAMES.has(name) ? 'text' : 'none';
  const ext = name.slice(dot + 1).toLowerCase();
  if (IMAGE.has(ext)) return 'image';
  if (JSON_EXT.has(ext)) return 'json';
  return TEXT.has(ext) ? 'text' : 'none';
}

/** Text previews read at most this much (a Range request). */
export const TEXT_PREVIEW_BYTES = 256 * 1024;
