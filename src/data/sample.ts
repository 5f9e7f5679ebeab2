import { Rng } from '../util/rng.js';
import { formatConllSentence, parseConll } from './conll.js';
import { labelsToSpans, spansToLabels, type Span } from './schemes.js';

/**
 * The project's own sample corpora: template sentences with entity slots, in Chinese (one
 * character per token, like People's Daily) and English (word tokens, like CoNLL-2003).
 * Deterministic for a seed. A fifth of each entity list never appears in train, so dev and test
 * measure generalisation, not memory. Small enough for a one-minute quickstart on wasm.
 */
export type SampleLanguage = 'zh' | 'en';

interface Lexicon {
  entities: Record<string, string[]>;
  templates: string[];
  /** Splits text into tokens. */
  tokenize: (text: string) => string[];
}

const ZH_SURNAMES = [...'王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕'];
const ZH_GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀兰', '霞', '平', '刚', '桂英', '建国', '晓东', '志强', '海燕', '红梅', '文华', '德明'];
const ZH_PLACES = ['北京', '上海', '天津', '重庆', '广州', '深圳', '南京', '杭州', '武汉', '成都', '西安', '沈阳', '长沙', '郑州', '济南', '青岛', '大连', '厦门', '福州', '昆明', '贵阳', '南宁', '海口', '兰州', '银川', '西宁', '拉萨', '乌鲁木齐', '呼和浩特', '哈尔滨', '长春', '石家庄', '太原', '合肥', '南昌', '香港', '澳门', '台北', '东京', '伦敦', '巴黎', '纽约', '莫斯科', '柏林', '日本', '美国', '英国', '法国', '德国', '俄罗斯', '印度', '巴西', '埃及', '长江', '黄河', '珠江', '泰山', '华山', '西湖', '太湖'];
const ZH_ORG_SUFFIXES = ['大学', '市政府', '人民医院', '钢铁厂', '电视台', '图书馆', '银行', '日报社', '科学院', '足球队', '师范学院', '海关', '铁路局', '博物馆'];
const ZH_ORGS_FIXED = ['新华社', '国务院', '外交部', '教育部', '联合国', '世界银行', '人民日报', '中国科学院', '全国人大', '中央电视台', '国家统计局', '红十字会'];
const ZH_TEMPLATES = [
  '{PER}在{LOC}会见了{ORG}的代表。',
  '{ORG}今天在{LOC}召开会议，{PER}出席并讲话。',
  '记者从{ORG}获悉，{LOC}今年的粮食产量再创新高。',
  '{PER}说，{LOC}的经济发展离不开改革开放。',
  '据{ORG}消息，{PER}昨天抵达{LOC}进行访问。',
  '{LOC}和{LOC}两地的合作日益密切。',
  '{PER}是{ORG}的一名普通工人。',
  '今年春节期间，{LOC}的游客人数明显增加。',
  '{ORG}与{ORG}签署了合作协议。',
  '{PER}和{PER}共同主持了这次座谈会。',
  '在{LOC}工作多年的{PER}对记者说，这里变化很大。',
  '{ORG}派出工作组前往{LOC}调查情况。',
  '这次活动由{ORG}主办，{PER}担任评委。',
  '来自{LOC}的{PER}获得了第一名。',
  '{LOC}市民积极参加义务植树活动。',
  '{PER}向{ORG}捐赠了一批图书。',
  '专家们认为，{LOC}的旅游资源十分丰富。',
  '我们要认真学习{PER}同志的先进事迹。',
  '{ORG}发言人{PER}回答了记者的提问。',
  '从{LOC}到{LOC}的铁路即将通车。',
  '今天天气晴朗，大家都很高兴。',
  '这项工作得到了群众的普遍支持。',
  '{PER}的讲话引起了热烈反响。',
  '{ORG}近日发布了年度报告。',
];

const EN_FIRST = ['John', 'Mary', 'Peter', 'Anna', 'David', 'Laura', 'Michael', 'Sarah', 'James', 'Elena', 'Robert', 'Maria', 'Thomas', 'Yuki', 'Ahmed', 'Olga', 'Carlos', 'Ingrid', 'Wei', 'Fatima', 'Paul', 'Sofia', 'Hans', 'Priya'];
const EN_LAST = ['Smith', 'Johnson', 'Brown', 'Mueller', 'Rossi', 'Garcia', 'Tanaka', 'Kowalski', 'Dubois', 'Novak', 'Silva', 'Hansen', 'Ivanov', 'Khan', 'Murphy', 'Schmidt', 'Costa', 'Larsen', 'Chen', 'Okafor'];
const EN_PLACES = ['London', 'Paris', 'Berlin', 'Tokyo', 'New York', 'Moscow', 'Madrid', 'Rome', 'Beijing', 'Sydney', 'Cairo', 'Toronto', 'Brazil', 'Germany', 'France', 'Japan', 'Italy', 'Spain', 'Canada', 'Mexico', 'India', 'Kenya', 'Norway', 'Poland', 'South Africa', 'Hong Kong', 'Los Angeles', 'Buenos Aires', 'Lake Geneva', 'Texas'];
const EN_ORGS = ['Reuters', 'the United Nations', 'NATO', 'Microsoft', 'Siemens', 'Toyota', 'the World Bank', 'Barclays', 'Ajax', 'Real Madrid', 'the European Commission', 'Interpol', 'Greenpeace', 'Boeing', 'Airbus', 'the Bundesbank', 'Nokia', 'Fiat', 'Chelsea', 'the IMF', 'Oxford University', 'the Red Cross', 'Volvo', 'Unilever'];
const EN_MISC = ['German', 'French', 'Japanese', 'British', 'Italian', 'Olympic', 'Christmas', 'Euro 96', 'World Cup', 'Tour de France', 'Nobel Prize', 'English', 'Chinese', 'Russian', 'Grand Prix', 'Wimbledon'];
const EN_TEMPLATES = [
  '{PER} met {ORG} officials in {LOC} on Monday .',
  '{ORG} said on Tuesday it would cut 2,000 jobs in {LOC} .',
  'The {MISC} striker {PER} scored twice for {ORG} .',
  '{PER} , a spokesman for {ORG} , declined to comment .',
  'Shares in {ORG} rose 3 percent in {LOC} trading .',
  '{LOC} and {LOC} signed a trade agreement .',
  '{PER} told reporters in {LOC} that talks would resume .',
  'The {MISC} government denied the report .',
  '{PER} beat {PER} 6-4 6-2 in the second round .',
  'Police in {LOC} arrested two men on Friday .',
  '{ORG} will open a new plant near {LOC} next year .',
  'It was the first {MISC} win since 1992 .',
  '{PER} won the {MISC} title for the third time .',
  'Prices fell sharply after the announcement .',
  'The talks ended without agreement , officials said .',
  '{ORG} chief executive {PER} resigned on Thursday .',
  'Rain delayed the start of play in {LOC} .',
  '{PER} , who joined {ORG} in 1990 , will retire .',
  'Heavy fighting was reported near {LOC} .',
  'The {MISC} delegation arrived in {LOC} late on Sunday .',
];

function lexicon(language: SampleLanguage): Lexicon {
  if (language === 'zh') {
    const people = ZH_SURNAMES.flatMap((s, i) => [s + ZH_GIVEN[i % ZH_GIVEN.length], s + ZH_GIVEN[(i * 7 + 3) % ZH_GIVEN.length]]);
    const orgs = [...ZH_ORGS_FIXED, ...ZH_PLACES.slice(0, 36).map((p, i) => p + ZH_ORG_SUFFIXES[i % ZH_ORG_SUFFIXES.length])];
    return { entities: { PER: people, LOC: ZH_PLACES, ORG: orgs }, templates: ZH_TEMPLATES, tokenize: (t) => [...t] };
  }
  const people = EN_FIRST.flatMap((f, i) => [`${f} ${EN_LAST[i % EN_LAST.length]}`, `${f} ${EN_LAST[(i * 5 + 2) % EN_LAST.length]}`]);
  return {
    entities: { PER: people, LOC: EN_PLACES, ORG: EN_ORGS, MISC: EN_MISC },
    templates: EN_TEMPLATES,
    tokenize: (t) => t.split(' ').filter((w) => w !== ''),
  };
}

export interface SampleSplit {
  name: 'train' | 'dev' | 'test';
  sentences: number;
}

export const SAMPLE_SPLITS: readonly SampleSplit[] = [
  { name: 'train', sentences: 800 },
  { name: 'dev', sentences: 150 },
  { name: 'test', sentences: 150 },
];

/** Generates one split as CoNLL text (`token label`, IOB2). */
export function generateSample(language: SampleLanguage, split: SampleSplit, seed = 1): string {
  const lex = lexicon(language);
  const rng = new Rng(seed * 1000 + SAMPLE_SPLITS.indexOf(split) + (language === 'zh' ? 0 : 500));
  // Every fifth entity (by position) is held out of train.
  const pool = (type: string) => lex.entities[type]!.filter((_, i) => split.name !== 'train' || i % 5 !== 4);
  let out = '';
  for (let n = 0; n < split.sentences; n++) {
    const template = rng.pick(lex.templates);
    const tokens: string[] = [];
    const spans: Span[] = [];
    for (const part of template.split(/(\{[A-Z]+\})/)) {
      const slot = /^\{([A-Z]+)\}$/.exec(part);
      if (!slot) {
        tokens.push(...lex.tokenize(part));
        continue;
      }
      const words = lex.tokenize(rng.pick(pool(slot[1]!)));
      // "the United Nations": the article stays outside the entity, as in CoNLL-2003.
      const lead = language === 'en' && words[0] === 'the' ? 1 : 0;
      if (lead) tokens.push(words[0]!);
      spans.push({ type: slot[1]!, start: tokens.length, end: tokens.length + words.length - lead });
      tokens.push(...words.slice(lead));
    }
    out += formatConllSentence(tokens, [spansToLabels(spans, tokens.length, 'IOB2')]);
  }
  return out;
}

/**
 * An example prediction file (`token gold predicted`): the first sentences of the English test
 * split with seeded mistakes (missed, wrong-type and cut-short entities), for `ner eval --predictions`.
 */
export function generateExamplePredictions(sentences = 40, seed = 1): string {
  const rng = new Rng(seed + 7000);
  const test = parseConll(generateSample('en', SAMPLE_SPLITS[2]!, seed), 'sample-en/test.txt', 'labelled').slice(0, sentences);
  const types = ['PER', 'LOC', 'ORG', 'MISC'];
  let out = '';
  for (const s of test) {
    const predicted: Span[] = [];
    for (const e of labelsToSpans(s.labels)) {
      const r = rng.next();
      if (r < 0.08) continue;
      if (r < 0.14) predicted.push({ ...e, type: rng.pick(types.filter((t) => t !== e.type)) });
      else if (r < 0.2 && e.end - e.start > 1) predicted.push({ ...e, end: e.end - 1 });
      else predicted.push(e);
    }
    out += formatConllSentence(s.tokens, [s.labels, spansToLabels(predicted, s.tokens.length, 'IOB2')]);
  }
  return out;
}
