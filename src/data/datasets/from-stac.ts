/**
 * Builds a dataset from a static STAC catalog with label items (the label extension): each label
 * item's vector labels asset, drawn on the imagery its `source` link points at, becomes one
 * (imagery, labels) pair for `chipsFromLabels`. Class names and their order come from `label:classes`;
 * the task from `label:tasks` unless the caller says otherwise.
 */
import { defaultFetch, type HttpFetch } from '../stac/http.js';
import { readJsonDocument, walkCatalog } from '../stac/catalog.js';
import { isLabelItem, parseLabelItem, type LabelItem } from '../stac/extensions.js';
import { displayHref, isHttp, resolveHref, toUrl } from '../stac/href.js';
import type { StacAsset, StacItem } from '../stac/types.js';
import { invalidParameter } from '../../core/errors.js';
import { openLabels } from '../labels/open.js';
import type { Manifest } from './format.js';
import { chipsFromLabels, type ChipsFromLabelsOptions, type LabelledImage } from './from-labels.js';

/** Options for `chipsFromStac`: those of `chipsFromLabels`, plus how to fetch remote documents. */
export interface ChipsFromStacOptions extends ChipsFromLabelsOptions {
  fetch?: HttpFetch;
  /** Only these label items (by id), e.g. chosen with `queryItemIds` over a GeoParquet index. */
  itemIds?: ReadonlySet<string>;
}

const LABEL_FILE = /\.(geo)?json$|\.(geo)?parquet$/i;

/** The vector labels asset of a label item, resolved against the item's location. */
function labelAsset(label: LabelItem, itemHref: string): string {
  const key = label.labelAssetKeys.find((k) => /geo\+json|parquet/.test(label.assets[k].type ?? '') || LABEL_FILE.test(label.assets[k].href));
  if (!key) throw invalidParameter(`label item ${label.itemId} has no GeoJSON or GeoParquet labels asset`);
  const url = resolveHref(label.assets[key].href, itemHref);
  if (isHttp(url)) throw invalidParameter(`label item ${label.itemId}: labels over HTTP (${url}) are not read; copy the catalog locally`);
  return displayHref(url);
}

/** The imagery asset of a source item: the ones the label link names, else a `data` asset, else the first image. */
function imageryAsset(source: StacItem, wanted: string[] | null, sourceHref: string): string {
  const assets: Record<string, StacAsset> = source.assets ?? {};
  const keys = Object.keys(assets);
  const key =
    (wanted ?? []).find((k) => assets[k]) ??
    keys.find((k) => (assets[k].roles ?? []).includes('data')) ??
    keys.find((k) => /image\/(tiff|jp2)|geotiff/.test(assets[k].type ?? ''));
  if (!key) throw invalidParameter(`source item ${source.id} has no imagery asset`);
  return displayHref(resolveHref(assets[key].href, sourceHref));
}

/** The declared class property when the labels actually carry it; otherwise null (let the builder find one). */
async function declaredClassField(label: LabelItem, labelsPath: string): Promise<string | null> {
  const declared = label.properties?.[0];
  if (!declared) return null;
  const labels = await openLabels(labelsPath);
  try {
    // Some catalogs (eotdl's) declare `label` while the features carry `labels`.
    return labels.columns.some((c) => c.name === declared) ? declared : null;
  } finally {
    await labels.close();
  }
}

/** Builds a chip dataset at `out` from the label items of the catalog at `catalog`. */
export async function chipsFromStac(catalog: string, out: string, options: ChipsFromStacOptions = {}): Promise<Manifest> {
  const fetcher = options.fetch ?? defaultFetch();
  const pairs: LabelledImage[] = [];
  const classes: string[] = [];
  const fields = new Set<string>();
  const tasks = new Set<string>();
  for await (const entry of walkCatalog(catalog, { fetch: fetcher })) {
    if (entry.kind !== 'item' || !isLabelItem(entry.value)) continue;
    const label = parseLabelItem(entry.value, entry.href);
    if (label.type !== 'vector') continue;
    if (options.itemIds && !options.itemIds.has(label.itemId)) continue;
    if (label.sources.length === 0) throw invalidParameter(`label item ${label.itemId} has no source link to its imagery`);
    const labels = labelAsset(label, entry.href);
    for (const source of label.sources) {
      const sourceUrl = toUrl(source.href);
      const item = (await readJsonDocument(sourceUrl, fetcher)) as StacItem;
      pairs.push({ imagery: imageryAsset(item, source.labelAssets, displayHref(sourceUrl)), labels });
    }
    const field = await declaredClassField(label, labels);
    if (field) fields.add(field);
    for (const set of label.classes) {
      if (set.name === null || set.name === label.properties?.[0]) for (const c of set.classes) if (!classes.includes(String(c))) classes.push(String(c));
    }
    for (const t of label.tasks) tasks.add(t);
  }
  if (pairs.length === 0) {
    throw invalidParameter(`${catalog} has no vector label items with source imagery${options.itemIds ? ` among the ${options.itemIds.size} selected item ids` : ''}`);
  }
  if (fields.size > 1) throw invalidParameter(`the label items name different class properties (${[...fields].join(', ')}); give a class field`);
  return chipsFromLabels(pairs, out, {
    ...options,
    task: options.task ?? (tasks.has('segmentation') ? 'segmentation' : 'classification'),
    classField: options.classField ?? [...fields][0],
    classes: options.classes ?? (classes.length ? classes : undefined),
    provenance: { name: 'chips-from-stac', catalog, ...options.provenance },
  });
}
