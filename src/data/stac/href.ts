/**
 * Where a STAC href points. Local paths become `file:` URLs on the way in, so one rule resolves
 * relative hrefs for files and for HTTP alike (`../`, `./`, and the Windows `.\` that some catalogs
 * were written with: `URL` treats `\` as `/` in `file:` and `http:` URLs), and become paths again on
 * the way out, because people read paths.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { invalidParameter } from '../../core/errors.js';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A location (`./catalog.json`, `/data/catalog.json`, `file:///…`, `https://…`) as an absolute URL. */
export function toUrl(location: string | URL): URL {
  if (location instanceof URL) return location;
  if (URL_SCHEME.test(location) || location.startsWith('file:')) {
    try {
      return new URL(location);
    } catch {
      throw invalidParameter(`not a valid URL: ${location}`);
    }
  }
  return pathToFileURL(path.resolve(location));
}

/** Resolves `href` against the document it was found in (absolute hrefs stay as they are). */
export function resolveHref(href: string, base: string | URL): URL {
  try {
    return new URL(href, toUrl(base));
  } catch {
    throw invalidParameter(`cannot resolve href ${JSON.stringify(href)} against ${displayHref(toUrl(base))}`);
  }
}

/** A URL as people read it: a path for local files, the URL otherwise. */
export function displayHref(url: URL): string {
  return url.protocol === 'file:' ? fileURLToPath(url) : url.toString();
}

/** Whether a URL is read over HTTP(S) rather than from the local file system. */
export function isHttp(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}
