import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { formatConllSentence, readCorpus } from '../../src/data/conll.js';
import { convertLabels } from '../../src/data/schemes.js';
import { camelKeys } from '../../src/util/json-keys.js';
import { ROOT, runCli, tempDir } from '../helpers.js';

const CONFIG = join(ROOT, 'configs', 'debug-tiny.json');
const work = tempDir('ner-cli-');
const trained = join(work, 'model');

test('ner train --patience stops after that many epochs without a better dev F1; a tie keeps the later model', () => {
  // A learning rate of 1e-30 leaves every float32 weight as it was, so dev F1 never improves after epoch 1.
  const out = join(work, 'patience');
  const r = runCli(['train', '--config', CONFIG, '--out', out, '--epochs', '6', '--patience', '2', '--lr', '1e-30', '--head-lr', '1e-30', '--train-limit', '64', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no better dev F1 for 2 epoch\(s\): stopping early/);
  assert.match(r.stderr, /data: scheme IOB2 \(detected\), 9 labels\n  train .*train\.txt: 64 sentences, \d+ tokens, \d+ longer than --max-len 48 \(windowed\); LOC \d+/, 'a data summary when training starts');
  const epochs = readFileSync(join(out, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.type === 'epoch');
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3]);
  assert.equal(new Set(epochs.map((e) => e.dev_f1)).size, 1);
  assert.equal(JSON.parse(r.stdout).best_epoch, 3, 'ties go to the later epoch');
});

describe('ner train / eval --model / predict (configs/debug-tiny.json)', () => {
  before(() => {
    const r = runCli(['train', '--config', CONFIG, '--out', trained, '--json']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('train writes the model folder: config, weights, tokenizer, metrics, log, state', () => {
    for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json', 'metrics.json', 'train_log.jsonl', 'state/trainer.json', 'state/weights.safetensors', 'state/optimizer.safetensors']) {
      assert.ok(existsSync(join(trained, f)), f);
    }
    const config = JSON.parse(readFileSync(join(trained, 'config.json'), 'utf8'));
    assert.equal(config.ner.config.optimizer, 'adamw', 'the resolved config is saved with the model');
    assert.equal(config.ner.config.max_batch_pieces, 1536, 'defaults are resolved into it');
    assert.deepEqual(Object.values(config.id2label)[0], 'O');
    const log = readFileSync(join(trained, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(log.some((r) => r.type === 'step' && typeof r.loss === 'number' && typeof r.lr === 'number' && r.tokens_per_second > 0));
    assert.equal(log.filter((r) => r.type === 'epoch').length, 2);
    assert.ok(log.filter((r) => r.type === 'epoch').every((r) => typeof r.dev_f1 === 'number'));
  });

  test('ner eval --model gives the same numbers as the training run’s final eval', () => {
    const metrics = JSON.parse(readFileSync(join(trained, 'metrics.json'), 'utf8'));
    const r = runCli(['eval', '--model', trained, '--data', join(ROOT, 'data', 'sample-en', 'test.txt'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout);
    assert.equal(e.micro.f1, metrics.test.f1);
    assert.equal(e.micro.precision, metrics.test.precision);
    assert.equal(e.micro.recall, metrics.test.recall);
  });

  test('eval --model on BMES data: token accuracy and entity scores are those of the --output file, in the data’s scheme', async () => {
    const bmes = join(work, 'test-bmes.txt');
    const sentences = await readCorpus(join(ROOT, 'data', 'sample-en', 'test.txt'), 'labelled');
    writeFileSync(bmes, sentences.map((s) => formatConllSentence(s.tokens, [convertLabels(s.labels, 'BMES')])).join(''));
    const output = join(work, 'test-bmes.pred.txt');
    const r = runCli(['eval', '--model', trained, '--data', bmes, '--output', output, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const model = JSON.parse(r.stdout);
    assert.match(readFileSync(output, 'utf8'), /[BMES]-\w+ [BMES]-\w+\n/, 'the output file is in BMES');
    const conll = JSON.parse(runCli(['eval', '--predictions', output, '--json', '--mode', 'conlleval']).stdout);
    assert.equal(model.accuracy, conll.accuracy, 'token accuracy as conlleval computes it on the output file');
    const file = JSON.parse(runCli(['eval', '--predictions', output, '--json']).stdout);
    assert.equal(model.micro.f1, file.micro.f1, 'entity F1 as default mode reads the output file');
  });

  test('every JSON file of the run folder, and the --json result, has snake_case keys; a model folder with the old camelCase keys still loads', () => {
    const camel = (v: unknown, path: string, found: string[]) => {
      if (Array.isArray(v)) v.forEach((x) => camel(x, path, found));
      else if (typeof v === 'object' && v !== null)
        for (const [k, x] of Object.entries(v)) {
          if (/^[a-z]+[A-Z]/.test(k)) found.push(`${path}.${k}`);
          if (!['per_type', 'id2label', 'label2id'].includes(k)) camel(x, `${path}.${k}`, found);
        }
      return found;
    };
    const read = (f: string) => JSON.parse(readFileSync(join(trained, f), 'utf8'));
    const found: string[] = [];
    for (const f of ['metrics.json', 'config.json', 'state/trainer.json', 'tokenizer_config.json']) camel(read(f), f, found);
    readFileSync(join(trained, 'train_log.jsonl'), 'utf8').trim().split('\n').forEach((l) => camel(JSON.parse(l), 'train_log.jsonl', found));
    assert.deepEqual(found, []);
    const old = join(work, 'old-keys');
    cpSync(trained, old, { recursive: true });
    const config = read('config.json');
    writeFileSync(join(old, 'config.json'), JSON.stringify({ ...config, ner: camelKeys(config.ner) }));
    assert.equal(JSON.parse(readFileSync(join(old, 'config.json'), 'utf8')).ner.config.maxBatchPieces, 1536, 'the copy has camelCase keys');
    const r = runCli(['eval', '--model', old, '--data', join(ROOT, 'data', 'sample-en', 'test.txt'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).micro.f1, read('metrics.json').test.f1);
  });

  test('ner predict: JSONL entities whose offsets slice the text exactly; stdin; CoNLL output', () => {
    const input = join(work, 'in.txt');
    const lines = ['John Smith met Reuters officials in London on Monday.', '', 'Mary Garcia, a spokesman for the World Bank, declined to comment!'];
    writeFileSync(input, lines.join('\n') + '\n');
    const r = runCli(['predict', '--model', trained, '--input', input]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; entities: { type: string; start: number; end: number; text: string; score: number }[] });
    assert.equal(out.length, 3, 'one line per input line, empty ones included');
    out.forEach((o, i) => {
      assert.equal(o.text, lines[i]);
      for (const e of o.entities) {
        assert.equal(o.text.slice(e.start, e.end), e.text);
        assert.ok(e.score > 0 && e.score <= 1);
      }
    });
    const stdin = runCli(['predict', '--model', trained, '--input', '-'], { input: lines[0] + '\n' });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.deepEqual(JSON.parse(stdin.stdout), out[0]);
    const conll = runCli(['predict', '--model', trained, '--input', input, '--format', 'conll']);
    assert.equal(conll.code, 0);
    assert.match(conll.stdout, /^John [BIO]/);
  });

  test('predict --input-format conll appends a label to each token line (columns kept), the labels eval --model gives', () => {
    const data = join(ROOT, 'data', 'sample-en', 'test.txt');
    const r = runCli(['predict', '--model', trained, '--input', data, '--input-format', 'conll']);
    assert.equal(r.code, 0, r.stderr);
    const input = readFileSync(data, 'utf8').split('\n');
    const output = r.stdout.split('\n');
    assert.equal(output.length, input.length, 'one output line per input line');
    const evalOut = join(work, 'eval-out.txt');
    assert.equal(runCli(['eval', '--model', trained, '--data', data, '--output', evalOut]).code, 0);
    const evalLines = readFileSync(evalOut, 'utf8').split('\n').filter((l) => l.trim());
    const tokenLines = output.filter((l) => l.trim());
    assert.equal(tokenLines.length, evalLines.length);
    tokenLines.forEach((l, i) => {
      const [token, gold, predicted] = l.split(' ');
      assert.deepEqual([token, gold, predicted], evalLines[i]!.split(' '), `line ${i}`);
    });
  });

  test('predict with several inputs names the file of each result (jsonl "file"; -DOCSTART- lines in CoNLL)', () => {
    const a = join(work, 'a.txt');
    const b = join(work, 'b.txt');
    writeFileSync(a, 'John lives in Paris.\n');
    writeFileSync(b, 'Mary works at Reuters.\nBye.\n');
    const r = runCli(['predict', '--model', trained, '--input', a, b]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).file), [a, b, b]);
    const one = runCli(['predict', '--model', trained, '--input', a]);
    assert.equal(JSON.parse(one.stdout).file, undefined, 'one input: no file key');
    const conll = runCli(['predict', '--model', trained, '--input', a, b, '--format', 'conll']);
    assert.match(conll.stdout, new RegExp(`^-DOCSTART- ${a}\n\nJohn `));
    assert.ok(conll.stdout.includes(`-DOCSTART- ${b}\n\nMary `));
  });

  test('a 2,000-character Chinese line is fully tagged (windows stitched, no character dropped)', () => {
    const text = '中华人民共和国国务院总理在北京人民大会堂会见了外国代表团，双方就经济合作交换了意见。'.repeat(50).slice(0, 2000);
    const input = join(work, 'long.txt');
    writeFileSync(input, text + '\n');
    const conll = runCli(['predict', '--model', trained, '--input', input, '--format', 'conll']);
    assert.equal(conll.code, 0, conll.stderr);
    const tokens = conll.stdout.split('\n').filter((l) => l.trim() !== '');
    assert.equal(tokens.length, 2000, 'one labelled line per character');
    assert.equal(tokens.map((l) => l.split(' ')[0]).join(''), text);
    const json = runCli(['predict', '--model', trained, '--input', input]);
    const [o] = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    for (const e of o.entities) assert.equal(text.slice(e.start, e.end), e.text);
  });

  test('--eval-every N logs dev points between epoch ends and trains exactly the same weights', () => {
    const out = join(work, 'eval-every');
    const r = runCli(['train', '--config', CONFIG, '--out', out, '--eval-every', '7', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const log = readFileSync(join(out, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const perEpoch = log.filter((x) => x.type === 'epoch').map((x) => x.step as number);
    const points = log.filter((x) => x.type === 'dev');
    const expected = Array.from({ length: perEpoch.at(-1)! }, (_, i) => i + 1).filter((s) => s % 7 === 0 && !perEpoch.includes(s));
    assert.deepEqual(points.map((x) => x.step), expected, 'a point every 7 steps, none where the epoch end scores anyway');
    for (const x of points) assert.ok(x.dev_f1 >= 0 && x.dev_f1 <= 1 && x.dev_precision >= 0 && x.dev_recall >= 0, JSON.stringify(x));
    assert.match(r.stderr, /step 7: dev P [\d.]+ R [\d.]+ F1 [\d.]+/);
    const bytes = (dir: string) => readFileSync(join(dir, 'model.safetensors'));
    assert.ok(bytes(out).equals(bytes(trained)), 'the dev points changed what was trained');
  });

  test('SIGKILL mid-epoch, then --resume: the final weights equal an uninterrupted run’s, bit for bit', async () => {
    const killed = join(work, 'killed');
    const flags = ['train', '--config', CONFIG, '--epochs', '3', '--save-every', '3'];
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'ner.js'), ...flags, '--out', killed], { cwd: ROOT, stdio: 'ignore' });
    const trainerJson = join(killed, 'state', 'trainer.json');
    let killedAt: { step: number; batch_in_epoch: number } | undefined;
    const deadline = Date.now() + 60_000;
    while (!killedAt && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
      try {
        const s = JSON.parse(readFileSync(trainerJson, 'utf8')) as { step: number; batch_in_epoch: number; epoch: number };
        if (s.batch_in_epoch > 0 && s.epoch >= 1) {
          child.kill('SIGKILL');
          killedAt = s;
        }
      } catch {
        // not written yet (or mid-rename): poll again
      }
    }
    await new Promise((r) => child.on('exit', r));
    assert.ok(killedAt, 'killed mid-epoch after a checkpoint');
    const resumed = runCli([...flags, '--out', killed, '--resume', '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const from = /resuming .* at step (\d+) \(epoch 2, batch \d+\/25\)/.exec(resumed.stderr);
    assert.ok(from, resumed.stderr);
    // Its result says where this process started, so its time and throughput are not taken for the run's.
    assert.equal((JSON.parse(resumed.stdout) as { resumed_from_step: number | null }).resumed_from_step, Number(from[1]));
    assert.equal(JSON.parse(readFileSync(join(killed, 'metrics.json'), 'utf8')).resumed_from_step, Number(from[1]));
    const straight = join(work, 'straight');
    assert.equal(runCli([...flags, '--out', straight]).code, 0);
    const bytes = (dir: string, f: string) => readFileSync(join(dir, f));
    assert.ok(bytes(killed, 'state/weights.safetensors').equals(bytes(straight, 'state/weights.safetensors')), 'final weights differ');
    assert.ok(bytes(killed, 'model.safetensors').equals(bytes(straight, 'model.safetensors')), 'best models differ');
  });

  test('a model card (README.md, Hugging Face front matter) in the run folder, and ner info [--json] saying the same', () => {
    const card = readFileSync(join(trained, 'README.md'), 'utf8');
    const config = JSON.parse(readFileSync(join(trained, 'config.json'), 'utf8'));
    const metrics = JSON.parse(readFileSync(join(trained, 'metrics.json'), 'utf8'));
    assert.match(card, /^---\nlibrary_name: ner\npipeline_tag: token-classification\n/);
    assert.ok(card.includes(`labels: [${Object.values(config.id2label).map((l) => JSON.stringify(l)).join(', ')}]`));
    assert.ok(card.includes(`- { type: f1, value: ${metrics.test.f1},`), 'test F1 in the model-index');
    assert.match(card, /\| train \| .*train\.txt \| 800 \|/);
    assert.match(card, /"max_batch_pieces": 1536/, 'the training config, snake_case');
    const info = runCli(['info', trained, '--json']);
    assert.equal(info.code, 0, info.stderr);
    const j = JSON.parse(info.stdout);
    assert.deepEqual(j.labels, Object.values(config.id2label));
    assert.equal(j.scores.test.f1, metrics.test.f1);
    assert.equal(j.data.train.sentences, 800);
    assert.equal(j.architecture.lstm_hidden, 8);
    const text = runCli(['info', trained]);
    assert.match(text.stdout, /^model: .*\narchitecture: BERT 1 layers × hidden 16 .*\+ BiLSTM 8 \+ CRF\nlabels \(9, IOB2\): O B-LOC/);
    assert.equal(runCli(['info', work]).code, 2, 'a folder that is not a model');
  });

  test('--resume on a finished run says it is finished and how to train further; --quiet leaves stderr empty', () => {
    const r = runCli(['train', '--config', CONFIG, '--out', trained, '--resume', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { resumed_from_step: number; steps: number }).resumed_from_step, JSON.parse(r.stdout).steps, 'rescoring a finished run is no run of its own');
    assert.match(r.stderr, /is a finished run \(2 of 2 epochs done, best epoch \d\): nothing is left to resume.*ner train --model .* --out NEW_DIR/);
    const quiet = runCli(['eval', '--model', trained, '--data', join(ROOT, 'data', 'sample-en', 'test.txt'), '--quiet']);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, '');
    assert.match(quiet.stdout, /^processed /);
    const errors = join(work, 'errors.txt');
    const e = runCli(['eval', '--model', trained, '--data', join(ROOT, 'data', 'sample-en', 'test.txt'), '--errors', errors, '--json']);
    assert.equal(e.code, 0, e.stderr);
    const m = JSON.parse(e.stdout).micro;
    const head = /^# (\d+) entity errors\n[\s\S]*?\ntotal +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)\n/.exec(readFileSync(errors, 'utf8'));
    assert.ok(head, 'breakdown table');
    const [, , , spurious, wrongType, wrongBoundary, both] = head.map(Number);
    assert.equal(spurious! + wrongType! + wrongBoundary! + both!, m.predicted - m.correct, 'errors on predicted entities reconcile with the scores');
  });

  test('a run folder is never overwritten: without --resume an existing run is refused (exit 2)', () => {
    const r = runCli(['train', '--config', CONFIG, '--out', trained]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /already holds a training run; pass --resume/);
  });

  test('a NaN/Inf loss stops training with exit 1, naming the step; nothing of that step is applied', () => {
    const out = join(work, 'nan');
    const r = runCli(['train', '--config', CONFIG, '--out', out, '--lr', '1e30', '--head-lr', '1e30', '--clip-norm', '0', '--optimizer', 'adam-l2', '--weight-decay', '1e30']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the loss became (NaN|Infinity|-Infinity) at step \d+ \(epoch \d\); nothing was applied from that step/);
    assert.match(r.stderr, /No state was saved before it \(the first comes after 5 steps\)\. Run again \(the same --out works\) with a lower learning rate, e\.g\. --lr 1e\+29/);
    // With a state saved before the NaN, the message points at it (it exists) and gives the resume command.
    const saved = join(work, 'nan-saved');
    const s = runCli(['train', '--config', CONFIG, '--out', saved, '--save-every', '1', '--lr', '1e30', '--head-lr', '1e30', '--clip-norm', '0', '--optimizer', 'adam-l2', '--weight-decay', '1e30']);
    assert.equal(s.code, 1, s.stderr);
    const m = /The last saved state \(step (\d+)\) is in (\S+)\. Continue from it with a lower learning rate: ner train .* --resume --lr 1e\+29 --head-lr 1e\+29/.exec(s.stderr);
    assert.ok(m, s.stderr);
    assert.equal(JSON.parse(readFileSync(join(m[2]!, 'trainer.json'), 'utf8')).step, Number(m[1]));
  });
});

test('a model trained with --token-transform strip-position-digit reads Weibo-style data the same way in eval --model', async () => {
  const sample = await readCorpus(join(ROOT, 'data', 'sample-zh', 'train.txt'), 'labelled');
  const weibo = (name: string, from: number, n: number) => {
    const path = join(work, name);
    writeFileSync(path, sample.slice(from, from + n).map((s) => formatConllSentence(s.tokens.map((t, i) => `${t}${i % 3}`), [s.labels])).join(''));
    return path;
  };
  const train = weibo('weibo-train.txt', 0, 48);
  const dev = weibo('weibo-dev.txt', 48, 16);
  const out = join(work, 'weibo');
  const flags = ['train', '--config', CONFIG, '--train', train, '--dev', dev, '--test', dev, '--out', out, '--epochs', '1'];
  const warned = runCli([...flags.slice(0, -4), '--out', join(work, 'weibo-plain'), '--epochs', '1', '--json']);
  assert.match(warned.stderr, /weibo-train\.txt: 100\.0% of tokens are one character followed by digits.*--token-transform strip-position-digit/);
  const r = runCli([...flags, '--token-transform', 'strip-position-digit', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /followed by digits/);
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).ner.config.token_transform, 'strip-position-digit');
  const e = runCli(['eval', '--model', out, '--data', dev, '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(JSON.parse(e.stdout).micro.f1, JSON.parse(r.stdout).test.f1, 'eval strips the digits as training did');
});

describe('bad input to every command exits 2 with file:line', () => {
  const bad = join(work, 'bad.txt');
  const unseen = join(work, 'unseen.txt');
  const conf = join(work, 'conf.json');

  test('train with no flags says --train is required, not that a string is empty; snake_case config keys are read', () => {
    const r = runCli(['train']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ner: --train is required \(or "train" in --config\)/);
    writeFileSync(conf, '{\n  "train": "data/sample-en/train.txt",\n  "head_lr": -1\n}\n');
    const snake = runCli(['train', '--config', conf, '--out', join(work, 'x0')]);
    assert.equal(snake.code, 2);
    assert.match(snake.stderr, new RegExp(`${conf}:3: headLr: `), 'head_lr is read as headLr, its line found');
  });

  test('train: malformed corpus, labels unseen in train, unknown config key, bad flag value', () => {
    writeFileSync(bad, 'EU B-ORG\nrejects O\n\nGerman B_MISC\n');
    let r = runCli(['train', '--config', CONFIG, '--train', bad, '--out', join(work, 'x1')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${bad}:4: bad label: label 'B_MISC' separates prefix and type with '_'`));
    writeFileSync(unseen, 'Paris B-LOC\n\nACME B-COMPANY\nInc I-COMPANY\n');
    r = runCli(['train', '--config', CONFIG, '--dev', unseen, '--out', join(work, 'x2')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${unseen}:3: entity types never seen in .*train.txt: COMPANY \\(first: COMPANY\\)`));
    writeFileSync(conf, '{\n  "train": "data/sample-en/train.txt",\n  "learningRate": 0.1\n}\n');
    r = runCli(['train', '--config', conf, '--out', join(work, 'x3')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${conf}:3: learningRate: unknown setting; known: model, `));
    r = runCli(['train', '--config', CONFIG, '--out', join(work, 'x4'), '--epochs', 'many']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--epochs: expected a number, got 'many'/);
    r = runCli(['train', '--config', CONFIG, '--out', join(work, 'x5'), '--optimizer', 'sgd']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown optimizer 'sgd'/);
  });

  test('eval --model: malformed data names file:line; predict: missing input and a non-model folder', () => {
    let r = runCli(['eval', '--model', trained, '--data', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${bad}:4: bad label`));
    r = runCli(['predict', '--model', trained, '--input', join(work, 'missing.txt')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing\.txt: no such file/);
    r = runCli(['predict', '--model', work, '--input', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a BERT model folder|not a NER model/);
    r = runCli(['eval', '--model', trained]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--model and --data go together/);
  });

  test('a model folder whose tokenizer does not fit its weights, and a resume with other data, are refused (exit 2)', () => {
    const copy = join(work, 'mixed');
    cpSync(trained, copy, { recursive: true });
    writeFileSync(join(copy, 'vocab.txt'), readFileSync(join(copy, 'vocab.txt'), 'utf8') + Array.from({ length: 50 }, (_, i) => `extra${i}`).join('\n') + '\n');
    let r = runCli(['eval', '--model', copy, '--data', join(ROOT, 'data', 'sample-en', 'test.txt')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /the tokenizer has \d+ entries but the model's embedding table has \d+ rows: the tokenizer files do not belong to this model/);
    r = runCli(['train', '--config', CONFIG, '--out', trained, '--resume', '--train', join(ROOT, 'data', 'sample-zh', 'train.txt')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--resume needs the settings of the run in .*; these differ: train/);
  });
});
