/**
 * The registered models (`/models?q=`): by name, with their latest version per stage, aliases, last
 * update and description. The name filter runs on the server (`name ILIKE '%q%'`, as MLflow's UI
 * searches), and pages follow MLflow's page tokens, so a registry of thousands of models loads a page
 * at a time.
 */
import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { searchRegisteredModels, type WireRegisteredModel } from '../api/registry';
import { formatTime } from '../lib/format';
import { useUrlParam } from '../lib/url-state';
import { Empty, ErrorMessage, Loading } from '../ui/status';
import { AliasChip, modelPath, StageBadge, versionPath } from './registry-ui';
import './registry.css';

/** Models per page (MLflow's UI pages by 10 to 100; a page of 50 fills a laptop screen twice). */
const MODELS_PAGE_SIZE = 50;
/** How long typing pauses before the filter is applied (one request per pause, not per key). */
const TYPING_PAUSE_MS = 250;

function modelSearchOptions(nameContains: string) {
  return infiniteQueryOptions({
    queryKey: ['registered-models', nameContains],
    queryFn: ({ pageParam, signal }) => searchRegisteredModels({ nameContains, maxResults: MODELS_PAGE_SIZE, pageToken: pageParam || undefined }, signal),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextPageToken,
  });
}

export function ModelsPage() {
  const [q, setQ] = useUrlParam('q');
  const [typed, setTyped] = useState(q ?? '');
  // The URL follows the box after a pause. A URL the box did not write (back button, a link) refills
  // the box; one it wrote does not, so keys typed while the address changes are kept.
  const written = useRef(q);
  useEffect(() => {
    if (q === written.current) return;
    written.current = q;
    setTyped(q ?? '');
  }, [q]);
  useEffect(() => {
    const next = typed || null;
    if (next === written.current) return;
    const timer = setTimeout(() => {
      written.current = next;
      setQ(next);
    }, TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [typed, setQ]);

  const needle = (q ?? '').trim();
  const search = useInfiniteQuery({ ...modelSearchOptions(needle), placeholderData: keepPreviousData });
  const models = search.data?.pages.flatMap((page) => page.items) ?? [];
  const status = search.isPending ? 'loading' : search.isError && !search.data ? 'error' : search.isPlaceholderData ? 'stale' : 'ready';

  return (
    <div className="page-body registry-page" data-status={status} data-filter={needle}>
      <div className="page-head">
        <h1>Registered models</h1>
        <input
          type="search"
          className="narrow-input"
          placeholder="Filter by name"
          aria-label="Filter registered models by name"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
      </div>
      <p className="muted">
        Register a model version from a run with an MLflow client (<code>mlflow.register_model</code>), or upload an ONNX model with its MLM metadata to a
        project.
      </p>
      {search.isPending ? (
        <Loading label="Loading registered models…" />
      ) : search.isError && !search.data ? (
        // A failed later page keeps the rows already shown (below); only a failed first page replaces them.
        <ErrorMessage error={search.error} title="Could not list registered models" />
      ) : models.length === 0 ? (
        <Empty>{needle ? `No registered model name contains “${needle}”.` : 'No registered models yet.'}</Empty>
      ) : (
        <>
          <div className={`table-scroll${search.isPlaceholderData ? ' is-stale' : ''}`}>
            <table className="data-table registry-table" aria-label="Registered models">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Latest versions</th>
                  <th>Aliases</th>
                  <th>Last updated</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {models.map((model) => (
                  <ModelRow key={model.name} model={model} />
                ))}
              </tbody>
            </table>
          </div>
          <div className="toolbar">
            <span className="table-summary">
              {models.length} registered model{models.length === 1 ? '' : 's'}
              {search.hasNextPage ? ', more on the server' : ''}
            </span>
            {search.hasNextPage && (
              <button type="button" className="secondary" disabled={search.isFetchingNextPage} onClick={() => void search.fetchNextPage()}>
                {search.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            )}
          </div>
          {search.isFetchNextPageError && <ErrorMessage error={search.error} title="Could not load more registered models" />}
        </>
      )}
    </div>
  );
}

/** One registered model's row. */
function ModelRow({ model }: { model: WireRegisteredModel }) {
  // Highest version first, so the newest work leads.
  const latest = [...(model.latest_versions ?? [])].sort((a, b) => Number(b.version) - Number(a.version));
  return (
    <tr data-model={model.name}>
      <td className="registry-name">
        <Link to={modelPath(model.name)}>{model.name}</Link>
      </td>
      <td>
        <span className="chip-list">
          {latest.map((v) => (
            <Link key={v.version} to={versionPath(model.name, v.version)} className="version-chip" title={`Version ${v.version}, ${v.current_stage ?? 'None'}`}>
              v{v.version} <StageBadge stage={v.current_stage} />
            </Link>
          ))}
          {latest.length === 0 && <span className="muted">no versions</span>}
        </span>
      </td>
      <td>
        <span className="chip-list">
          {(model.aliases ?? []).map((a) => (
            <AliasChip key={a.alias} alias={a.alias} version={a.version} to={versionPath(model.name, a.version)} />
          ))}
        </span>
      </td>
      <td className="nowrap">{formatTime(model.last_updated_timestamp)}</td>
      <td className="muted registry-description" title={model.description}>
        {model.description}
      </td>
    </tr>
  );
}
