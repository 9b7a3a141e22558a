/** A run's artifacts: the tree on the left, the chosen file (`?artifact=path`) on the right. */
import { useUrlParam } from '../lib/url-state';
import { Empty } from '../ui/status';
import { ArtifactPreview } from './artifact-preview';
import { ArtifactTree } from './artifact-tree';

export function ArtifactBrowser({ runId }: { runId: string }) {
  const [selected, setSelected] = useUrlParam('artifact');
  return (
    <div className="artifacts">
      <nav className="artifact-tree" aria-label="Artifacts">
        <ArtifactTree runId={runId} selected={selected} onSelect={setSelected} />
      </nav>
      <div className="artifact-pane">{selected ? <ArtifactPreview runId={runId} path={selected} /> : <Empty>Choose a file to preview it.</Empty>}</div>
    </div>
  );
}
