/** The keyward command line. The HSM runs in a child process here too. */
import { toErrorData, type KeywardErrorData } from '../shared/errors';
import { defaultDataDir } from '../main/data-dir';
import { nodeHsmChannel } from '../main/hsm/node-channel';
import { exportAudit, verifyAuditExport } from '../main/store/audit-export';
import { Workstation } from '../main/workstation';
import { hexGroups } from '../shared/fingerprint';
import { parseCli, usage } from './args';
import { formatCapabilities, formatTokenReport, formatVerification } from './format';

function printError(error: KeywardErrorData, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
  process.stderr.write(`keyward: ${error.message}\nNext step: ${error.nextStep}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  let options;
  try {
    options = parseCli(argv);
  } catch (error) {
    printError(toErrorData(error), json);
    return 2;
  }
  if (options.command === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (options.command === 'audit verify' && options.exportFile) {
    // On the auditor's machine: no HSM, no Keyward data directory.
    try {
      const report = await verifyAuditExport(options.exportFile, options.signerFingerprint);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatVerification(report.chain, report.checkpoints)}${report.fileProblems.map((p) => `File problem: ${p}.\n`).join('')}`);
      return report.ok ? 0 : 1;
    } catch (error) {
      printError(toErrorData(error), options.json);
      return 1;
    }
  }
  const workstation = new Workstation(options.dataDir ?? defaultDataDir(), nodeHsmChannel);
  try {
    if (options.command === 'audit export' && options.out) {
      const written = exportAudit(workstation.audit(), workstation.checkpoints(), options.out);
      process.stdout.write(options.json ? `${JSON.stringify({ file: options.out, ...written }, null, 2)}\n` : `Wrote ${options.out}: ${written.entries} entries, ${written.checkpoints} checkpoints.\nSHA-256 of the file: ${hexGroups(written.sha256)}\n`);
      return 0;
    }
    if (options.command === 'audit verify') {
      const chain = workstation.audit().verify();
      const checkpoints = workstation.checkpoints().verify();
      process.stdout.write(options.json ? `${JSON.stringify({ ok: chain.ok && checkpoints.ok, chain, checkpoints }, null, 2)}\n` : formatVerification(chain, checkpoints));
      return chain.ok && checkpoints.ok ? 0 : 1;
    }
    if (options.command === 'token probe') {
      const capabilities = await workstation.probe(options.modulePath, options.tokenUri);
      const rehearsal = options.modulePath === undefined && workstation.settings().mode === 'rehearsal';
      process.stdout.write(options.json ? `${JSON.stringify({ rehearsal, ...capabilities }, null, 2)}\n` : formatCapabilities(capabilities, rehearsal));
    } else {
      const report = await workstation.tokenReport(options.modulePath, options.tokenUri);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatTokenReport(report));
    }
    return 0;
  } catch (error) {
    printError(toErrorData(error), options.json);
    return 1;
  } finally {
    workstation.close();
  }
}
