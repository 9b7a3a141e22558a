/**
 * A registered model (`/models/:name`): its description, aliases and tags, then its versions, newest
 * first, with their stage, aliases, status and source run. Versions come from `model-versions/search`
 * a page at a time, so a model retrained every night stays quick to open.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import type { WireModelVersion, WireRegisteredModel } from '../api/registry';
import { formatTime } from '../lib/format';
import { Empty, ErrorMessage, Loading } from '../ui/status';
import { modelVersionsQuery, registeredModelQuery } from './registry-queries';
import { AliasChip, RegistryError, SourceRunLink, StageBadge, VersionStatus, versionPath } from './registry-ui';
import { DescriptionEditor } from './description-editor';
import { TagEditor } from './tag-editor';
import './registry.css';

type VersionSearch = ReturnType<typeof useVersionSearch>;

/** The model's versions, paged (a hook, so its result type can be named). */
function useVersionSearch(name: string) {
  return useInfiniteQuery(modelVersionsQuery(name));
}

export function ModelPage() {
  const name = useParams().name!;
  const model = useQuery(registeredModelQuery(name));
  // Asked at once, beside the model, not after it arrives.
  const versions = useVersionSearch(name);

  return (
    <div className="page-body registry-page" data-status={model.isPending ? 'loading' : model.isError ? 'error' : 'ready'}>
      {model.isPending ? (
        <Loading label="Loading the registered model…" />
      ) : model.isError ? (
        <RegistryError error={model.error} what="Registered model" title="Could not load this registered model" />
      ) : (
        <ModelView model={model.data} versions={versions} />
      )}
    </div>
  );
}

function ModelView({ model, versions }: { model: WireRegisteredModel; versions: VersionSearch }) {
  const aliases = model.aliases ?? [];
  return (
    <>
      <div className="page-head">
        <nav className="breadcrumbs" aria-label="Breadcrumbs">
          <Link to="/models">Registered models</Link> /
        </nav>
        <h1>{model.name}</h1>
        <dl className="facts">
          <dt>Created</dt>
          <dd>{formatTime(model.creation_timestamp)}</dd>
          <dt>Last updated</dt>
          <dd>{formatTime(model.last_updated_timestamp)}</dd>
          {model.user_id && (
            <>
              <dt>Owner</dt>
              <dd>{model.user_id}</dd>
            </>
          )}
        </dl>
      </div>
      <div className="overview-grid">
        <section>
          <h2>Description</h2>
          <DescriptionEditor target={{ name: model.name }} description={model.description} />
        </section>
        <section>
          <h2>Aliases</h2>
          {aliases.length === 0 ? (
            <Empty>No aliases. Set one on a version's page.</Empty>
          ) : (
            <ul className="alias-list" aria-label="Aliases">
              {aliases.map((a) => (
                <li key={a.alias}>
                  <AliasChip alias={a.alias} />
                  <span aria-hidden="true">→</span>
                  <Link to={versionPath(model.name, a.version)}>Version {a.version}</Link>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section>
          <h2>Tags</h2>
          <TagEditor target={{ name: model.name }} tags={model.tags ?? []} />
        </section>
      </div>
      <h2>Versions</h2>
      <VersionsTable search={versions} />
    </>
  );
}

/** The model's versions, newest first, a page at a time. */
function VersionsTable({ search }: { search: VersionSearch }) {
  if (search.isPending) return <Loading label="Loading versions…" />;
  if (search.isError && !search.data) return <ErrorMessage error={search.error} title="Could not list the versions" />;
  const versions = search.data.pages.flatMap((page) => page.items);
  if (versions.length === 0) return <Empty>No versions yet. Register one from a run.</Empty>;
  return (
    <>
      <div className="table-scroll">
        <table className="data-table registry-table" aria-label="Versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Stage</th>
              <th>Aliases</th>
              <th>Created</th>
              <th>Status</th>
              <th>Source run</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <VersionRow key={v.version} version={v} />
            ))}
          </tbody>
        </table>
      </div>
      {search.hasNextPage && (
        <div className="toolbar">
          <button type="button" className="secondary" disabled={search.isFetchingNextPage} onClick={() => void search.fetchNextPage()}>
            {search.isFetchingNextPage ? 'Loading…' : 'Load more versions'}
          </button>
        </div>
      )}
      {search.isFetchNextPageError && <ErrorMessage error={search.error} title="Could not load more versions" />}
    </>
  );
}

function VersionRow({ version: v }: { version: WireModelVersion }) {
  return (
    <tr data-version={v.version}>
      <td className="nowrap">
        <Link to={versionPath(v.name, v.version)}>Version {v.version}</Link>
      </td>
      <td>
        <StageBadge stage={v.current_stage} />
      </td>
      <td>
        <span className="chip-list">
          {(v.aliases ?? []).map((alias) => (
            <AliasChip key={alias} alias={alias} />
          ))}
        </span>
      </td>
      <td className="nowrap">{formatTime(v.creation_timestamp)}</td>
      <td>
        <VersionStatus version={v} />
      </td>
      <td>
        <SourceRunLink version={v} />
      </td>
      <td className="muted registry-description" title={v.description}>
        {v.description}
      </td>
    </tr>
  );
}
