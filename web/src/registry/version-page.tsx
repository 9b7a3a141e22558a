/**
 * One model version (`/models/:name/versions/:version`): its stage, aliases, tags, description and
 * source run, forms to move it to another stage and to set or remove aliases (as MLflow's UI offers),
 * and its MLM metadata with the ONNX download (`version-mlm.tsx`).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { deleteAlias, MODEL_STAGES, setAlias, transitionStage, type ModelStage, type WireModelVersion } from '../api/registry';
import { formatTime } from '../lib/format';
import { ErrorMessage, Loading } from '../ui/status';
import { invalidateModel, modelVersionQuery, registeredModelQuery } from './registry-queries';
import { AliasChip, modelPath, RegistryError, SourceRunLink, StageBadge, VersionStatus } from './registry-ui';
import { VersionMlm } from './version-mlm';
import { DescriptionEditor } from './description-editor';
import { TagEditor } from './tag-editor';
import './registry.css';

export function VersionPage() {
  const params = useParams();
  const name = params.name!;
  const version = params.version!;
  const query = useQuery(modelVersionQuery(name, version));

  return (
    <div className="page-body registry-page" data-status={query.isPending ? 'loading' : query.isError ? 'error' : 'ready'}>
      {query.isPending ? (
        <Loading label="Loading the model version…" />
      ) : query.isError ? (
        <RegistryError error={query.error} what="Model version" title="Could not load this model version" />
      ) : (
        <VersionView version={query.data} />
      )}
    </div>
  );
}

function VersionView({ version: v }: { version: WireModelVersion }) {
  const aliases = v.aliases ?? [];
  return (
    <>
      <div className="page-head">
        <nav className="breadcrumbs" aria-label="Breadcrumbs">
          <Link to="/models">Registered models</Link> / <Link to={modelPath(v.name)}>{v.name}</Link> /
        </nav>
        <h1>
          {v.name} <span className="version-title">Version {v.version}</span>
          <StageBadge stage={v.current_stage} />
          {aliases.map((alias) => (
            <AliasChip key={alias} alias={alias} />
          ))}
        </h1>
        <dl className="facts">
          <dt>Source run</dt>
          <dd>
            <SourceRunLink version={v} />
          </dd>
          <dt>Status</dt>
          <dd>
            <VersionStatus version={v} />
          </dd>
          <dt>Created</dt>
          <dd>{formatTime(v.creation_timestamp)}</dd>
          <dt>Last updated</dt>
          <dd>{formatTime(v.last_updated_timestamp)}</dd>
          <dt>Source</dt>
          <dd className="mono">{v.source}</dd>
          {v.user_id && (
            <>
              <dt>User</dt>
              <dd>{v.user_id}</dd>
            </>
          )}
        </dl>
      </div>
      <div className="overview-grid">
        <section>
          <h2>Description</h2>
          <DescriptionEditor target={{ name: v.name, version: v.version }} description={v.description} />
          <h2>Tags</h2>
          <TagEditor target={{ name: v.name, version: v.version }} tags={v.tags ?? []} />
        </section>
        <section>
          <h2>Stage</h2>
          <StageForm version={v} />
          <h2>Aliases</h2>
          <AliasForm version={v} />
        </section>
      </div>
      <VersionMlm name={v.name} version={v.version} />
    </>
  );
}

/** Moves the version to another stage, optionally archiving the versions already there. */
function StageForm({ version: v }: { version: WireModelVersion }) {
  const client = useQueryClient();
  const current = v.current_stage ?? 'None';
  const [stage, setStage] = useState<ModelStage>(current);
  const [archiveExisting, setArchiveExisting] = useState(false);
  // After a transition (here or elsewhere) the form starts again from the version's stage.
  useEffect(() => setStage(current), [current]);
  const active = stage === 'Staging' || stage === 'Production';
  const transition = useMutation({
    mutationFn: () => transitionStage(v.name, v.version, stage, active && archiveExisting),
    onSuccess: async () => {
      setArchiveExisting(false);
      await invalidateModel(client, v.name);
    },
  });
  const id = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    transition.mutate();
  };
  return (
    <form className="registry-form" onSubmit={submit} aria-label="Stage transition">
      <div className="toolbar">
        <label htmlFor={`${id}-stage`}>Move to</label>
        <select id={`${id}-stage`} value={stage} onChange={(e) => setStage(e.target.value as ModelStage)}>
          {MODEL_STAGES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="submit" disabled={stage === current || transition.isPending}>
          {transition.isPending ? 'Moving…' : 'Transition'}
        </button>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={active && archiveExisting} disabled={!active} onChange={(e) => setArchiveExisting(e.target.checked)} />
        Archive the other versions in {active ? stage : 'Staging or Production'}
      </label>
      {transition.isError && <ErrorMessage error={transition.error} title="Could not change the stage" />}
    </form>
  );
}

/** Sets aliases on the version (moving them from any other version) and removes them. */
function AliasForm({ version: v }: { version: WireModelVersion }) {
  const client = useQueryClient();
  const [alias, setAliasText] = useState('');
  const aliases = v.aliases ?? [];
  // The model's aliases on other versions, offered as suggestions: moving `champion` is the usual step.
  const model = useQuery(registeredModelQuery(v.name));
  const elsewhere = (model.data?.aliases ?? []).filter((a) => a.version !== v.version);
  const set = useMutation({
    mutationFn: (name: string) => setAlias(v.name, name, v.version),
    onSuccess: async () => {
      setAliasText('');
      await invalidateModel(client, v.name);
    },
  });
  const remove = useMutation({ mutationFn: (name: string) => deleteAlias(v.name, name), onSuccess: () => invalidateModel(client, v.name) });
  const id = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = alias.trim();
    if (name) set.mutate(name);
  };
  return (
    <div className="registry-form">
      {aliases.length === 0 ? (
        <p className="muted">This version has no aliases.</p>
      ) : (
        <ul className="chip-list alias-edit-list" aria-label="Aliases of this version">
          {aliases.map((a) => (
            <li key={a} className="alias-chip" data-alias={a}>
              @{a}
              <button type="button" className="chip-remove" aria-label={`Remove alias ${a}`} title={`Remove alias ${a}`} disabled={remove.isPending} onClick={() => remove.mutate(a)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="toolbar" onSubmit={submit} aria-label="Set an alias">
        <label htmlFor={`${id}-alias`}>Alias</label>
        <input id={`${id}-alias`} type="text" list={`${id}-known`} placeholder="e.g. champion" value={alias} onChange={(e) => setAliasText(e.target.value)} autoComplete="off" />
        <datalist id={`${id}-known`}>
          {elsewhere.map((a) => (
            <option key={a.alias} value={a.alias}>{`now on version ${a.version}`}</option>
          ))}
        </datalist>
        <button type="submit" disabled={!alias.trim() || set.isPending}>
          {set.isPending ? 'Setting…' : 'Set alias'}
        </button>
      </form>
      <p className="hint">An alias names one version: setting one that names another version moves it here.</p>
      {set.isError && <ErrorMessage error={set.error} title="Could not set the alias" />}
      {remove.isError && <ErrorMessage error={remove.error} title="Could not remove the alias" />}
    </div>
  );
}
