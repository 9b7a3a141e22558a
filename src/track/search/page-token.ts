/**
 * MLflow's opaque page tokens (`SearchUtils.create_page_token` / `parse_start_offset_from_page_token`):
 * base64 of the JSON `{"offset": N}`. Tokens are byte-for-byte MLflow's, so a client can carry one
 * across servers.
 */
import { invalidParameter } from '../../core/errors.js';

/** MLflow's opaque page token: base64 of {"offset": N}. */
export function encodePageToken(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`A page offset must be a non-negative integer, got ${offset}`);
  // Python's json.dumps puts a space after the colon; matching it keeps tokens identical to MLflow's.
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

/** Decodes a page token; undefined/'' → 0. Bad base64 → invalidParameter('Invalid page token, could not base64-decode'); decodes but no non-negative integer offset → invalidParameter('Invalid page token, decoded value=…') */
export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  const bytes = decodeBase64(token);
  if (!bytes) throw invalidParameter('Invalid page token, could not base64-decode');
  const invalid = () => invalidParameter(`Invalid page token, decoded value=${pythonBytes(bytes)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid();
  }
  const offset = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>).offset : undefined;
  // MLflow runs int() on the field, so a digit string is as good as a number.
  const value = typeof offset === 'number' ? offset : typeof offset === 'string' && /^\s*\d+\s*$/.test(offset) ? Number(offset) : NaN;
  if (!Number.isSafeInteger(value) || value < 0) throw invalid();
  return value;
}

/**
 * Decodes like Python's `base64.b64decode` without `validate`: characters outside the alphabet are
 * dropped, then the rest must be correctly padded. Node's own decoder would accept anything.
 */
function decodeBase64(token: string): Buffer | undefined {
  const cleaned = token.replace(/[^A-Za-z0-9+/=]/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(cleaned)) return undefined;
  return Buffer.from(cleaned, 'base64');
}

/** Renders bytes as Python's `repr(bytes)` (`b'...'`), which is how MLflow shows the decoded token. */
function pythonBytes(bytes: Buffer): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let out = '';
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte);
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (byte >= 0x20 && byte < 0x7f) out += ch;
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${out}${quote}`;
}
