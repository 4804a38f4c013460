/**
 * Security review, item 1: a rolled-back step destroyed every token object carrying the label it had
 * reserved, CMKs included; and a ceremony resumed after others ran acted on a world its approvers never
 * saw. Each attack is replayed here on a real SoftHSM token: the victim key must still be on the token
 * (listed by pkcs11-tool, not by Keyward) and the inventory must still tell the truth.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planGenerateCmk } from '../../src/main/ceremonies/types/generate-cmk';
import { planImportWrappingKey } from '../../src/main/ceremonies/types/import-wrapping-key';
import { planRotateCmk } from '../../src/main/ceremonies/types/rotate-cmk';
import { readProviderImport } from '../../src/main/providers/registry';
import type { ProviderImport } from '../../src/shared/providers';
import { ceremonyBench, passphrases, SimulatedCrash, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection } from '../helpers/rejection';

let bench: CeremonyBench;
let awsParams: ProviderImport;

beforeAll(async () => {
  bench = await ceremonyBench('Rollback');
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
}, 180_000);

afterAll(() => bench.close());

let keys = 0;
const newKey = (name = `Tenant CMK ${++keys}`) => ({
  keyName: name,
  purpose: 'tenant data',
  provider: null,
  spec: 'AES_256' as const,
  rotationDays: 365,
});

/** A key generated and activated under dual control; its version's token object id. */
async function generated(name: string): Promise<string> {
  const e = bench.engine();
  await bench.runPlanned(e, 'generate-cmk', planGenerateCmk(bench.inventory, newKey(name)));
  return bench.inventory.get(name).versions[0]?.tokenObjectId ?? '';
}

const onToken = (id: string): boolean => bench.tokenObjects().some((o) => o.id === id);
const labelled = (label: string) => bench.tokenObjects().filter((o) => o.label === label);

describe('a step that fails or is rolled back destroys only what it created itself', () => {
  it('a wrapping-key import labelled like an existing CMK is refused when planned, and its failure destroys no CMK', async () => {
    const cmk = await generated('Label clash');
    const e = bench.engine({ soPin: ['mistyped SO PIN'] });
    let planned: string | undefined;
    let refusal: { code?: string; message?: string } = {};
    try {
      planned = await bench.start(
        e,
        'import-wrapping-key',
        planImportWrappingKey(bench.wrappingKeys, awsParams, 'Label clash v1'),
      );
    } catch (error) {
      refusal = error as { code?: string; message?: string };
    }
    if (planned) {
      // The plan got through (the defect): the step runs with a mistyped SO PIN, fails, and is rolled back.
      await bench.approve(e, planned, 0);
      await e.runNext(planned).catch(() => undefined);
      await bench.loginUser();
      await bench.engine().recover();
    }
    expect(onToken(cmk)).toBe(true);
    expect(bench.inventory.get('Label clash').versions[0]?.state).toBe('active');
    expect(refusal.code).toBe('HSM_LABEL_TAKEN');
    expect(refusal.message).toContain('Label clash v1');
  });

  it('a label taken by another ceremony after planning is refused when the step runs, before the token is touched', async () => {
    const e = bench.engine({ soPin: ['mistyped SO PIN'] });
    const id = await bench.start(
      e,
      'import-wrapping-key',
      planImportWrappingKey(bench.wrappingKeys, awsParams, 'Late clash v1'),
    );
    await bench.approve(e, id, 0);
    const cmk = await generated('Late clash');
    const refusal = await rejection(e.runNext(id));
    await bench.loginUser();
    await bench.engine().recover();
    expect(onToken(cmk)).toBe(true);
    expect(refusal.code).toBe('HSM_LABEL_TAKEN');
    expect(bench.inventory.get('Late clash').versions[0]?.state).toBe('active');
  });

  it('a crash inside a step is rolled back by the CKA_IDs it reserved, and each destroyed object is audited by its identity', async () => {
    await generated('Crashed rotation');
    const e = bench.engine({ crash: { point: 'after-run', step: 0 } });
    const id = await bench.start(e, 'rotate-cmk', planRotateCmk(bench.inventory, 'Crashed rotation', 'manual'));
    await bench.approve(e, id, 0);
    await expect(e.runNext(id)).rejects.toBeInstanceOf(SimulatedCrash);
    const made = labelled('Crashed rotation v2');
    expect(made.length).toBeGreaterThan(0);
    await bench.engine().recover();
    expect(labelled('Crashed rotation v2')).toEqual([]);
    expect(onToken(bench.inventory.get('Crashed rotation').versions[0]?.tokenObjectId ?? '')).toBe(true);
    const [rolledBack] = bench.ws.log.query({ action: 'ceremony.step.rolled-back', ceremony: id, limit: 1 });
    expect(rolledBack?.details.destroyedObjects).toEqual(
      made.map((o) => expect.objectContaining({ id: o.id, label: 'Crashed rotation v2' }) as unknown),
    );
  });

  it('a database edited to reserve a CMK for a running step cannot make the rollback destroy it', async () => {
    const cmk = await generated('Tampered rollback');
    const victim = bench.inventory.get('Tampered rollback').versions[0];
    await generated('Decoy');
    const e = bench.engine({ crash: { point: 'after-begin', step: 0 } });
    const id = await bench.start(e, 'rotate-cmk', planRotateCmk(bench.inventory, 'Decoy', 'manual'));
    await bench.approve(e, id, 0);
    await expect(e.runNext(id)).rejects.toBeInstanceOf(SimulatedCrash);
    // With plain SQLite: the running step now "reserved" the victim's label and CKA_ID.
    const db = bench.ws.db;
    db.exec('DROP TRIGGER IF EXISTS ceremony_plan_fixed');
    const plan = JSON.parse(db.prepare('SELECT plan FROM ceremonies WHERE id = ?').pluck().get(id) as string) as {
      steps: { objects?: unknown; params: Record<string, unknown> }[];
    };
    const step = plan.steps[0];
    if (step) {
      step.objects = [{ label: victim?.tokenLabel, id: victim?.tokenObjectId }];
      step.params.label = victim?.tokenLabel;
    }
    db.prepare('UPDATE ceremonies SET plan = ? WHERE id = ?').run(JSON.stringify(plan), id);
    db.prepare('UPDATE ceremony_steps SET pending_labels = ? WHERE ceremony_id = ? AND step = 0').run(
      JSON.stringify([victim?.tokenLabel]),
      id,
    );
    // And the inventory no longer "records" the victim, so no guard built on it can tell.
    db.prepare("UPDATE key_versions SET state = 'destroyed' WHERE token_object_id = ?").run(victim?.tokenObjectId);
    const recovered = await bench
      .engine()
      .recover()
      .catch(() => []);
    expect(onToken(cmk)).toBe(true);
    // The stored step no longer matches what Keyward plans for it (its digest, recomputed): nothing is destroyed for it.
    expect(recovered.find((r) => r.ceremonyId === id)?.problem).toMatch(/^step 1 \(generate-version\)/);
  });

  it("an abort undoes a generation by the CKA_ID its signed plan reserved, never by the id in the step's stored result", async () => {
    const cmk = await generated('Result victim');
    const e = bench.engine();
    const id = await bench.start(e, 'generate-cmk', planGenerateCmk(bench.inventory, newKey('Aborted generation')));
    await bench.approve(e, id, 0);
    await e.runNext(id);
    const made = bench.inventory.get('Aborted generation').versions[0]?.tokenObjectId ?? '';
    // With plain SQLite (step results have no trigger): the done step "made" the victim.
    const db = bench.ws.db;
    const stored = JSON.parse(
      db.prepare('SELECT result FROM ceremony_steps WHERE ceremony_id = ? AND step = 0').pluck().get(id) as string,
    ) as Record<string, unknown>;
    db.prepare('UPDATE ceremony_steps SET result = ? WHERE ceremony_id = ? AND step = 0').run(
      JSON.stringify({ ...stored, tokenObjectId: cmk }),
      id,
    );
    const abort = await e.approveAbort(id, 'bob', passphrases.bob ?? '', 'generated by mistake');
    await e.abort(id, 'generated by mistake', [abort]);
    expect(onToken(cmk)).toBe(true);
    expect(bench.inventory.get('Result victim').versions[0]?.state).toBe('active');
    expect(onToken(made)).toBe(false);
  });
});

describe('a ceremony resumed after other ceremonies ran is checked against the inventory and token as they are now', () => {
  it('a rotation approved, then overtaken by the same rotation run to completion, is refused and cannot destroy the new active version', async () => {
    await generated('Overtaken rotation');
    const stale = bench.engine();
    const id = await bench.start(stale, 'rotate-cmk', planRotateCmk(bench.inventory, 'Overtaken rotation', 'due'));
    await bench.approve(stale, id, 0);
    // Keyward stops here; the officers run the same plan again, to the end.
    await bench.runPlanned(bench.engine(), 'rotate-cmk', planRotateCmk(bench.inventory, 'Overtaken rotation', 'due'));
    const v2 = bench.inventory.get('Overtaken rotation').versions[1];
    expect(v2?.state).toBe('active');
    const refusal = await rejection(bench.engine().runNext(id));
    expect(refusal.code).toBe('CEREMONY_STALE');
    expect(refusal.nextStep).toMatch(/abort/i);
    expect(onToken(v2?.tokenObjectId ?? '')).toBe(true);
    expect(labelled('Overtaken rotation v2')).toHaveLength(1);
  });

  it('a generation approved, then overtaken by the same generation, is refused on every resume and leaves no unrecorded key', async () => {
    const stale = bench.engine();
    const id = await bench.start(stale, 'generate-cmk', planGenerateCmk(bench.inventory, newKey('Overtaken key')));
    await bench.approve(stale, id, 0);
    const done = await generated('Overtaken key');
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await rejection(bench.engine().runNext(id))).code).toBe('CEREMONY_STALE');
    }
    expect(labelled('Overtaken key v1').map((o) => o.id)).toEqual([done]);
  });

  it('a stale rotation resumed after a newer one cannot demote a version its approvers never named', async () => {
    await generated('Two rotations');
    const stale = bench.engine();
    const id = await bench.start(stale, 'rotate-cmk', planRotateCmk(bench.inventory, 'Two rotations', 'manual'));
    await bench.approve(stale, id, 0);
    await stale.runNext(id); // version 2, pending
    await bench.runPlanned(bench.engine(), 'rotate-cmk', planRotateCmk(bench.inventory, 'Two rotations', 'manual'));
    const active = () => bench.inventory.get('Two rotations').versions.find((v) => v.state === 'active')?.version;
    expect(active()).toBe(3);
    // Approving the activation is refused, and running it without approvals too: both as stale.
    expect((await rejection(bench.approve(stale, id, 1))).code).toBe('CEREMONY_STALE');
    expect((await rejection(stale.runNext(id))).code).toBe('CEREMONY_STALE');
    expect(active()).toBe(3);
  });
});
