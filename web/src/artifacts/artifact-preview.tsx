/** One artifact shown in place: images as images, JSON pretty-printed, text as text, anything else as a download. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { artifactUrl, listArtifacts, readArtifactText } from '../api/tracking';
import { formatBytes } from '../lib/format';
import { Empty, ErrorMessage, Loading } from '../ui/status';
import { previewKind, TEXT_PREVIEW_BYTES } from './kinds';

/** JSON indented when it parses whole; the raw text otherwise (e.g. a truncated file). */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function TextPreview({ runId, path, size, json }: { runId: string; path: string; size: number; json: boolean }) {
  const preview = useQuery({
    queryKey: ['artifact-text', runId, path, size],
    queryFn: ({ signal }) => readArtifactText(runId, path, size, TEXT_PREVIEW_BYTES, signal),
  });
  if (preview.isPending) return <Loading label="Loading the file…" />;
  if (preview.isError) return <ErrorMessage error={preview.error} title="Could not read the file" />;
  const { text, truncated } = preview.data;
  return (
    <>
      {truncated && <p className="muted">Showing the first {formatBytes(TEXT_PREVIEW_BYTES)} of {formatBytes(size)}.</p>}
      <pre className="text-preview" data-testid="artifact-text">
        {json && !truncated ? prettyJson(text) : text}
      </pre>
    </>
  );
}

function ImagePreview({ url, path }: { url: string; path: string }) {
  const [failed, setFailed] = useState(false);
  if (failed) return <ErrorMessage error="The browser cannot display this image." title="No preview" />;
  return <img className="image-preview" src={url} alt={path} onError={() => setFailed(true)} />;
}

/**
 * Looks the file up in its folder's listing first (cached from the tree): a link to a file that is
 * not there says so instead of failing a download, and the size decides how much text to fetch.
 */
export function ArtifactPreview({ runId, path }: { runId: string; path: string }) {
  const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const listing = useQuery({ queryKey: ['artifacts', runId, folder], queryFn: ({ signal }) => listArtifacts(runId, folder, signal) });
  const url = artifactUrl(runId, path);
  const kind = previewKind(path);
  const file = listing.data?.find((f) => f.path === path && !f.is_dir);
  return (
    <div className="artifact-view" data-kind={kind}>
      <div className="artifact-view-head">
        <h3 className="mono">{path}</h3>
        {file && (
          <a href={url} download>
            Download ({formatBytes(file.file_size)})
          </a>
        )}
      </div>
      {listing.isPending ? (
        <Loading />
      ) : listing.isError ? (
        <ErrorMessage error={listing.error} title="Could not list the folder" />
      ) : !file ? (
        <ErrorMessage error={`This run has no file ${path}.`} title="No such artifact" />
      ) : kind === 'image' ? (
        <ImagePreview key={url} url={url} path={path} />
      ) : kind === 'json' || kind === 'text' ? (
        <TextPreview runId={runId} path={path} size={file.file_size ?? 0} json={kind === 'json'} />
      ) : (
        <Empty>No preview for this kind of file; download it instead.</Empty>
      )}
    </div>
  );
}
