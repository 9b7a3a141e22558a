/**
 * What the projects pages read from a model version's MLM STAC item: its tasks, its output classes
 * with their colours (`classification:classes`, `color_hint` as `rrggbb`) and the zoom it predicts at
 * (`tileflow:zoom`). The item is untyped JSON, so every field is checked before use.
 */
import type { PredictionClass } from '../api/predict';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The item's properties (the item as the server stores it, or already its properties). */
function propertiesOf(mlm: Json): Json {
  return isObject(mlm.properties) ? mlm.properties : mlm;
}

/** The model's tasks, e.g. `['semantic-segmentation']`. */
export function modelTasks(mlm: Json): string[] {
  const tasks = propertiesOf(mlm)['mlm:tasks'];
  return Array.isArray(tasks) ? tasks.filter((t): t is string => typeof t === 'string') : [];
}

/** The first output's classes; a class without a usable `color_hint` gets a grey. */
export function modelClasses(mlm: Json): PredictionClass[] {
  const outputs = propertiesOf(mlm)['mlm:output'];
  const first = Array.isArray(outputs) && isObject(outputs[0]) ? outputs[0] : undefined;
  const classes = first?.['classification:classes'];
  if (!Array.isArray(classes)) return [];
  return classes.filter(isObject).map((c, i) => {
    const hint = typeof c.color_hint === 'string' ? c.color_hint.replace(/^#/, '') : '';
    return {
      index: typeof c.value === 'number' ? c.value : i,
      name: typeof c.name === 'string' ? c.name : String(c.value ?? i),
      color: /^[0-9a-f]{6}$/i.test(hint) ? `#${hint.toLowerCase()}` : '#9aa5ae',
    };
  });
}

/** The zoom the model predicts at by default, when its item says. */
export function modelZoom(mlm: Json): number | undefined {
  const zoom = propertiesOf(mlm)['tileflow:zoom'];
  return typeof zoom === 'number' && Number.isInteger(zoom) ? zoom : undefined;
}
