/** Mounts the app on the page `index.html` serves. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import { App, createApp } from './app';
import './ui/styles.css';

// Made before rendering, so the first requests leave while React renders.
const app = createApp();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App app={app} />
  </StrictMode>,
);
