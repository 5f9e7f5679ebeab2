/**
 * Every default of the tool lives here; commands read them from this file only, so `--help`,
 * saved configs and behaviour cannot disagree.
 */
export const EVAL_DEFAULTS = {
  /** seqeval mode: `default` behaves like conlleval.pl; `strict` follows the scheme's patterns. */
  mode: 'default',
  /** Decimals in the text report (JSON always carries full precision). */
  digits: 4,
} as const;
