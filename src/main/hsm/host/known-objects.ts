/**
 * The key objects a session has found, and what Keyward verified of each, so that a repeated operation
 * neither searches the token again (a C_FindObjects rescans every object: ~0.4 ms on SoftHSM) nor derives
 * again what it checked. Within a session a handle names one object (PKCS#11 2.40 §2.4: it "remains fixed"
 * while the session can use the object); each use still reads the object's CKA_ID and CKA_CLASS to confirm
 * it, and everything is forgotten when the login changes, when Keyward destroys an object, and whenever a
 * handle no longer answers, so that a key replaced on the token is found and verified afresh.
 */
type Handle = Buffer;

export class KnownObjects {
  private readonly handles = new Map<string, Handle>();
  private readonly facts = new Map<string, string>();

  handle(cls: number, idHex: string): Handle | undefined {
    return this.handles.get(`${cls}/${idHex}`);
  }

  remember(cls: number, idHex: string, handle: Handle): void {
    this.handles.set(`${cls}/${idHex}`, handle);
  }

  /** A fact verified of the object behind `handle` (its fingerprint, its check value), by name. */
  fact(handle: Handle, name: string): string | undefined {
    return this.facts.get(`${handle.toString('hex')}/${name}`);
  }

  verified(handle: Handle, name: string, value: string): void {
    this.facts.set(`${handle.toString('hex')}/${name}`, value);
  }

  forget(): void {
    this.handles.clear();
    this.facts.clear();
  }

  /** Forgets these objects only (Keyward destroyed them); the others still name what was verified. */
  forgetObjects(destroyed: readonly Handle[]): void {
    for (const handle of destroyed) {
      for (const [key, known] of this.handles) if (known.equals(handle)) this.handles.delete(key);
      const prefix = `${handle.toString('hex')}/`;
      for (const key of this.facts.keys()) if (key.startsWith(prefix)) this.facts.delete(key);
    }
  }
}
