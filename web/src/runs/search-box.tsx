/**
 * The runs search box: MLflow's filter grammar (`metrics.acc > 0.9 and params.model = 'unet'`) or
 * plain words for run names. It searches on Enter, not on every key, since each search is a query
 * on the server.
 */
import { useEffect, useState, type FormEvent } from 'react';

export function SearchBox({ value, onSearch, error }: { value: string; onSearch(text: string): void; error?: string }) {
  const [draft, setDraft] = useState(value);
  // A new URL (back button, a shared link) replaces what was typed.
  useEffect(() => setDraft(value), [value]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(draft.trim());
  };
  return (
    <form className="search-box" role="search" onSubmit={submit}>
      <input
        type="search"
        name="filter"
        aria-label="Filter runs"
        placeholder="metrics.accuracy > 0.9 and params.model = 'unet'   (or words in a run name)"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'search-error' : undefined}
      />
      <button type="submit">Search</button>
      {value && (
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setDraft('');
            onSearch('');
          }}
        >
          Clear
        </button>
      )}
      {error && (
        <p className="search-error" id="search-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
