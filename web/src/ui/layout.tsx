/** The frame of every page: the top bar with the sections of the app, and the page below it. */
import { NavLink, Outlet } from 'react-router';
import { SECTIONS } from '../sections';

export function Layout() {
  return (
    <div className="app">
      <header className="topbar">
        <NavLink to="/" className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          tileflow
        </NavLink>
        <nav aria-label="Sections">
          {SECTIONS.map((section) => (
            <NavLink key={section.path} to={section.path}>
              {section.label}
            </NavLink>
          ))}
        </nav>
        <a className="topbar-docs" href="/docs">
          API docs
        </a>
      </header>
      <main className="page">
        <Outlet />
      </main>
    </div>
  );
}
