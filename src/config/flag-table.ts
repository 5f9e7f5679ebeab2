import { flagOf, shownDefault, TRAIN_KEYS, TRAIN_SETTINGS, type Setting } from './schema.js';

/** README's table of `ner train` flags, derived from the settings table (a test keeps README in step). */
export function trainFlagTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = TRAIN_KEYS.map((key) => {
    const r = TRAIN_SETTINGS[key] as Setting<unknown>;
    const arg = r.type.arg ? ` ${r.type.arg}` : '';
    return `| \`${flagOf(key)}${cell(arg)}\` | ${r.required ? '(required)' : cell(shownDefault(r))} | ${cell(r.help)} |`;
  });
  return ['| flag | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
