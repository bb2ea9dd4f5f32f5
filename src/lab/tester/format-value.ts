/** Renders a command as Go's %v would for the lab's values: numbers and strings bare, anything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === undefined || value === null) return '<nil>';
  return JSON.stringify(value);
}
