/**
 * Security review, item 7: approvals bound the step digest stored in the database, not what actually ran.
 * An attacker with the database file (and plain SQLite) can retarget a step, turn off its quorum, or
 * send a bundle elsewhere; each attack is replayed on a real SoftHSM token, and must be refused before
 * the token or a drive is touched. Also: an approval no longer counts once its officer is suspended, or
 * once it is older than the policy's approval lifetime.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCeremonyId } from '../../src/main/ceremonies/engine';
import { planDestroyKey } from '../../src/main/ceremonies/types/destroy-key';
import { planExportKey } from '../../src/main/ceremonies/types/export-key';
import { planGenerateCmk } from '../../src/main/ceremonies/types/generate-cmk';
import { planImportWrappingKey } from '../../src/main/ceremonies/types/import-wrapping-key';
import { readProviderImport } from '../../src/main/providers/registry';
import { canonicalJson, type Canonical } from '../../src/main/store/canonical';
import type { ProviderImport } from '../../src/shared/providers';
import { aesCmk, ceremonyBench, passphrases, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection } from '../helpers/rejection';

let bench: CeremonyBench;
let awsParams: ProviderImport;
let drives: string;

beforeAll(async () => {
  bench = await ceremonyBench('Binding');
  drives = mkdtempSync(join(tmpdir(), 'keyward-binding-drives-'));
  const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const parameters = {
    KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ImportToken: randomBytes(64).toString('base64'),
    PublicKey: provider.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    ParametersValidTo: new Date(Date.now() + 3_600_000).toISOString(),
  };
  awsParams = readProviderImport(
    'aws-kms',
    { wrappingKey: Buffer.from(JSON.stringify(parameters)) },
    { algorithm: 'RSAES_OAEP_SHA_1' },
  );
  await bench.runPlanned(
    bench.engine(),
    'import-wrapping-key',
    planImportWrappingKey(bench.wrappingKeys, awsParams, 'AWS binding'),
  );
}, 180_000);

afterAll(() => {
  bench.close();
  rmSync(drives, { recursive: true, force: true });
});

async function generated(name: string): Promise<string> {
  await bench.runPlanned(bench.engine(), 'generate-cmk', planGenerateCmk(bench.inventory, aesCmk(name)));
  return bench.inventory.get(name).versions[0]?.tokenObjectId ?? '';
}

const onToken = (id: string) => bench.tokenObjects().some((o) => o.id === id);

interface StoredPlan {
  planDigest: string;
  steps: {
    index: number;
    action: string;
    description: string;
    params: Record<string, unknown>;
    sensitive: boolean;
    digest: string;
    objects?: unknown[];
  }[];
}

/** What an attacker with plain SQLite does: drop the triggers that keep a plan fixed and rewrite it. */
function rewritePlan(id: string, edit: (plan: StoredPlan) => void): void {
  const db = bench.ws.db;
  db.exec('DROP TRIGGER IF EXISTS ceremony_plan_fixed; DROP TRIGGER IF EXISTS ceremony_step_digest_fixed;');
  const plan = JSON.parse(
    db.prepare('SELECT plan FROM ceremonies WHERE id = ?').pluck().get(id) as string,
  ) as StoredPlan;
  edit(plan);
  db.prepare('UPDATE ceremonies SET plan = ?, plan_digest = ? WHERE id = ?').run(
    JSON.stringify(plan),
    plan.planDigest,
    id,
  );
  for (const step of plan.steps)
    db.prepare('UPDATE ceremony_steps SET digest = ? WHERE ceremony_id = ? AND step = ?').run(
      step.digest,
      id,
      step.index,
    );
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('a step runs only as its approvers approved it', () => {
  it('a destruction retargeted in the database at another key is refused before the token is touched', async () => {
    await generated('Planned victim');
    const other = await generated('Real victim');
    const e = bench.engine();
    const id = await bench.start(e, 'destroy-key', planDestroyKey(bench.inventory, 'Planned victim', 1, drives));
    await bench.approve(e, id, 0);
    const target = bench.inventory.get('Real victim').versions[0];
    rewritePlan(id, (plan) => {
      const step = plan.steps[0];
      if (step) step.params = { ...step.params, keyName: 'Real victim', tokenObjectId: target?.tokenObjectId };
    });
    const refusal = await rejection(bench.engine().runNext(id));
    expect(refusal.code).toBe('CEREMONY_TAMPERED');
    expect(onToken(other)).toBe(true);
    expect(bench.inventory.get('Real victim').versions[0]?.state).toBe('active');
  });

  it("a tampered plan's abort preview undoes nothing, as the abort itself does: what the plan says cannot be trusted", async () => {
    const e = bench.engine();
    const id = await bench.start(e, 'generate-cmk', planGenerateCmk(bench.inventory, aesCmk('Previewed abort')));
    await bench.approve(e, id, 0);
    await e.runNext(id);
    const made = bench.inventory.get('Previewed abort').versions[0]?.tokenObjectId ?? '';
    expect(onToken(made)).toBe(true);
    // Untampered, the generation would be undone by an abort.
    expect(bench.engine().abortReach(bench.engine().status(id), true).undo).toEqual([0]);
    rewritePlan(id, (plan) => {
      const step = plan.steps[0];
      if (step) step.description = `${step.description} (edited)`;
    });
    const tampered = bench.engine();
    const preview = tampered.abortReach(tampered.status(id), true);
    expect(preview.undo, 'the preview promises to undo steps of a plan the abort will not act on').toEqual([]);
    expect(preview.kept).toEqual([0]);
    const reason = 'the plan was found changed';
    const signed = await tampered.approveAbort(id, 'alice', passphrases.alice ?? '', reason);
    const outcome = await tampered.abort(id, reason, [signed]);
    expect(outcome.undone).toEqual(preview.undo);
    expect(outcome.kept).toEqual(preview.kept);
    expect(onToken(made)).toBe(true);
  });

  it('a destruction turned into a step that needs no approval is refused, even with every digest recomputed', async () => {
    const victim = await generated('Unapproved destruction');
    const e = bench.engine();
    const id = await bench.start(
      e,
      'destroy-key',
      planDestroyKey(bench.inventory, 'Unapproved destruction', 1, drives),
    );
    rewritePlan(id, (plan) => {
      const step = plan.steps[0];
      if (!step) return;
      step.sensitive = false;
      // The attacker recomputes the digests with Keyward's own formulas (they are no secret).
      step.digest = sha256(
        canonicalJson({
          type: 'keyward-ceremony-step',
          ceremonyId: id,
          ceremonyType: 'destroy-key',
          index: step.index,
          action: step.action,
          params: step.params,
          sensitive: false,
          objects: step.objects ?? [],
        } as Canonical),
      );
      plan.planDigest = sha256(
        canonicalJson({
          type: 'keyward-ceremony-plan',
          ceremonyId: id,
          ceremonyType: 'destroy-key',
          title: 'x',
          steps: plan.steps.map((s) => ({ digest: s.digest, description: s.description })),
        }),
      );
    });
    const refusal = await rejection(bench.engine().runNext(id));
    expect(['CEREMONY_TAMPERED', 'QUORUM_NOT_MET']).toContain(refusal.code);
    expect(onToken(victim)).toBe(true);
  });

  it("a step's description rewritten, with the plan digest recomputed by Keyward's own formula, is refused by the plan's signature", async () => {
    const victim = await generated('Reworded destruction');
    const e = bench.engine();
    const id = await bench.start(e, 'destroy-key', planDestroyKey(bench.inventory, 'Reworded destruction', 1, drives));
    await bench.approve(e, id, 0);
    const title = bench.store.status(id).plan.title;
    rewritePlan(id, (plan) => {
      const step = plan.steps[0];
      if (!step) return;
      step.description = 'Check the key inventory (nothing is destroyed)';
      // Every digest is recomputed exactly as the engine computes it: only the HSM-made signature can tell.
      plan.planDigest = sha256(
        canonicalJson({
          type: 'keyward-ceremony-plan',
          ceremonyId: id,
          ceremonyType: 'destroy-key',
          title,
          steps: plan.steps.map((s) => ({ digest: s.digest, description: s.description, objects: s.objects })),
        } as Canonical),
      );
    });
    const refusal = await rejection(bench.engine().runNext(id));
    expect(refusal.code).toBe('CEREMONY_TAMPERED');
    expect(refusal.message).toMatch(/signature/);
    expect(onToken(victim)).toBe(true);
  });

  it("an export's destination changed in the database is refused: the export digest covers the drive and folder", async () => {
    await generated('Exported key');
    const approved = join(drives, 'APPROVED');
    const attacker = join(drives, 'ATTACKER');
    mkdirSync(approved);
    mkdirSync(attacker);
    const e = bench.engine();
    const id = newCeremonyId('export-key');
    const plan = planExportKey({ inventory: bench.inventory, wrappingKeys: bench.wrappingKeys }, id, {
      keyName: 'Exported key',
      version: 1,
      params: awsParams,
      destination: { parent: approved, drive: 'APPROVED' },
    });
    const started = await e.plan('export-key', plan.title, plan.steps, id);
    for (const officer of ['alice', 'bob']) await e.checkIn(started.id, officer, passphrases[officer] ?? '');
    await bench.approve(e, started.id, 0);
    rewritePlan(started.id, (stored) => {
      const step = stored.steps[0];
      if (step) step.params = { ...step.params, parent: attacker, drive: 'ATTACKER' };
    });
    const refusal = await rejection(bench.engine().runNext(started.id));
    expect(refusal.code).toBe('CEREMONY_TAMPERED');
    expect(readdirSync(attacker)).toEqual([]);
  });
});

describe('an approval counts only from an officer still in standing, within the approval lifetime', () => {
  it("a suspended officer's approval no longer counts", async () => {
    const victim = await generated('Suspended approver');
    const e = bench.engine();
    const id = await bench.start(e, 'destroy-key', planDestroyKey(bench.inventory, 'Suspended approver', 1, drives));
    await bench.approve(e, id, 0);
    bench.officers.setState('bob', 'suspended', { actors: ['alice', 'dave'], ceremony: null });
    try {
      const refusal = await rejection(bench.engine().runNext(id));
      expect(refusal.code).toBe('QUORUM_NOT_MET');
      expect(refusal.message).toContain('bob is suspended');
      expect(onToken(victim)).toBe(true);
    } finally {
      bench.officers.setState('bob', 'active', { actors: ['alice', 'dave'], ceremony: null });
    }
  });

  it('an approval older than the policy allows (8 hours by default) has expired', async () => {
    const victim = await generated('Stale approval');
    const e = bench.engine();
    const id = await bench.start(e, 'destroy-key', planDestroyKey(bench.inventory, 'Stale approval', 1, drives));
    await bench.approve(e, id, 0);
    const later = bench.engine({ now: () => new Date(Date.now() + 9 * 3_600_000) });
    const refusal = await rejection(later.runNext(id));
    expect(refusal.code).toBe('QUORUM_NOT_MET');
    expect(refusal.message).toMatch(/expired/);
    expect(onToken(victim)).toBe(true);
  });
});
