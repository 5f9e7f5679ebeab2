#!/usr/bin/env python3
"""How much the PyTorch script's truncation changes a test score (an investigation of issue 17's gap).

The script (../shared/reference/torch/torch_ner.py) keeps each sentence's words only while their
pieces fit in max-len, and scores the kept words only; ner windows long sentences and scores every
word. Given ner's predictions ("token gold predicted" columns, from `ner eval --model … --output`),
this writes the same file cut the way the script cuts (its own tokenizer, its own rule), so
`ner eval --predictions` on both files shows the scoring part of the difference.

usage: scripts/truncation-effect.py PREDICTIONS MODEL_DIR OUT [--max-len 128] [--reference DIR]
"""
import argparse, os, sys

ap = argparse.ArgumentParser()
ap.add_argument('predictions'); ap.add_argument('model'); ap.add_argument('out')
ap.add_argument('--max-len', type=int, default=128)
ap.add_argument('--reference', default=os.path.join(os.path.dirname(__file__), '../../shared/reference/torch'))
a = ap.parse_args()
sys.path.insert(0, a.reference)
from tok import load_vocab, basic, wordpiece  # the script's own tokenizer

vocab = load_vocab(os.path.join(a.model, 'vocab.txt'))

def kept(words):
    """Words the script keeps: torch_ner.py featurize()'s rule, [CLS] + pieces + [SEP] within max-len."""
    n_ids = 1
    for i, w in enumerate(words):
        pieces = [p for b in basic(w) for p in wordpiece(b, vocab)] or [vocab['[UNK]']]
        if n_ids + len(pieces) >= a.max_len - 1:
            return i
        n_ids += len(pieces)
    return len(words)

sentences, cur = [], []
for line in open(a.predictions, encoding='utf-8'):
    if line.strip():
        cur.append(line)
    elif cur:
        sentences.append(cur); cur = []
if cur:
    sentences.append(cur)
cut = 0
with open(a.out, 'w', encoding='utf-8') as f:
    for s in sentences:
        k = kept([l.split()[0] for l in s])
        cut += len(s) - k
        f.write(''.join(s[:k]) + '\n')
print(f'{len(sentences)} sentences, {cut} words beyond max-len {a.max_len} dropped', file=sys.stderr)
