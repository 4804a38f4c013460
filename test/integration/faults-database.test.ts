/**
 * Fault injection on the workstation database (a real SQLite file). Damaged files of several kinds are
 * refused before anything is written, with the file named and its bytes kept for the investigation, and
 * the start screen (getStoreStatus, the call the app makes at start) says so too. A database held
 * locked by another process (a real one) makes Keyward wait for the busy timeout, then refuse in words
 * that name the other program; nothing is half-written, and once it lets go the refused action is done
 * and the audit chain verifies.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers } from '../../src/main/api/handlers';
import { ceremonyRules } from '../../src/main/ceremonies/catalogue';
import { CeremonyEngine, type EngineDependencies } from '../../src/main/ceremonies/engine';
import { ceremonyExecutors } from '../../src/main/ceremonies/registry';
import { planGenerateCmk } from '../../src/main/ceremonies/types/generate-cmk';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { openWorkstation } from '../../src/main/open-workstation';
import { AuditLog } from '../../src/main/store/audit-log';
import { busyTimeoutMs } from '../../src/main/store/busy';
import { CeremonyStore } from '../../src/main/store/ceremonies';
import { databaseFileName, openDatabase, type Db } from '../../src/main/store/database';
import { Inventory } from '../../src/main/store/inventory';
import { Officers } from '../../src/main/store/officers';
import { Policies } from '../../src/main/store/policies';
import { WrappingKeys } from '../../src/main/store/wrapping-keys';
import { KeywardError, type KeywardErrorData } from '../../src/shared/errors';
import { rejection, thrown } from '../helpers/rejection';
import { softwareSigner } from '../helpers/software-signer';

const repo = join(import.meta.dirname, '../..');
let dir: string;
const path = () => join(dir, databaseFileName);
const wal = () => `${path()}-wal`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-faults-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const append = (log: AuditLog, i: number) =>
  log.append({
    actors: ['alice'],
    action: 'test.entry',
    subject: `entry ${i}`,
    outcome: 'success',
    details: { i, padding: 'x'.repeat(200) },
  });

/** A database with `entries` audit entries, closed cleanly (everything in the main file). */
function populated(entries: number): void {
  const db = openDatabase(dir);
  const log = new AuditLog(db);
  for (let i = 1; i <= entries; i++) append(log, i);
  db.close();
}

/**
 * The files as a power cut leaves them: the latest entries still in the write-ahead log, not yet copied
 * into the main file. Copied while a connection is open (a closing connection would move them over).
 */
function populatedWithLiveWal(entries: number, inWal: number): void {
  const scratch = mkdtempSync(join(tmpdir(), 'keyward-faults-db-live-'));
  try {
    const db = openDatabase(scratch);
    const log = new AuditLog(db);
    for (let i = 1; i <= entries; i++) append(log, i);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
    for (let i = entries + 1; i <= entries + inWal; i++) append(log, i);
    copyFileSync(join(scratch, databaseFileName), path());
    copyFileSync(join(scratch, `${databaseFileName}-wal`), wal());
    db.close();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const sha256 = (file: string): string =>
  existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent';
/** The database, its log (their bytes) and whether the log's index is there: what a refusal must leave as it was. */
const evidence = (): string[] => [
  sha256(path()),
  sha256(wal()),
  existsSync(`${path()}-shm`) ? 'index present' : 'no index',
];

interface Damage {
  name: string;
  /** Damages the database in `dir`; the files are as a real incident would leave them. */
  make(): void;
  /** Words the refusal uses for this damage. */
  says: RegExp;
}

const damages: Damage[] = [
  {
    name: 'a page in the middle overwritten with garbage',
    make: () => {
      populated(400);
      const bytes = readFileSync(path());
      randomBytes(4096).copy(bytes, Math.floor(bytes.length / 4096 / 2) * 4096);
      writeFileSync(path(), bytes);
    },
    says: /SQLite('s integrity check)? reports/,
  },
  {
    name: 'the file truncated to half its length',
    make: () => {
      populated(400);
      truncateSync(path(), Math.floor(readFileSync(path()).length / 2));
    },
    says: /SQLite('s integrity check)? reports/,
  },
  {
    name: 'the file truncated to nothing',
    make: () => {
      populated(10);
      truncateSync(path(), 0);
    },
    says: /the file is empty \(0 bytes\)/,
  },
  {
    name: 'its header destroyed',
    make: () => {
      populated(50);
      const bytes = readFileSync(path());
      bytes.fill(0, 0, 100);
      writeFileSync(path(), bytes);
    },
    says: /it is not a SQLite database \(its header is missing or overwritten\)/,
  },
  {
    name: 'another file under its name (not SQLite)',
    make: () => writeFileSync(path(), `%PDF-1.7\n${'a document saved under the wrong name\n'.repeat(200)}`),
    says: /it is not a SQLite database/,
  },
  {
    name: 'a -wal file of garbage beside it',
    make: () => {
      populated(50);
      writeFileSync(wal(), randomBytes(40_000));
    },
    says: /its write-ahead log .*-wal, which holds the latest changes, is damaged \(its header is not a SQLite write-ahead log header\)/,
  },
  {
    name: 'the -wal holding the latest entries, its header damaged',
    make: () => {
      populatedWithLiveWal(100, 30);
      const bytes = readFileSync(wal());
      bytes[20] = (bytes[20] ?? 0) ^ 0xff; // a salt byte: the header checksum no longer holds
      writeFileSync(wal(), bytes);
    },
    says: /write-ahead log .* is damaged \(its header checksum does not match\)/,
  },
  {
    name: 'a damaged page while the -wal holds the latest entries',
    make: () => {
      populatedWithLiveWal(400, 30);
      const bytes = readFileSync(path());
      randomBytes(4096).copy(bytes, 8 * 4096);
      writeFileSync(path(), bytes);
    },
    says: /SQLite('s integrity check)? reports/,
  },
];

describe.each(damages)('a database with $name', (damage) => {
  it('is refused before anything is written, its files kept byte for byte, and the start screen says so', async () => {
    damage.make();
    const before = evidence();

    const error = thrown(() => openDatabase(dir));
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain(`The workstation database ${path()} is damaged`);
    expect(error.message).toMatch(damage.says);
    expect(error.message).toContain('Keyward wrote nothing to it and left its files as they are.');
    expect(error.nextStep).toContain(
      `move ${path()} and, if they are there, ${path()}-wal and ${path()}-shm together out of the data folder`,
    );
    expect(error.nextStep).toContain('keyward audit verify');
    expect(evidence()).toEqual(before);

    // The start screen: the call the app makes, through the same gate as the renderer's calls, twice (its Retry button).
    const workstation = openWorkstation(dir, nodeHsmChannel);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await dispatch(createHandlers(workstation), 'getStoreStatus', {});
        expect(result.ok).toBe(false);
        const shown = (result as { error: KeywardErrorData }).error;
        expect(shown).toEqual(error.toData());
      }
    } finally {
      workstation.close();
    }
    expect(evidence()).toEqual(before);
  });
});

describe('a write-ahead log without its database', () => {
  it('is refused, not replayed into a new database', () => {
    populated(30);
    const db = new Database(path());
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec("CREATE TABLE later_changes (x); INSERT INTO later_changes VALUES ('the latest changes, in the log only')");
    const wal = readFileSync(`${path()}-wal`);
    db.close();
    // The database moved away for the investigation, its log left behind.
    rmSync(path());
    writeFileSync(`${path()}-wal`, wal);
    const error = thrown(() => openDatabase(dir));
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain('the database file is missing, but its write-ahead log');
    expect(existsSync(path())).toBe(false);
  });
});

describe('the damaged database put back from its backup copy', () => {
  it('opens again, with its audit chain whole (the next step the refusal gives works)', () => {
    populated(120);
    const backup = join(dir, 'keyward.db.backup');
    copyFileSync(path(), backup);
    const bytes = readFileSync(path());
    randomBytes(4096).copy(bytes, 8192);
    writeFileSync(path(), bytes);
    expect(thrown(() => openDatabase(dir)).code).toBe('STORE_CORRUPT');
    copyFileSync(backup, path());
    const db = openDatabase(dir);
    try {
      expect(new AuditLog(db).verify()).toMatchObject({ ok: true, entries: 120 });
    } finally {
      db.close();
    }
  });
});

/** Another program with the database open in a transaction it does not end: a real process, through SQLite like any tool. */
interface Holder {
  child: ChildProcessWithoutNullStreams;
  /** Ends its transaction (rolled back, as a database browser's "revert"), closes the database and exits. */
  release(): Promise<void>;
}

async function holdDatabase(begin: string, pragmas: string[] = []): Promise<Holder> {
  const script = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
for (const pragma of JSON.parse(process.argv[3])) db.pragma(pragma);
db.exec(process.argv[2]);
// Exclusive locking mode takes its lock at the first write: one that changes nothing.
if (JSON.parse(process.argv[3]).length) db.exec("UPDATE audit_log SET seq = seq WHERE 0");
process.stdout.write('holding\\n');
process.stdin.once('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
`;
  const child = spawn(process.execPath, ['-e', script, path(), begin, JSON.stringify(pragmas)], {
    cwd: repo,
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the holding process exited (${code}): ${stderr}`)));
  });
  return {
    child,
    release: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.write('release\n');
      }),
  };
}

/** A refusal because another program held the database: words, the program named, no SQLite jargon. */
function expectBusyRefusal(error: KeywardError, holder: Holder, waitedMs: number): void {
  expect(error.code).toBe('STORE_UNAVAILABLE');
  expect(error.message).toContain(
    `Another program (node, process ${holder.child.pid}) has the workstation database ${path()} locked and did not let go within ${busyTimeoutMs / 1000} seconds`,
  );
  expect(error.message).toContain('Nothing was half-written: the database is as it was before.');
  expect(error.message).not.toMatch(/SQLITE|database is locked|unexpected error/);
  expect(error.nextStep).toContain(`Close the program that has the database open (node, process ${holder.child.pid})`);
  expect(waitedMs).toBeGreaterThanOrEqual(busyTimeoutMs - 100);
}

/** A refusal, and how long Keyward waited before it. */
function timedRefusal(work: () => unknown): { error: KeywardError; ms: number } {
  const started = performance.now();
  const error = thrown(work);
  return { error, ms: performance.now() - started };
}

describe.each(['BEGIN EXCLUSIVE', 'BEGIN IMMEDIATE'])('the database held by another process with %s', (begin) => {
  let db: Db;
  let log: AuditLog;
  let holder: Holder | undefined;
  beforeEach(() => {
    populated(20);
    db = openDatabase(dir);
    log = new AuditLog(db);
  });
  afterEach(async () => {
    await holder?.release();
    holder = undefined;
    db.close();
  });

  it('an audit append waits, is refused in words naming the program, and is done once it lets go', async () => {
    holder = await holdDatabase(begin);
    const { error, ms } = timedRefusal(() => append(log, 21));
    expectBusyRefusal(error, holder, ms);
    expect(log.head().seq).toBe(20);
    await holder.release();
    holder = undefined;
    expect(append(log, 21).seq).toBe(21);
    expect(log.verify()).toMatchObject({ ok: true, entries: 21 });
  }, 30_000);

  it('a ceremony store write (planning a ceremony) waits, is refused, stores nothing, and is done once it lets go', async () => {
    const store = new CeremonyStore(db);
    const engine = new CeremonyEngine({
      db,
      store,
      log,
      officers: new Officers(db, log),
      policies: new Policies(db, log, ceremonyRules),
      executors: ceremonyExecutors,
      workstationCertificate: Buffer.alloc(0),
      workstationKeyId: '',
      // Planning signs the plan, and asks the token whether the labels it creates are free; nothing else.
      stepContext: {
        client: { request: (op: string) => Promise.resolve(op === 'labelsInUse' ? [] : undefined) },
        signer: softwareSigner('ECDSA_P256'),
        inventory: new Inventory(db, log),
        wrappingKeys: new WrappingKeys(db, log),
        officers: new Officers(db, log),
        policies: new Policies(db, log, ceremonyRules),
      } as unknown as EngineDependencies['stepContext'],
    });
    const planned = planGenerateCmk(new Inventory(db, log), {
      keyName: 'Tenant CMK',
      purpose: 'tenant data',
      provider: null,
      spec: 'AES_256',
      rotationDays: 365,
    });
    holder = await holdDatabase(begin);
    const started = performance.now();
    const error = await rejection(engine.plan('generate-cmk', planned.title, planned.steps));
    expectBusyRefusal(error, holder, performance.now() - started);
    expect(store.unfinished()).toEqual([]);
    expect(log.head().seq).toBe(20);
    await holder.release();
    holder = undefined;
    const plan = await engine.plan('generate-cmk', planned.title, planned.steps);
    expect(store.unfinished()).toEqual([plan.id]);
    expect(log.query({ action: 'ceremony.plan', limit: 5 }).map((e) => e.subject)).toEqual([plan.id]);
    expect(log.verify()).toMatchObject({ ok: true, entries: 21 });
  }, 30_000);
});

describe('the database held in exclusive locking mode by another process (even reading waits)', () => {
  it('the start screen waits, then says which program holds the database; once it lets go, the database opens whole', async () => {
    populated(20);
    const holder = await holdDatabase('BEGIN EXCLUSIVE', ['locking_mode = EXCLUSIVE']);
    const workstation = openWorkstation(dir, nodeHsmChannel);
    try {
      const started = performance.now();
      const result = await dispatch(createHandlers(workstation), 'getStoreStatus', {});
      const ms = performance.now() - started;
      expect(result.ok).toBe(false);
      expectBusyRefusal(KeywardError.fromData((result as { error: KeywardErrorData }).error), holder, ms);
      await holder.release();
      const status = await dispatch(createHandlers(workstation), 'getStoreStatus', {});
      expect(status).toMatchObject({ ok: true, value: { path: path(), auditEntries: 20 } });
      expect(workstation.audit().verify()).toMatchObject({ ok: true, entries: 20 });
    } finally {
      if (holder.child.exitCode === null) await holder.release();
      workstation.close();
    }
  }, 30_000);
});

describe('a damaged database read by hand', () => {
  it('shows what SQLite alone would have done with a damaged -wal: the latest entries silently gone (why Keyward checks it first)', () => {
    populatedWithLiveWal(100, 30);
    const bytes = readFileSync(wal());
    bytes[20] = (bytes[20] ?? 0) ^ 0xff;
    writeFileSync(wal(), bytes);
    const raw = new Database(path(), { readonly: true });
    try {
      expect(raw.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(100);
    } finally {
      raw.close();
    }
  });
});
