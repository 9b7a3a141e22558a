/** The artifact folders of a run as a tree; a folder is listed (`artifacts/list`) when first opened. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { listArtifacts } from '../api/tracking';
import { formatBytes } from '../lib/format';
import { ErrorMessage, Loading } from '../ui/status';

interface TreeProps {
  runId: string;
  path: string;
  selected: string | null;
  onSelect(path: string): void;
}

/** Opens by itself when it holds the selected file, so a shared link shows where the file is. */
function Folder({ runId, path, selected, onSelect, name }: TreeProps & { name: string }) {
  const [open, setOpen] = useState(() => selected !== null && selected.startsWith(`${path}/`));
  return (
    <li>
      <button type="button" className="tree-folder" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span aria-hidden="true">{open ? '▾' : '▸'}</span> {name}/
      </button>
      {open && <Listing runId={runId} path={path} selected={selected} onSelect={onSelect} />}
    </li>
  );
}

function Listing({ runId, path, selected, onSelect }: TreeProps) {
  const listing = useQuery({ queryKey: ['artifacts', runId, path], queryFn: ({ signal }) => listArtifacts(runId, path, signal) });
  if (listing.isPending) return <Loading label="Listing…" />;
  if (listing.isError) return <ErrorMessage error={listing.error} title="Could not list artifacts" />;
  if (listing.data.length === 0) return path ? <p className="muted tree-empty">(empty)</p> : <p className="muted">This run has no artifacts.</p>;
  const files = [...listing.data].sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
  return (
    <ul className="tree">
      {files.map((file) => {
        const name = file.path.split('/').pop() ?? file.path;
        if (file.is_dir) return <Folder key={file.path} runId={runId} path={file.path} name={name} selected={selected} onSelect={onSelect} />;
        return (
          <li key={file.path}>
            <button type="button" className={`tree-file${selected === file.path ? ' active' : ''}`} aria-current={selected === file.path ? 'true' : undefined} onClick={() => onSelect(file.path)}>
              {name}
              <span className="muted"> {formatBytes(file.file_size)}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The whole tree from the run's artifact root. */
export function ArtifactTree({ runId, selected, onSelect }: Omit<TreeProps, 'path'>) {
  return <Listing runId={runId} path="" selected={selected} onSelect={onSelect} />;
}
