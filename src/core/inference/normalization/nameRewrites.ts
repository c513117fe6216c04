/**
 * Rewrites of a mention that no vocabulary name matches, in the spirit of the multi-pass sieve
 * normalizers (D'Souza & Ng 2015): each rewrite is a spelling a vocabulary name is more likely to
 * have, and the matcher only keeps one that matches a name exactly, so a rewrite that makes a
 * wrong word costs nothing.
 *
 * Diseases (`diseaseRewrites`):
 * - an organ adjective becomes the organ's noun, as MeSH names organ diseases (`renal` →
 *   `kidney`, `hepatic` → `liver`, `cardiac` → `heart`);
 * - a generic head word becomes MeSH's (`toxicity`, `damage`, `dysfunction`, `lesions`,
 *   `complications` … → `disease`, `disorder`; `impairment` → `insufficiency`), so `renal
 *   toxicity` reaches Kidney Diseases and `renal impairment` Renal Insufficiency;
 * - an adjective used as the mention becomes its noun by suffix (`dystonic` → `dystonia`,
 *   `psychotic` → `psychosis`, `parkinsonian` → `parkinsonism`, `depressive` → `depression`).
 *
 * Chemicals (`chemicalRewrites`):
 * - the counter-ion of a drug salt or a hydrate word is dropped (`bupropion HCl`, `dosulepine
 *   hydrochloride`, `sodium valproate`): MeSH indexes most drugs under the parent compound;
 * - an anion becomes its acid (`acetylsalicylate` → `acetylsalicylic acid`);
 * - a class named by its drugs becomes MeSH's `agents` (`beta-adrenergic blocking drugs`).
 */

const ORGAN_NOUNS: Readonly<Record<string, readonly string[]>> = {
  renal: ['kidney'],
  nephric: ['kidney'],
  hepatic: ['liver'],
  cardiac: ['heart'],
  myocardial: ['heart'],
  pulmonary: ['lung'],
  cerebral: ['brain'],
  gastric: ['stomach'],
  ocular: ['eye'],
  visual: ['vision'],
  muscle: ['muscular'],
  haematological: ['hematologic'],
  hematological: ['hematologic'],
  neurological: ['neurologic', 'nervous system'],
  marrow: ['bone marrow'],
  bladder: ['urinary bladder'],
  thyroid: ['thyroid'],
  skin: ['skin'],
  cutaneous: ['skin'],
};

const GENERIC_HEADS: ReadonlySet<string> = new Set([
  'toxicity', 'toxicities', 'damage', 'damages', 'injury', 'injuries', 'dysfunction', 'dysfunctions', 'involvement',
  'lesion', 'lesions', 'complication', 'complications', 'abnormality', 'abnormalities', 'disorder', 'disorders',
  'disturbance', 'disturbances', 'deficit', 'deficits', 'disease', 'diseases', 'problem', 'problems', 'impairment',
  'impairments', 'symptom', 'symptoms',
]);

/** What a generic head may be in a MeSH name (`impairment` is also MeSH's `insufficiency`). */
function headAlternatives(head: string): string[] {
  const out = ['disease', 'disorder'];
  if (/^impairments?$|^dysfunctions?$/.test(head)) out.unshift('insufficiency');
  return out.filter((h) => h !== head && `${h}s` !== head);
}

/** Nouns an adjective may stand for, by suffix (`dystonic` → `dystonia`). */
export function adjectiveNouns(word: string): string[] {
  const w = word.toLowerCase();
  const out: string[] = [];
  const swap = (suffix: string, ...to: string[]): void => {
    if (w.length > suffix.length + 3 && w.endsWith(suffix)) for (const t of to) out.push(w.slice(0, -suffix.length) + t);
  };
  swap('otic', 'osis');
  swap('itic', 'itis');
  swap('etic', 'esia', 'esis');
  swap('emic', 'emia');
  swap('ic', 'ia', 'y');
  swap('oid', 'osis');
  swap('ian', 'ism');
  swap('ive', 'ion');
  swap('atous', 'a');
  swap('ous', 'a', 'y');
  swap('al', '', 'a', 'e');
  return out.filter((x) => x !== w);
}

/** Disease rewrites of `text`, most conservative first (duplicates and `text` itself removed). */
export function diseaseRewrites(text: string): string[] {
  const words = text.trim().split(/\s+/);
  if (words.length === 0 || words[0] === '') return [];
  const out: string[] = [];
  const lower = words.map((w) => w.toLowerCase());
  const organ = lower.map((w) => ORGAN_NOUNS[w]);
  const last = lower.length - 1;
  const heads = lower.length > 1 && GENERIC_HEADS.has(lower[last]!) ? headAlternatives(lower[last]!) : [];
  // Organ nouns alone, then head words alone, then both.
  const organForms: string[][] = [lower];
  organ.forEach((nouns, i) => {
    if (!nouns) return;
    for (const n of nouns) {
      const next: string[][] = [];
      for (const f of organForms) next.push(f.map((w, k) => (k === i ? n : w)));
      organForms.push(...next);
    }
  });
  for (const f of organForms.slice(1)) out.push(f.join(' '));
  for (const h of heads) for (const f of organForms) out.push([...f.slice(0, last), h].join(' '));
  if (lower.length === 1) out.push(...adjectiveNouns(lower[0]!));
  const seen = new Set([lower.join(' ')]);
  return out.filter((x) => !seen.has(x) && (seen.add(x), true));
}

// Counter-ions of drug salts only: a metal's chloride or a steroid's sulphate is its own compound
// (`cobalt chloride`, `pregnenolone sulphate` have their own MeSH records).
const SALT_WORDS: ReadonlySet<string> = new Set([
  'hcl', 'hydrochloride', 'dihydrochloride', 'hydrobromide', 'hbr', 'sodium', 'disodium', 'potassium', 'maleate', 'mesylate',
  'mesilate', 'besylate', 'besilate', 'citrate', 'fumarate', 'tartrate', 'bitartrate', 'succinate', 'hydrate', 'monohydrate',
  'dihydrate', 'trihydrate',
]);

/** Chemical rewrites of `text`, most conservative first. */
export function chemicalRewrites(text: string): string[] {
  const words = text.trim().split(/\s+/);
  const out: string[] = [];
  if (words.length > 1) {
    const kept = words.filter((w) => !SALT_WORDS.has(w.toLowerCase()));
    if (kept.length > 0 && kept.length < words.length && kept.join('').length >= 4) out.push(kept.join(' '));
  }
  const base = (out[0] ?? text).trim().split(/\s+/);
  // One-word anions only: in `X sulphate` the anion is a counter-ion or an ester group.
  const anion = base.length === 1 ? /^(.{3,}?)ate$/i.exec(base[0]!) : null;
  if (anion) out.push(`${anion[1]}ic acid`);
  // A class named by its drugs (`beta-adrenergic blocking drugs`) is MeSH's `agents`.
  if (words.length > 1 && /^drugs?$/i.test(words[words.length - 1]!)) out.push([...words.slice(0, -1), 'agents'].join(' '));
  return out.filter((x, i) => x !== text && out.indexOf(x) === i);
}
