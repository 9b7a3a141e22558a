/**
 * The top-level sections in the top bar. The model registry and projects (prediction maps) join
 * this list when their pages land.
 */
export interface Section {
  path: string;
  label: string;
}

export const SECTIONS: readonly Section[] = [{ path: '/experiments', label: 'Experiments' }];
