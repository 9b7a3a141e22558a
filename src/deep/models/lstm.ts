/** An LSTM classifier of per-pixel time series: [T, F] (time steps by bands) in, one class out. */
import type { ModelSpec } from './spec.js';

export interface LstmOptions {
  /** Bands (features) per time step. */
  features: number;
  timesteps: number;
  classes: number;
  hidden?: number;
  layers?: number;
}

/** The spec of a stacked LSTM whose last hidden state feeds a linear classifier. */
export function lstm(options: LstmOptions): ModelSpec {
  const { features, timesteps, classes, hidden = 64, layers = 2 } = options;
  return {
    arch: 'lstm',
    task: 'classification',
    inputShape: [timesteps, features],
    classes,
    nodes: [
      { name: 'lstm', op: 'lstm', in: features, hidden, layers },
      { name: 'classifier', op: 'linear', in: hidden, out: classes },
    ],
  };
}
