/** How numbers, times and durations read everywhere in the UI. */

const numberFormat = new Intl.NumberFormat('en', { maximumSignificantDigits: 6 });
const dateTimeFormat = new Intl.DateTimeFormat('en-CA', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** A metric value: six significant digits, NaN and infinities spelled out. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  return Math.abs(value) >= 1e-4 || value === 0 ? numberFormat.format(value) : value.toExponential(3);
}

/** A millisecond timestamp as local `YYYY-MM-DD, HH:MM:SS`. */
export function formatTime(ms: number | undefined): string {
  return ms === undefined ? '' : dateTimeFormat.format(new Date(ms));
}

/** A duration between two millisecond timestamps, e.g. `3m 12s`. */
export function formatDuration(start: number | undefined, end: number | undefined): string {
  if (start === undefined || end === undefined) return '';
  let seconds = Math.max(0, Math.round((end - start) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  if (seconds && parts.length < 2) parts.push(`${seconds}s`);
  return parts.slice(0, 2).join(' ');
}

/** A byte count, e.g. `12.3 KiB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
