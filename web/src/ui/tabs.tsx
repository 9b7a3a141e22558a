/** Tabs whose choice is the `tab` URL parameter, so a shared link opens the same tab. */
import { useUrlParam } from '../lib/url-state';

export interface Tab {
  id: string;
  label: string;
}

/** The chosen tab id (the first tab when the URL names none or an unknown one). */
export function useTab(tabs: readonly Tab[]): [string, (id: string) => void] {
  const [tab, setTab] = useUrlParam('tab');
  const current = tabs.some((t) => t.id === tab) ? tab! : tabs[0].id;
  return [current, (id) => setTab(id === tabs[0].id ? null : id)];
}

export function TabBar({ tabs, current, onChange, label }: { tabs: readonly Tab[]; current: string; onChange(id: string): void; label: string }) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t) => (
        <button key={t.id} type="button" role="tab" aria-selected={t.id === current} className={t.id === current ? 'active' : ''} onClick={() => onChange(t.id)}>
          {t.label}
        </button>
      ))}
    </div>
  );
}
