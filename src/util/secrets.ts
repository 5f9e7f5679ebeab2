/**
 * Secrets the process must never print (a queue's password): every line the grid commands write
 * and every error the CLI reports passes through `redact`, so a library message that happens to
 * echo a connection string cannot leak one either.
 */
const secrets = new Set<string>();

/** Registers a secret in all the spellings it may appear in (as given, percent-encoded, decoded). */
export function addSecret(secret: string): void {
  if (!secret) return;
  secrets.add(secret);
  secrets.add(encodeURIComponent(secret));
  try {
    secrets.add(decodeURIComponent(secret));
  } catch {
    // not valid percent-encoding: the raw form is registered already
  }
}

/** `text` with every registered secret replaced by `***`. */
export function redact(text: string): string {
  let out = text;
  // Longest first: a secret that contains another is masked whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}
