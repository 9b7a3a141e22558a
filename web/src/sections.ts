/** The top-level sections in the top bar. */
export interface Section {
  path: string;
  label: string;
}

export const SECTIONS: readonly Section[] = [
  { path: '/experiments', label: 'Experiments' },
  { path: '/models', label: 'Models' },
  { path: '/projects', label: 'Projects' },
];
