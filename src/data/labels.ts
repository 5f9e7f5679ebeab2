/**
 * Entity labels: `O`, or a one-letter position prefix, `-`, and a type (`B-PER`, `I-ORG`).
 * Prefixes across the supported schemes: B I E S (IOBES), M (BMES), L U (BILOU).
 */
export const PREFIXES = ['B', 'I', 'E', 'S', 'M', 'L', 'U'] as const;
export type Prefix = (typeof PREFIXES)[number];

export interface ParsedLabel {
  /** 'O' for outside, else the position prefix. */
  prefix: Prefix | 'O';
  /** Entity type; '' for `O`. May contain '-' (`B-LOC-GPE` has type `LOC-GPE`). */
  type: string;
}

const PREFIX_SET: ReadonlySet<string> = new Set(PREFIXES);

/** Parses a label, or returns a message saying what is wrong and what is expected. */
export function parseLabel(label: string): ParsedLabel | string {
  if (label === 'O') return { prefix: 'O', type: '' };
  const expected = "expected 'O' or a prefix B/I/E/S/M/L/U, '-', and a type (e.g. B-PER)";
  if (label.length === 0) return `empty label; ${expected}`;
  const dash = label.indexOf('-');
  if (dash === 1 && PREFIX_SET.has(label[0]!)) {
    if (label.length === 2) return `label '${label}' has no entity type; ${expected}`;
    return { prefix: label[0] as Prefix, type: label.slice(2) };
  }
  if (/^[BIESMLU][_.:=]/.test(label)) {
    return `label '${label}' separates prefix and type with '${label[1]}'; write '${label[0]}-${label.slice(2)}'`;
  }
  const suffixStyle = /^(.+)-([BIESMLU])$/.exec(label);
  if (suffixStyle) {
    return `label '${label}' puts the prefix last; write '${suffixStyle[2]}-${suffixStyle[1]}'`;
  }
  if (/^[bieslmu]-/.test(label)) {
    return `label '${label}' has a lower-case prefix; write '${label[0]!.toUpperCase()}${label.slice(1)}'`;
  }
  if (dash > 0) return `label '${label}' has unknown prefix '${label.slice(0, dash)}'; ${expected}`;
  if (label === 'o' || label === '0') return `label '${label}' is not 'O' (capital letter O); ${expected}`;
  return `label '${label}' has no prefix; ${expected}`;
}

/** The entity type of a label, '' for O. Assumes a valid label. */
export function labelType(label: string): string {
  return label === 'O' ? '' : label.slice(2);
}
