import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeakGuard, normalizeKey } from '../../src/core/corpora/leakGuard';
import { CORPORA, loadSplit, splitAvailable } from '../../src/core/corpora/registry';
import { documentKeys } from '../../src/core/corpora/leakGuard';
import { hasData } from '../../src/core/corpora/dataRoot';

const ABSTRACT =
  'Famotidine-associated delirium in six cases. Famotidine is a histamine H2-receptor antagonist used for prevention of stress ulcers. ' +
  'Only two previously reported cases have been associated with famotidine and confusion in the elderly. ' +
  'This article is part of a Special Issue entitled Cognitive Enhancers.';

function guard(): LeakGuard {
  const g = new LeakGuard();
  g.protect({ pmid: '8701013', title: 'Famotidine-associated delirium in six cases.', text: ABSTRACT });
  return g;
}

test('normalizeKey ignores case, spacing, punctuation and tokenization', () => {
  assert.equal(normalizeKey('Famotidine-associated  delirium ( FAD ) .'), normalizeKey('famotidine associated delirium (FAD).'));
});

test('matches by PMID, by title, and by sentences for texts without PMID', () => {
  const g = guard();
  assert.equal(g.check({ pmid: '8701013', text: 'unrelated' }), 'pmid');
  assert.equal(g.check({ title: 'FAMOTIDINE ASSOCIATED DELIRIUM IN SIX CASES', text: 'x' }), 'title');
  // A BioBERT-style tokenized sentence of the protected abstract, no PMID, no title.
  assert.equal(g.check({ text: 'Famotidine is a histamine H2 - receptor antagonist used for prevention of stress ulcers .' }), 'sentence');
});

test('boilerplate sentences do not remove other articles', () => {
  const g = guard();
  // Different PMID sharing a boilerplate sentence: a different article.
  assert.equal(g.check({ pmid: '1', text: 'This article is part of a Special Issue entitled Cognitive Enhancers.' }), undefined);
  // No PMID, one shared sentence out of three: not the same text.
  const other = 'Lithium causes polyuria in many patients treated for years. Amiloride reduced the urine volume in our cohort. This article is part of a Special Issue entitled Cognitive Enhancers.';
  assert.equal(g.check({ text: other }), undefined);
  assert.equal(g.check({ pmid: '2', title: 'Another title of some length', text: 'Short.' }), undefined);
});

test('filter counts removals by reason', () => {
  const r = guard().filter([{ pmid: '8701013', text: '' }, { pmid: '5', text: 'clean' }], (x) => x);
  assert.equal(r.removed, 1);
  assert.equal(r.kept.length, 1);
  assert.equal(r.byReason.pmid, 1);
});

test('real corpora: no protected PMID or title survives in any non-test split', { skip: !hasData() && 'corpora not found' }, async () => {
  const protectedGuard = new LeakGuard();
  for (const c of CORPORA) {
    for (const s of c.splits) {
      if (!s.protectedTest || !splitAvailable(s)) continue;
      for (const d of (await loadSplit(c.name, s.name)).documents) protectedGuard.protect(documentKeys(d));
    }
  }
  const removed: Record<string, number> = {};
  for (const c of CORPORA) {
    for (const s of c.splits) {
      if (s.protectedTest || !splitAvailable(s)) continue;
      const loaded = await loadSplit(c.name, s.name);
      removed[`${c.name}/${s.name}`] = loaded.leakGuardRemoved;
      for (const d of loaded.documents) {
        assert.equal(protectedGuard.check(documentKeys(d)), undefined, `${c.name}/${s.name} document ${d.id} leaks`);
      }
    }
  }
  // Overlaps documented in the corpora's SOURCE.md files are caught.
  assert.ok(removed['ohsumed/all']! >= 1, 'OHSUMED doc 0006352 = BC5CDR test PMID 2239937');
  assert.ok(removed['hoc/all']! >= 2, 'HoC PMIDs 23274058 and 23274086 are DrugProt dev');
  assert.ok(removed['chemprot/train']! > 100, 'ChemProt shares most abstracts with DrugProt');
  assert.ok(removed['biored/train']! > 10, 'BioRED shares abstracts with BC5CDR test');
});
