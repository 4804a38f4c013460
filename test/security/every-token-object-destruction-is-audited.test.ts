/**
 * Security review, item 21: every destruction of a token object is in the audit log, but the workstation
 * key that initialisation generates and then discards (its certificate was not made, or not recorded)
 * was destroyed without an entry. Here the HSM refuses to sign the certificate: the key is destroyed, and
 * the log must say which object went, in which ceremony, and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HsmClient } from '../../src/main/hsm/client/client';
import { createIdentity } from '../../src/main/identity/workstation-identity';
import { Identities } from '../../src/main/store/identity';
import { KeywardError } from '../../src/shared/errors';
import { rejection } from '../helpers/rejection';
import { testWorkstation, type TestWorkstation } from '../helpers/workstation';

let ws: TestWorkstation;

beforeAll(async () => {
  ws = await testWorkstation('Discarded');
}, 120_000);

afterAll(() => ws.close());

/** The HSM client as createIdentity uses it, except that the token refuses every signature; the ids of keys it generated are kept. */
function refusingToSign(generated: string[]): HsmClient {
  const request: HsmClient['request'] = async (op, body, onProgress) => {
    if (op === 'sign')
      throw new KeywardError(
        'HSM_DEVICE_ERROR',
        'The token refused to sign (CKR_FUNCTION_FAILED).',
        'Check the token.',
      );
    const response = await ws.client.request(op, body, onProgress);
    if (op === 'generateSigningKey') generated.push((response as { id: string }).id);
    return response;
  };
  return { request } as unknown as HsmClient;
}

describe('a workstation key discarded during initialisation', () => {
  it('is destroyed, and its destruction is audited with the object, the ceremony and the reason', async () => {
    const generated: string[] = [];
    const identities = new Identities(ws.db, ws.log);
    const change = { actors: ['alice', 'dave'], ceremony: 'initialise-discarded' };
    const refusal = await rejection(
      createIdentity(
        refusingToSign(generated),
        ws.uri,
        identities,
        { subject: { commonName: 'WS Discarded', organization: 'Example Org' }, spec: 'ECDSA_P256' },
        change,
      ),
    );
    expect(refusal.message).toContain('refused to sign');
    expect(identities.current()).toBeUndefined();
    const [id] = generated;
    if (!id) throw new Error('no key was generated');
    // Gone from the token...
    await expect(ws.client.request('signingPublicKey', { uri: ws.uri, id })).rejects.toMatchObject({
      code: 'HSM_KEY_NOT_FOUND',
    });
    // ...and the log says so.
    const entries = ws.log.query({ action: 'hsm.object.destroy', limit: 10 });
    expect(entries, "the audit log's entries of destroyed token objects").toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({
      actors: change.actors,
      outcome: 'success',
      subject: `signing key ${id}`,
      details: { ceremony: change.ceremony, id },
    });
    expect(JSON.stringify(entry?.details.objects)).toContain(id);
    expect(entry?.details.why).toContain('certificate was not made or recorded');
    expect(ws.log.verify().ok).toBe(true);
  });
});
