/**
 * A static STAC catalog walker: reads a catalog (a local file or an http(s) URL), follows its `child`
 * and `item` links depth-first, and yields every Catalog, Collection and Item once, with where it was
 * found and the chain of parents that led there.
 *
 * Relative hrefs resolve against the location a document was read from, not its `self` link: copies
 * of catalogs keep the `self` of their original home (pystac's and stac-spec's examples point at
 * raw.githubusercontent.com), and following it would leave the copy being walked. `../` hrefs are
 * legitimate and followed. A document reached twice (a cycle, or two links to one item) is yielded once.
 */
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TileflowError, invalidParameter, notFound } from '../../core/errors.js';
import { checkConcurrency, mapOrdered } from './concurrency.js';
import { displayHref, isHttp, resolveHref, toUrl } from './href.js';
import { defaultFetch, fetchJson, type HttpFetch } from './http.js';
import { stacKind, type StacCatalog, type StacCollection, type StacItem, type StacLink } from './types.js';

/** Fields every walk entry has. */
interface EntryBase {
  /** Where the document was read: a path for local files, the URL otherwise. */
  href: string;
  /** The hrefs of the documents that led here, the root first. */
  parents: string[];
}

/** One document met on a walk; `kind` says which of `value`'s types it is. */
export type WalkEntry =
  | (EntryBase & { kind: 'catalog'; value: StacCatalog })
  | (EntryBase & { kind: 'collection'; value: StacCollection })
  | (EntryBase & { kind: 'item'; value: StacItem });

/** How a walk runs. */
export interface WalkOptions {
  /** Documents read at once below one parent (default 8). */
  concurrency?: number;
  /** Follow `item` links (default true); false walks catalogs and collections only. */
  items?: boolean;
  /** How http(s) documents are fetched (default: retries over Node's fetch). */
  fetch?: HttpFetch;
  signal?: AbortSignal;
}

/** Reads a JSON document from a local file or over HTTP. */
export async function readJsonDocument(url: URL, fetcher: HttpFetch, signal?: AbortSignal): Promise<unknown> {
  if (isHttp(url)) return fetchJson(fetcher, { url: url.toString(), signal });
  if (url.protocol !== 'file:') throw invalidParameter(`cannot read ${url}: only local files and http(s) URLs are supported`);
  const file = fileURLToPath(url);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(`no such file: ${file}`);
    throw invalidParameter(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidParameter(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The URL without its fragment: two links to `a.json#x` and `a.json` are one document. */
function documentKey(url: URL): string {
  const copy = new URL(url);
  copy.hash = '';
  return copy.toString();
}

/** Adds where a failure happened to its message, keeping its code. */
function linkError(error: unknown, link: StacLink, parent: string): unknown {
  if (!(error instanceof TileflowError)) return error;
  return new TileflowError(error.code, `${error.message} (the ${link.rel} link ${JSON.stringify(link.href)} of ${parent})`, { cause: error });
}

/** Makes the walk entry for a parsed document, or says why it is none. */
function entryFor(doc: unknown, href: string, parents: string[]): WalkEntry {
  const kind = stacKind(doc);
  if (kind === null) throw invalidParameter(`${href} is not a STAC Catalog, Collection or Item`);
  return { kind, href, parents, value: doc } as WalkEntry;
}

/** Walks a static catalog from `location` (a path or URL of a catalog.json, or any STAC document). */
export async function* walkCatalog(location: string | URL, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const concurrency = checkConcurrency(options.concurrency ?? 8);
  const fetcher = options.fetch ?? defaultFetch();
  const followItems = options.items ?? true;
  const seen = new Set<string>();

  async function* visit(url: URL, doc: unknown, parents: string[]): AsyncGenerator<WalkEntry> {
    const entry = entryFor(doc, displayHref(url), parents);
    yield entry;
    if (entry.kind === 'item') return;
    const links = (entry.value.links ?? []).filter((link) => link && typeof link.href === 'string' && (link.rel === 'child' || (followItems && link.rel === 'item')));
    const targets: { link: StacLink; url: URL }[] = [];
    for (const link of links) {
      const target = resolveHref(link.href, url);
      const key = documentKey(target);
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push({ link, url: target });
    }
    const childParents = [...parents, entry.href];
    const children = mapOrdered(targets, concurrency, async ({ link, url: target }) => {
      try {
        return { url: target, doc: await readJsonDocument(target, fetcher, options.signal) };
      } catch (error) {
        throw linkError(error, link, entry.href);
      }
    });
    for await (const child of children) yield* visit(child.url, child.doc, childParents);
  }

  const root = toUrl(location);
  seen.add(documentKey(root));
  yield* visit(root, await readJsonDocument(root, fetcher, options.signal), []);
}
